import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ActionableError } from '../../src/core/types';
import { BuiltinEmbedder, OnnxSentenceEmbedder, createEmbedder } from '../../src/retrieval/embedder';
import { featureCounts, hashedFeatures, hashFeature, leanFeatureList, namePieces, packFeatures } from '../../src/retrieval/lean-features';
import { FeatureThread } from '../../src/retrieval/feature-thread';
import { DataType } from '../../src/retrieval/onnx-writer';
import { TINY_VOCAB, tinyTable, tinyTokenizerJson, writeTinyExport } from '../fixtures/retrieval/tiny-models';

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function row(m: Float32Array, dim: number, i: number): Float32Array {
  return m.subarray(i * dim, (i + 1) * dim);
}

describe('retrieval: Lean-aware features', () => {
  it('splits a dotted snake_case name into lower-case pieces and keeps the whole name', () => {
    assert.deepEqual(namePieces('Nat.succ_le_of_lt'), ['nat', 'succ', 'le', 'of', 'lt']);
    assert.deepEqual(namePieces('List.getElem?_eq'), ['list', 'get', 'elem', 'eq']);
    const features = leanFeatureList('theorem Nat.succ_le_of_lt (h : n < m) : n.succ ≤ m := by omega').map(([f]) => f);
    for (const f of ['n:Nat.succ_le_of_lt', 'p:nat', 'p:succ', 'p:le', 'p:of', 'p:lt', 's:≤', 's:<', 't:omega', 'n:h']) {
      assert.ok(features.includes(f), `missing ${f} in ${features.join(' ')}`);
    }
    assert.ok(!features.includes('s:('), 'punctuation is not a feature');
    assert.ok(!features.includes('p:omega'), 'a tactic stays one feature');
  });

  it('treats Unicode math symbols as tokens and ignores comments', () => {
    const features = leanFeatureList('∀ x ∈ s, ∃ y, x ⊆ y -- ∑ only in a comment').map(([f]) => f);
    for (const f of ['s:∀', 's:∈', 's:∃', 's:⊆']) assert.ok(features.includes(f), `missing ${f}`);
    assert.ok(!features.some((f) => f.includes('∑')));
  });

  it('hashes deterministically into the bucket range, heaviest first', () => {
    const a = hashedFeatures('theorem foo : List.length [] = 0 := rfl', { buckets: 1000, maxFeatures: 256 });
    const b = hashedFeatures('theorem foo : List.length [] = 0 := rfl', { buckets: 1000, maxFeatures: 256 });
    assert.deepEqual(a, b);
    assert.ok(a.ids.every((id) => id >= 0 && id < 1000));
    for (let i = 1; i < a.weights.length; i++) assert.ok(a.weights[i - 1]! >= a.weights[i]!);
    assert.equal(hashedFeatures('a b c d e f g h', { buckets: 1 << 14, maxFeatures: 3 }).ids.length, 3);
  });
});

describe('retrieval: built-in embedder', function () {
  this.timeout(20_000);
  let embedder: BuiltinEmbedder;
  before(async () => {
    embedder = await BuiltinEmbedder.load();
  });
  after(async () => embedder.dispose());

  it('is deterministic, batch-independent and unit-length', async () => {
    const texts = ['theorem Nat.add_comm (n m : Nat) : n + m = m + n', 'theorem List.length_append (as bs : List α) : (as ++ bs).length = as.length + bs.length'];
    const batch = await embedder.embed(texts);
    const again = await embedder.embed(texts);
    const single = await embedder.embed([texts[1]!]);
    assert.equal(batch.length, 2 * embedder.dim);
    assert.deepEqual(batch, again);
    for (let j = 0; j < embedder.dim; j++) assert.ok(Math.abs(row(batch, embedder.dim, 1)[j]! - single[j]!) < 1e-6);
    assert.ok(Math.abs(dot(row(batch, embedder.dim, 0), row(batch, embedder.dim, 0)) - 1) < 1e-5);
  });

  it('puts related statements closer than unrelated ones', async () => {
    const v = await embedder.embed([
      'theorem List.length_reverse (l : List α) : l.reverse.length = l.length',
      'theorem List.reverse_reverse (l : List α) : l.reverse.reverse = l',
      'theorem Nat.mul_le_mul {a b c d : Nat} (h₁ : a ≤ b) (h₂ : c ≤ d) : a * c ≤ b * d',
    ]);
    const d = embedder.dim;
    assert.ok(dot(row(v, d, 0), row(v, d, 1)) > dot(row(v, d, 0), row(v, d, 2)) + 0.1);
  });

  it('counts the same features per bucket as the feature list says, in the same order (remembered tokens change nothing)', () => {
    const lines = fs.readFileSync(path.join(__dirname, '../fixtures/retrieval/batteries-theorems.jsonl'), 'utf8').split('\n').filter(Boolean);
    const texts = lines.map((l) => (JSON.parse(l) as { decl: string }).decl);
    texts.push('theorem «odd name» (x : ℕ) : `Nat.succ x = x + 1 := by simp -- Nat.zero', '', '(( ))');
    for (const buckets of [1 << 15, 1 << 18, 7]) {
      for (const pass of [1, 2]) {
        for (const text of texts) {
          const expected = new Map<number, number>();
          for (const [feature, weight] of leanFeatureList(text)) {
            const bucket = hashFeature(feature) % buckets;
            expected.set(bucket, (expected.get(bucket) ?? 0) + weight);
          }
          assert.deepEqual([...featureCounts(text, buckets)], [...expected], `pass ${pass}, ${buckets} buckets: ${text.slice(0, 60)}`);
        }
      }
    }
  });

  it('gives each text the buckets and weights its feature list defines, heaviest first, however many texts came before', () => {
    const lines = fs.readFileSync(path.join(__dirname, '../fixtures/retrieval/batteries-theorems.jsonl'), 'utf8').split('\n').filter(Boolean);
    const texts = lines.slice(0, 400).map((l) => (JSON.parse(l) as { decl: string }).decl);
    texts.push('', '(( ))', 'a', texts[0]!.repeat(30));
    for (const options of [{ buckets: 1 << 15, maxFeatures: 256 }, { buckets: 97, maxFeatures: 8 }, { buckets: 1 << 18, maxFeatures: 3 }]) {
      for (const text of texts) {
        const sums = new Map<number, number>();
        for (const [feature, weight] of leanFeatureList(text)) {
          const bucket = hashFeature(feature) % options.buckets;
          sums.set(bucket, (sums.get(bucket) ?? 0) + weight);
        }
        const expected = [...sums].map(([id, w]) => [id, w >= 1 ? 1 + Math.log(w) : w] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, options.maxFeatures);
        const got = hashedFeatures(text, options);
        assert.deepEqual(got, { ids: expected.map((e) => e[0]), weights: expected.map((e) => e[1]) }, `${options.buckets} buckets: ${text.slice(0, 60)}`);
      }
    }
  });

  it('computes a large batch on the feature thread, with the features and vectors of this thread', async () => {
    const lines = fs.readFileSync(path.join(__dirname, '../fixtures/retrieval/batteries-theorems.jsonl'), 'utf8').split('\n').filter(Boolean);
    const texts = lines.slice(0, 300).map((l) => (JSON.parse(l) as { decl: string }).decl);
    texts.push('', '(( ))');
    const thread = FeatureThread.beside(path.join(__dirname, '../../src/retrieval'));
    assert.ok(thread, 'the feature thread runs from the sources too');
    try {
      assert.deepEqual(await thread!.features(texts, embedder.meta), packFeatures(texts.map((t) => hashedFeatures(t, embedder.meta))));
    } finally {
      await thread!.dispose();
    }
    assert.equal(embedder.embedsOffThread, true);
    const batch = await embedder.embed(texts);
    for (const i of [0, 1, 150, 299, 300, 301]) {
      const one = await embedder.embed([texts[i]!]); // one text: computed on this thread
      for (let j = 0; j < embedder.dim; j++) assert.ok(Math.abs(batch[i * embedder.dim + j]! - one[j]!) < 1e-6, `text ${i}`);
    }
  });

  it('turns a feature thread that dies into an error for the waiting batch, and a reply with an error into one too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-thread-'));
    const dying = path.join(dir, 'dying.js');
    fs.writeFileSync(dying, "throw new Error('broken script');\n");
    const refusing = path.join(dir, 'refusing.js');
    fs.writeFileSync(refusing, "const { parentPort } = require('node:worker_threads');\nparentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: 'no features today' }));\n");
    const a = new FeatureThread(dying);
    await assert.rejects(a.features(['theorem x : True := trivial'], embedder.meta), /feature thread stopped \(broken script\)/);
    const b = new FeatureThread(refusing);
    await assert.rejects(b.features(['theorem x : True := trivial'], embedder.meta), /feature thread: no features today/);
    await a.dispose();
    await b.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives a zero vector (not NaN) for text without features', async () => {
    const v = await embedder.embed(['', '(( ))']);
    assert.ok(v.every((x) => x === 0));
  });

  it('reports a missing model folder with the file it looked for', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-noembedder-'));
    await assert.rejects(BuiltinEmbedder.load(dir), (e: unknown) => e instanceof ActionableError && e.code === 'embedder-missing-file' && e.message.includes('lean-embedder.json'));
  });
});

describe('retrieval: user-supplied sentence embedder', function () {
  this.timeout(20_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-tiny-'));
  const hidden = 8;

  /** The expected mean-pooled, normalised vector of a text, computed from the table directly. */
  function reference(text: string, pooling: 'mean' | 'cls'): Float32Array {
    const ids = new Tokenizer(tinyTokenizerJson(), {}).encode(text).ids;
    const table = tinyTable(hidden);
    const v = new Float32Array(hidden);
    const used = pooling === 'cls' ? ids.slice(0, 1) : ids;
    for (const id of used) for (let j = 0; j < hidden; j++) v[j]! += table[id * hidden + j]! / used.length;
    const n = Math.sqrt(dot(v, v));
    return v.map((x) => x / n);
  }

  it('tokenizes with the local tokenizer.json and mean-pools over real tokens only', async () => {
    const dir = writeTinyExport(path.join(tmp, 'mean'));
    const e = await OnnxSentenceEmbedder.load(dir, { pooling: 'mean' });
    try {
      assert.equal(e.dim, hidden);
      const texts = ['theorem nat add comm', 'list length append reverse eq a b']; // different lengths: padding in the batch
      const v = await e.embed(texts);
      texts.forEach((t, i) => {
        const want = reference(t, 'mean');
        for (let j = 0; j < hidden; j++) assert.ok(Math.abs(row(v, hidden, i)[j]! - want[j]!) < 1e-5, `text ${i} dim ${j}`);
      });
    } finally {
      await e.dispose();
    }
  });

  it('supports cls pooling and a model that pools itself (pooling none)', async () => {
    const cls = await OnnxSentenceEmbedder.load(writeTinyExport(path.join(tmp, 'cls')), { pooling: 'cls' });
    const want = reference('theorem nat', 'cls');
    const got = await cls.embed(['theorem nat']);
    for (let j = 0; j < hidden; j++) assert.ok(Math.abs(got[j]! - want[j]!) < 1e-5);
    await cls.dispose();
    const none = await OnnxSentenceEmbedder.load(writeTinyExport(path.join(tmp, 'none'), { pooledOnly: true }), { pooling: 'none' });
    const pooled = await none.embed(['theorem nat add']);
    const meanWant = reference('theorem nat add', 'mean');
    for (let j = 0; j < hidden; j++) assert.ok(Math.abs(pooled[j]! - meanWant[j]!) < 1e-5);
    await none.dispose();
  });

  it('goes through createEmbedder when embedderPath is set', async () => {
    const e = await createEmbedder({ embedderPath: writeTinyExport(path.join(tmp, 'settings')), embedderPooling: 'mean' });
    assert.ok(e instanceof OnnxSentenceEmbedder);
    await e.dispose();
  });

  const rejects = async (folder: string, pooling: 'mean' | 'cls' | 'none', code: string, text: RegExp) =>
    assert.rejects(OnnxSentenceEmbedder.load(folder, { pooling }), (e: unknown) => {
      assert.ok(e instanceof ActionableError, String(e));
      assert.equal(e.code, code);
      assert.match(e.message, text);
      return true;
    });

  it('names a missing folder, tokenizer.json or model.onnx', async () => {
    await rejects(path.join(tmp, 'nowhere'), 'mean', 'embedder-missing-file', /folder does not exist/);
    const noTokenizer = writeTinyExport(path.join(tmp, 'no-tokenizer'));
    fs.rmSync(path.join(noTokenizer, 'tokenizer.json'));
    await rejects(noTokenizer, 'mean', 'embedder-missing-file', /tokenizer\.json is missing/);
    const noModel = writeTinyExport(path.join(tmp, 'no-model'));
    fs.rmSync(path.join(noModel, 'model.onnx'));
    await rejects(noModel, 'mean', 'embedder-missing-file', /model\.onnx is missing/);
  });

  it('explains a model it cannot feed or read', async () => {
    const extra = writeTinyExport(path.join(tmp, 'extra-input'), {
      inputs: [
        { name: 'input_ids', dataType: DataType.INT64, shape: ['batch', 'tokens'] },
        { name: 'attention_mask', dataType: DataType.INT64, shape: ['batch', 'tokens'] },
        { name: 'token_type_ids', dataType: DataType.INT64, shape: ['batch', 'tokens'] },
        { name: 'pixel_values', dataType: DataType.FLOAT, shape: ['batch', 3] },
      ],
    });
    await rejects(extra, 'mean', 'embedder-bad-model', /input "pixel_values"/);
    const int32 = writeTinyExport(path.join(tmp, 'int32'), {
      inputs: [
        { name: 'input_ids', dataType: DataType.INT32, shape: ['batch', 'tokens'] },
        { name: 'attention_mask', dataType: DataType.INT64, shape: ['batch', 'tokens'] },
        { name: 'token_type_ids', dataType: DataType.INT64, shape: ['batch', 'tokens'] },
      ],
    });
    await rejects(int32, 'mean', 'embedder-bad-model', /input "input_ids" is int32; expected int64/);
    await rejects(writeTinyExport(path.join(tmp, 'rank'), { pooledOnly: true }), 'mean', 'embedder-bad-model', /needs an output of rank 3/);
    const garbage = writeTinyExport(path.join(tmp, 'garbage'));
    fs.writeFileSync(path.join(garbage, 'model.onnx'), 'not a model');
    await rejects(garbage, 'mean', 'embedder-bad-model', /could not load/);
    const badJson = writeTinyExport(path.join(tmp, 'bad-json'));
    fs.writeFileSync(path.join(badJson, 'tokenizer.json'), '{');
    await rejects(badJson, 'mean', 'embedder-bad-tokenizer', /tokenizer\.json could not be read/);
  });

  it('has a vocabulary the tests rely on', () => {
    assert.equal(new Tokenizer(tinyTokenizerJson(), {}).encode('nat succ').ids.join(','), [2, TINY_VOCAB.indexOf('nat'), TINY_VOCAB.indexOf('succ'), 3].join(','));
  });
});
