import assert from 'node:assert/strict';
import { embedSparse, sparseText, trainContrastive, type TrainPair } from '../../src/retrieval/trainer';

const features = { buckets: 512, maxFeatures: 64 };
const dim = 16;

function table(seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: features.buckets * dim }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2);
}

// Statements whose proofs use a lemma named after a word that the statement only hints at.
const topics = ['append', 'reverse', 'length', 'map', 'filter', 'zip', 'take', 'drop'];
const pairs: TrainPair[] = [];
for (let i = 0; i < 64; i++) {
  const topic = topics[i % topics.length]!;
  pairs.push({ query: sparseText(`theorem t${i} (l : List α) : ${topic} l = ${topic} l`, features), positive: sparseText(`by simp [List.${topic}_eq_${i % 3}, List.${topic}_spec]`, features) });
}
const options = { dim, epochs: 6, batchSize: 16, temperature: 0.1, learningRate: 0.05, seed: 3 };

describe('contrastive trainer (built-in embedder)', () => {
  it('embeds a hashed text as a unit vector', () => {
    const out = new Float32Array(dim);
    const norm = embedSparse(table(1), dim, sparseText('theorem x : a ≤ b := le_of_lt h', features), out);
    assert.ok(norm > 0);
    assert.ok(Math.abs(Math.hypot(...out) - 1) < 1e-5);
  });

  it('lowers the in-batch loss and pulls statements towards the proofs they need', () => {
    const t = table(1);
    const cosine = (a: TrainPair['query'], b: TrainPair['query']) => {
      const x = new Float32Array(dim);
      const y = new Float32Array(dim);
      embedSparse(t, dim, a, x);
      embedSparse(t, dim, b, y);
      return x.reduce((s, v, j) => s + v * y[j]!, 0);
    };
    const matched = () => pairs.reduce((s, p) => s + cosine(p.query, p.positive), 0) / pairs.length;
    const before = matched();
    const losses = trainContrastive(t, pairs, options);
    assert.equal(losses.length, options.epochs);
    assert.ok(losses[losses.length - 1]! < losses[0]! * 0.8, `loss ${losses.join(' → ')}`);
    assert.ok(matched() > before + 0.2, `mean cosine of pairs ${before} → ${matched()}`);
  });

  it('is deterministic for the same seed, and leaves frozen rows alone', () => {
    const a = table(1);
    const b = table(1);
    trainContrastive(a, pairs, options);
    trainContrastive(b, pairs, options);
    assert.deepEqual(a, b);
    const frozen = table(1);
    const start = frozen.slice();
    trainContrastive(frozen, pairs, { ...options, trainable: new Uint8Array(features.buckets) });
    assert.deepEqual(frozen, start);
  });
});
