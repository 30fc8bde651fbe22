// Retrieval memory benchmark: lemma recall@k on Batteries split by file (ours beside random,
// query-independent, BM25 and all-proofs baselines, with a paired bootstrap interval), ingest
// throughput, hybrid query latency on banks of synthetic proofs, the exact search kernels, and
// approximate search at 100K, 1M and 7M vectors.
// usage: node --import tsx bench/retrieval.ts [--quick | --quality | --speed] [--lean PATH] [--bank-sizes N,N] [--ann-sizes N,N]
//   --quick: banks of 10K and 100K, approximate search at 100K; --quality: only recall (and replay@k), printed as JSON (no file written)
//   --speed: only ingest, hybrid query latency and approximate search (not quality, not the exact kernels); the keys it
//     measures are merged into bench/results/retrieval.json, the others (quality) are kept as they were
//   replay@k runs when a `lean` is on PATH or given with --lean.
//   --corpus DIR: also measure lemma recall on the held-out files of the training corpus (JSONL
//   folder, as given to scripts/train-embedder.ts): the Mathlib-era domain.
// Writes bench/results/retrieval.json. Scratch banks go to the OS temp folder and are removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_CONFIG } from '../src/config';
import { makeCandidate } from '../src/core/extract';
import { prepassCandidates } from '../src/core/prepass';
import { findSorries } from '../src/core/source';
import type { Candidate, ProofTarget, RetrievedProof, VerifiedProof } from '../src/core/types';
import { findExecutable } from '../src/lean/server';
import { LeanVerifier } from '../src/lean/verifier';
import { ProofBank, RECORDS_FILE, VECTORS_FILE } from '../src/retrieval/bank';
import { BuiltinEmbedder, type Embedder } from '../src/retrieval/embedder';
import { hashFeature } from '../src/retrieval/lean-features';
import { dotSuffixes, identifierSet, lemmaNames, lemmaRecall } from '../src/retrieval/lemma-names';
import { LexicalIndex } from '../src/retrieval/lexical';
import { LemmaIndex } from '../src/retrieval/lemma-prior';
import { BATTERIES_FILE, batteriesSplit, corpusSplit, devSet, readCorpusFolders } from '../scripts/train-embedder';
import { mulberry32, shuffled } from '../src/retrieval/trainer';
import { importCorpus } from '../src/retrieval/indexer';
import { MemoryBank } from '../src/retrieval/memory';
import { OrtTopK, topKByLoop } from '../src/retrieval/search';
import { DotKernels } from '../src/retrieval/dot-kernels';
import { buildIvf, DEFAULT_PROBES, IvfIndex } from '../src/retrieval/ann';
import { clusteredRows, unitVectors } from '../test/fixtures/retrieval/vectors';
import { machineInfo } from './machine';

const root = path.resolve(__dirname, '..');
const corpusFile = BATTERIES_FILE;
const quick = process.argv.includes('--quick');
const speedOnly = process.argv.includes('--speed');
const leanArg = process.argv.includes('--lean') ? process.argv[process.argv.indexOf('--lean') + 1] : undefined;
const lean = leanArg ? path.resolve(leanArg) : findExecutable('lean');

// A garbage collector to call before memory readings, without needing a node flag.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

interface CorpusRecord {
  source: string;
  namespace: string;
  line: number;
  name: string;
  statement: string;
  proof: string;
  decl: string;
}

const corpus: CorpusRecord[] = fs
  .readFileSync(corpusFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as CorpusRecord);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function log(message: string): void {
  process.stderr.write(`[bench retrieval] ${message}\n`);
}

function tmpDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oprover-bench-${label}-`));
}

// ---------------------------------------------------------------------------------------------
// Quality: Batteries split by file

const fileOf = (r: CorpusRecord) => r.source.slice(r.source.indexOf(':') + 1);

/** BM25 (k1 = 1.2, b = 0.75) over whitespace/bracket-split words, exact over all documents. */
class Bm25 {
  private readonly tf: Map<string, number>[];
  private readonly lengths: number[];
  private readonly df = new Map<string, number>();
  private readonly avg: number;
  constructor(
    docs: string[],
    private readonly tokenize: (s: string) => string[],
  ) {
    const tokens = docs.map(tokenize);
    this.lengths = tokens.map((t) => t.length);
    this.avg = this.lengths.reduce((a, b) => a + b, 0) / docs.length;
    this.tf = tokens.map((t) => {
      const m = new Map<string, number>();
      for (const w of t) m.set(w, (m.get(w) ?? 0) + 1);
      for (const w of m.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
      return m;
    });
  }
  search(query: string, k: number): number[] {
    const n = this.tf.length;
    const terms = [...new Set(this.tokenize(query))];
    const scores = this.tf.map((tf, i) => {
      let s = 0;
      for (const w of terms) {
        const f = tf.get(w);
        if (!f) continue;
        const df = this.df.get(w)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * this.lengths[i]!) / this.avg));
      }
      return [s, i] as [number, number];
    });
    scores.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    return scores.slice(0, k).map(([, i]) => i);
  }
}

const wordTokens = (s: string) => s.split(/[\s()[\]{}⟨⟩,:]+/).filter(Boolean);

/** Paired bootstrap of mean(a − b): the 2.5 % and 97.5 % quantiles over `rounds` resamples (seeded). */
function pairedBootstrap(a: number[], b: number[], rounds = 10_000, seed = 16): { mean: number; low: number; high: number } {
  const random = mulberry32(seed);
  const diff = a.map((x, i) => x - b[i]!);
  const means: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let sum = 0;
    for (let i = 0; i < diff.length; i++) sum += diff[Math.floor(random() * diff.length)]!;
    means.push(sum / diff.length);
  }
  means.sort((x, y) => x - y);
  const mean = diff.reduce((x, y) => x + y, 0) / diff.length;
  return { mean: round(mean, 4), low: round(means[Math.floor(0.025 * rounds)]!, 4), high: round(means[Math.floor(0.975 * rounds)]!, 4) };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function batteriesQuality() {
  // Split by file: a file's theorems are all train or all test (about 1 file in 5 is test). The
  // embedder never saw Batteries (it is trained on other Lean projects); the bank is the train split.
  return qualityOn(
    corpus.filter((r) => batteriesSplit(r) === 'train'),
    corpus.filter((r) => batteriesSplit(r) === 'test'),
    true,
  );
}

/**
 * The same measures on the training corpus's test files (`--corpus DIR`, `corpusSplit` = test):
 * Mathlib-era projects, the domain of a Mathlib user. Neither model was fitted on those files and no
 * choice was made on them. Of those files, 1 in 4 gives the queries and the others the bank.
 */
async function corpusQuality(dir: string) {
  const records = readCorpusFolders(dir);
  const held = devSet(records.filter((r) => corpusSplit(r) === 'test'));
  const asRecord = (r: (typeof records)[number]) => ({ namespace: '', line: 0, ...r }) as CorpusRecord;
  return qualityOn(held.bank.map(asRecord), held.queries.map(asRecord), false);
}

async function qualityOn(train: CorpusRecord[], allTest: CorpusRecord[], withReplay: boolean) {
  // Only theorems whose proof uses at least one lemma name say anything about lemma recall.
  const test = allTest.filter((t) => lemmaNames(t.proof, t.statement).size > 0);
  const wanted = test.map((t) => lemmaNames(t.proof, t.statement));
  const used = train.map((r) => {
    const ids = identifierSet(r.proof);
    return { used: ids, suffixes: dotSuffixes(ids) };
  });
  const ks = [1, 4, 8, 16];
  const maxK = Math.max(...ks);
  /** Per-theorem lemma recall of a ranking (train rows, best first) cut at k. */
  const perQuery = (rows: number[][], k: number) => rows.map((r, q) => lemmaRecall(wanted[q]!, r.slice(0, k).filter((j) => j >= 0).map((j) => used[j]!)));
  const summary = (rows: number[][]) => Object.fromEntries(ks.map((k) => [`lemma_recall_at_${k}`, round(mean(perQuery(rows, k)), 4)]));

  const embedder = await BuiltinEmbedder.load();
  const dir = tmpDir('quality');
  const memory = new MemoryBank({ storageDir: dir, embedder, durable: false });
  await memory.add(train.map((r) => ({ name: r.name, statement: r.statement, proof: r.decl, source: { kind: 'corpus', file: fileOf(r), line: r.line } })));
  const rowOf = new Map<string, number>();
  train.forEach((r, i) => rowOf.set(r.name + '\u0000' + r.decl, i));
  const bank = await memory.open();
  const oursAll: number[][] = [];
  for (const t of allTest) {
    const found = await memory.retrieve({ statement: t.statement }, maxK);
    oursAll.push(found.map((p) => rowOf.get(p.name + '\u0000' + p.proof) ?? -1));
  }
  const ours = test.map((t) => oursAll[allTest.indexOf(t)]!);
  // Variants: the same bank with coverage re-ranking (oprover.retrievalCoverage, off by default),
  // without the lemma prior (BM25 + vectors, 1 : 1), and the prior alone.
  const withCoverage = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, coverageModel: 'shipped' });
  const oursWithCoverage: number[][] = [];
  for (const t of test) oursWithCoverage.push((await withCoverage.retrieve({ statement: t.statement }, maxK)).map((p) => rowOf.get(p.name + '\u0000' + p.proof) ?? -1));
  await withCoverage.close();
  const withoutPrior = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null });
  const oursWithoutPrior: number[][] = [];
  for (const t of test) oursWithoutPrior.push((await withoutPrior.retrieve({ statement: t.statement }, maxK)).map((p) => rowOf.get(p.name + '\u0000' + p.proof) ?? -1));
  await withoutPrior.close();
  const prior = memory.lemmaPrior();
  const priorOnly: number[][] = [];
  // Control: the prior asked with another test theorem's statement (a fixed permutation): what it
  // scores without knowing the query (popular lemmas, proofs that use many of them).
  const priorOtherQuery: number[][] = [];
  if (prior) {
    const lemmas = new LemmaIndex(prior);
    for (const r of train) lemmas.add({ statement: r.statement, proof: r.decl });
    for (const t of test) priorOnly.push(lemmas.search(prior.predict(t.statement), maxK).map((x) => x.row));
    test.forEach((_, i) => priorOtherQuery.push(lemmas.search(prior.predict(test[(i * 7919 + 13) % test.length]!.statement), maxK).map((x) => x.row)));
  }
  const vectorOnly: number[][] = [];
  const embedTimes: number[] = [];
  for (const t of test) {
    const started = performance.now();
    const vector = (await embedder.embed([t.statement])).slice();
    embedTimes.push(performance.now() - started);
    const rows = await bank.search(vector, maxK);
    vectorOnly.push(rows.map((r) => rowOf.get(bank.read(r.row).name + '\u0000' + bank.read(r.row).proof) ?? -1));
  }
  await memory.close();
  fs.rmSync(dir, { recursive: true, force: true });
  embedTimes.sort((a, b) => a - b);

  // Baselines. BM25 over the same Lean features as our lexical half, and over plain words.
  const lexical = new LexicalIndex();
  for (const r of train) lexical.add(r.decl);
  const bm25Features = test.map((t) => lexical.search(t.statement, maxK).map((x) => x.row));
  const words = new Bm25(
    train.map((r) => r.decl),
    wordTokens,
  );
  const bm25Words = test.map((t) => words.search(t.statement, maxK));
  // Random: 20 seeded draws of k distinct train proofs per theorem, averaged.
  const random = mulberry32(7);
  const randomRecall = Object.fromEntries(
    ks.map((k) => {
      const draws: number[] = [];
      for (let d = 0; d < 20; d++) draws.push(mean(perQuery(test.map(() => [...shuffled(train.length, random).slice(0, k)]), k)));
      return [`lemma_recall_at_${k}`, round(mean(draws), 4)];
    }),
  );
  // Query-independent: one fixed list, chosen greedily on the train split alone (each step takes the
  // proof that uses the most not-yet-covered lemma names, weighted by how many train proofs need them).
  const need = new Map<string, number>();
  for (const r of train) for (const name of lemmaNames(r.proof, r.statement)) need.set(name, (need.get(name) ?? 0) + 1);
  const fixed: number[] = [];
  const covered = new Set<string>();
  for (let step = 0; step < maxK; step++) {
    let best = -1;
    let bestGain = -1;
    used.forEach((u, j) => {
      if (fixed.includes(j)) return;
      let gain = 0;
      for (const name of u.used) if (!covered.has(name)) gain += need.get(name) ?? 0;
      if (gain > bestGain) [best, bestGain] = [j, gain];
    });
    fixed.push(best);
    for (const name of used[best]!.used) covered.add(name);
  }
  const queryIndependent = test.map(() => fixed);
  // Ceiling: every train proof retrieved.
  const everything = train.map((_, j) => j);
  const ceiling = round(mean(perQuery(test.map(() => everything), everything.length)), 4);

  const charsOf = (rows: number[]) => rows.slice(0, 8).filter((j) => j >= 0).reduce((sum, j) => sum + train[j]!.decl.length, 0);
  const lengthMatched = (rows: number[][]) =>
    round(
      mean(
        rows.map((r, q) => {
          const budget = charsOf(bm25Features[q]!);
          const kept: number[] = [];
          let spent = 0;
          for (const j of r.slice(0, 8).filter((x) => x >= 0)) {
            if (kept.length > 0 && spent + train[j]!.decl.length > budget) break;
            kept.push(j);
            spent += train[j]!.decl.length;
          }
          return lemmaRecall(wanted[q]!, kept.map((j) => used[j]!));
        }),
      ),
      4,
    );
  const meanChars = (rows: number[][]) => round(mean(rows.map((r) => mean(r.slice(0, 8).filter((j) => j >= 0).map((j) => train[j]!.decl.length)))), 0);
  const bm25Summary = summary(bm25Features);
  const wordSummary = summary(bm25Words);
  // The stronger BM25 at k = 8 is the baseline the difference is measured against.
  const strongerBm25 = (bm25Summary.lemma_recall_at_8 ?? 0) >= (wordSummary.lemma_recall_at_8 ?? 0) ? { name: 'bm25_lean_features', rows: bm25Features } : { name: 'bm25_words', rows: bm25Words };
  const difference = pairedBootstrap(perQuery(ours, 8), perQuery(strongerBm25.rows, 8));
  const replay = lean && withReplay ? await replayAtK(lean, allTest, train, oursAll, allTest.map((t) => words.search(t.statement, maxK))) : undefined;
  return {
    split: { train: train.length, test: allTest.length, test_with_lemmas: test.length, testFiles: new Set(allTest.map(fileOf)).size, trainFiles: new Set(train.map(fileOf)).size },
    embedder: { fingerprint: embedder.fingerprint, dim: embedder.dim, trained_on: (embedder.meta.training?.corpus as string[] | undefined) ?? null },
    lemma_prior: prior ? { lemmas: prior.lemmas.length, theorems: prior.theorems, trained_on: (prior.training?.corpus as string[] | undefined) ?? null, dev: prior.training?.dev_lemma_recall_at_8 ?? null } : null,
    embed_ms_p50: round(percentile(embedTimes, 50), 3),
    embed_ms_p95: round(percentile(embedTimes, 95), 3),
    ours_hybrid: summary(ours),
    ours_with_coverage_reranking: summary(oursWithCoverage),
    ours_without_lemma_prior: summary(oursWithoutPrior),
    // What the prover is shown: the mean length of the top 8 (proofs that use more lemmas are longer).
    mean_chars_top8: { ours: meanChars(ours), ours_with_coverage_reranking: meanChars(oursWithCoverage), bm25: meanChars(bm25Features) },
    // The same lists cut, per theorem, to the characters of BM25's top 8 (at least one proof kept).
    lemma_recall_at_8_in_bm25_chars: { ours: lengthMatched(ours), ours_with_coverage_reranking: lengthMatched(oursWithCoverage), bm25: round(mean(perQuery(bm25Features, 8)), 4) },
    lemma_prior_only: prior ? summary(priorOnly) : null,
    lemma_prior_with_another_statement: prior ? summary(priorOtherQuery) : null,
    vector_only: summary(vectorOnly),
    bm25_lean_features: bm25Summary,
    bm25_words: wordSummary,
    random: randomRecall,
    query_independent: summary(queryIndependent),
    ceiling_all_train_proofs: ceiling,
    difference_at_8: { baseline: strongerBm25.name, ...difference, bootstrap: 'paired, 10,000 resamples of the test theorems, seed 16' },
    replay: replay ?? { note: 'no `lean` on PATH (or --lean PATH): replay@k not measured' },
  };
}

// ---------------------------------------------------------------------------------------------
// replay@k on a real Lean: each test theorem whose own proof this Lean accepts (alone in a file, in
// its namespace, no imports beyond the prelude) is a target; it counts as replayed when one of the
// top-8 retrieved train proofs, replayed verbatim under its header, passes the acceptance gate.

const replayK = 8;

function replayTarget(dir: string, t: CorpusRecord, i: number): ProofTarget {
  const open = t.namespace ? `namespace ${t.namespace}\n\n` : '';
  const close = t.namespace ? `\n\nend ${t.namespace}\n` : '\n';
  const text = `${open}${t.statement} := by\n  sorry${close}`;
  const sorry = findSorries(text).find((x) => x.declaration)!;
  return { file: path.join(dir, `Replay${i}.lean`), projectRoot: dir, text, version: 0, sorry, declaration: sorry.declaration! };
}

async function replayAtK(lean: string, test: CorpusRecord[], train: CorpusRecord[], dense: number[][], bm25: number[][]) {
  const started = performance.now();
  const dir = tmpDir('replay');
  const verifier = new LeanVerifier({ projectRoot: dir, config: { ...DEFAULT_CONFIG, leanPath: lean, verifierSlots: 2, leanSandbox: 'off' } });
  const asRetrieved = (j: number): RetrievedProof => {
    const r = train[j]!;
    return { id: `train-${j}`, name: r.name, statement: r.statement, proof: r.decl, source: { kind: 'corpus', file: fileOf(r), line: r.line }, score: 0 };
  };
  const passes = async (target: ProofTarget, candidates: Candidate[]): Promise<boolean> => {
    if (candidates.length === 0) return false;
    const verdicts = await verifier.verify({ target, candidates, timeoutMs: 20_000 });
    return [...verdicts.values()].some((v) => v.kind === 'proved');
  };
  let eligible = 0;
  let ours = 0;
  let baseline = 0;
  const closed: string[] = [];
  try {
    for (const [i, t] of test.entries()) {
      const target = replayTarget(dir, t, i);
      // The theorem's own proof: when this Lean cannot check it, the theorem says nothing about retrieval.
      if (!(await passes(target, [makeCandidate(target, `:= ${t.proof}`, { kind: 'replay', proofId: 'own' })]))) continue;
      eligible++;
      const viaOurs = await passes(target, prepassCandidates(target, [], dense[i]!.slice(0, replayK).filter((j) => j >= 0).map(asRetrieved)));
      const viaBm25 = await passes(target, prepassCandidates(target, [], bm25[i]!.slice(0, replayK).map(asRetrieved)));
      if (viaOurs) {
        ours++;
        closed.push(t.name);
      }
      if (viaBm25) baseline++;
    }
  } finally {
    await verifier.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const version = spawnSync(lean, ['--version'], { encoding: 'utf8' }).stdout.trim();
  log(`replay@${replayK}: ${eligible} of ${test.length} test theorems checkable here; ours ${ours}, BM25 ${baseline}`);
  return {
    lean_version: version,
    k: replayK,
    test_theorems: test.length,
    checkable: eligible,
    [`replay_at_${replayK}`]: eligible ? round(ours / eligible, 3) : null,
    [`bm25_replay_at_${replayK}`]: eligible ? round(baseline / eligible, 3) : null,
    closed_by_ours: closed,
    seconds: round((performance.now() - started) / 1000, 1),
    note: 'checkable = the theorem\'s own Batteries proof passes the gate on this Lean, alone in a file (no Batteries import); replayed = one of the top-k retrieved train proofs, verbatim under the theorem\'s header, passes the gate',
  };
}

// ---------------------------------------------------------------------------------------------
// Synthetic proofs at scale: Batteries declarations with a fresh name per copy.

function syntheticProof(i: number): VerifiedProof {
  const base = corpus[i % corpus.length]!;
  const name = `S${i}.${base.name}`;
  const statement = base.statement.replace(base.name.split('.').pop()!, `${base.name.split('.').pop()}_${i}`);
  return { name, statement, proof: `${statement} := ${base.proof}`, source: { kind: 'corpus', file: `synthetic/${i % 1000}.lean`, line: i } };
}

/** ProofBank.add of `n` synthetic proofs in batches of 256, durable (fsync per batch): proofs per second and the file sizes. */
async function ingestSynthetic(embedder: Embedder, n: number) {
  const dir = tmpDir('ingest');
  const bank = await ProofBank.open(dir, embedder, { durable: true });
  const t = performance.now();
  for (let from = 0; from < n; from += 256) {
    await bank.add(Array.from({ length: Math.min(256, n - from) }, (_, j) => syntheticProof(from + j)));
  }
  const addMs = performance.now() - t;
  const logBytes = fs.statSync(path.join(dir, RECORDS_FILE)).size;
  const vecBytes = fs.statSync(path.join(dir, VECTORS_FILE)).size;
  await bank.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms: addMs, logBytes, vecBytes };
}

/** p50 ms of embedding one statement (no cache), over 300 Batteries statements. */
async function embedOneP50(embedder: BuiltinEmbedder): Promise<number> {
  const times: number[] = [];
  for (const r of corpus.slice(0, 300)) {
    const t = performance.now();
    await embedder.embed([r.statement]);
    times.push(performance.now() - t);
  }
  return round(percentile(times.sort((a, b) => a - b), 50), 3);
}

async function ingest(embedder: BuiltinEmbedder) {
  // Real pipeline on the real corpus: JSONL → parse → dedup → embed → append, durable writes.
  const dir1 = tmpDir('import');
  const memory = new MemoryBank({ storageDir: dir1, embedder });
  await memory.open();
  const t = performance.now();
  const imported = await importCorpus(memory, corpusFile);
  const importMs = performance.now() - t;
  fs.rmSync(dir1, { recursive: true, force: true });

  // Larger: 20K synthetic proofs through ProofBank.add in batches of 256, fsync per batch; the
  // same with an embedder that computes nothing (zero vectors of the same width: the baseline that
  // shows what the rest of the path costs), alternating.
  const n = 20_000;
  const nothing: Embedder = { dim: embedder.dim, fingerprint: 'zero', embed: async (texts) => new Float32Array(texts.length * embedder.dim), dispose: async () => undefined };
  const runs = { ours: [] as number[], zero: [] as number[] };
  let sizes = { logBytes: 0, vecBytes: 0 };
  for (let round = 0; round < 2; round++) {
    const a = await ingestSynthetic(embedder, n);
    runs.ours.push(a.ms);
    sizes = a;
    runs.zero.push((await ingestSynthetic(nothing, n)).ms);
  }
  const addMs = Math.min(...runs.ours);
  const zeroMs = Math.min(...runs.zero);
  let textBytes = 0;
  for (let i = 0; i < n; i++) {
    const p = syntheticProof(i);
    textBytes += Buffer.byteLength(p.statement) + Buffer.byteLength(p.proof);
  }
  return {
    batteries_import: { proofs: imported.imported, ms: round(importMs), per_s: round(imported.imported / (importMs / 1000), 0) },
    synthetic_20k: { proofs: n, ms: round(addMs), per_s: round(n / (addMs / 1000), 0), durable: true, batch: 256, runs: 2, kept: 'fastest' },
    synthetic_20k_zero_embedder: { proofs: n, ms: round(zeroMs), per_s: round(n / (zeroMs / 1000), 0), durable: true, batch: 256, runs: 2, kept: 'fastest' },
    embed_statement_ms_p50: await embedOneP50(embedder),
    disk: {
      log_bytes: sizes.logBytes,
      vector_bytes: sizes.vecBytes,
      text_bytes: textBytes,
      bytes_per_proof_beyond_text: round((sizes.logBytes + sizes.vecBytes - textBytes) / n, 1),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Search kernels: typed-array loop vs onnxruntime Gemm+TopK, same data, same queries.

async function kernels(dim: number) {
  const sizes = quick ? [1000, 3000, 10_000, 100_000] : [1000, 3000, 10_000, 100_000, 1_000_000];
  const out: Record<string, { loop_ms: number; ort_ms: number }> = {};
  const engine = await OrtTopK.create(dim);
  for (const n of sizes) {
    const data = unitVectors(n, dim, n);
    const queries = unitVectors(20, dim, 1);
    const reps = n >= 1_000_000 ? 5 : 20;
    let t = performance.now();
    for (let q = 0; q < reps; q++) topKByLoop(data, dim, n, queries.subarray((q % 20) * dim, (q % 20 + 1) * dim), 8);
    const loop = (performance.now() - t) / reps;
    await engine.search(data, n, queries.subarray(0, dim), 8);
    t = performance.now();
    for (let q = 0; q < reps; q++) await engine.search(data, n, queries.subarray((q % 20) * dim, (q % 20 + 1) * dim), 8);
    const viaOrt = (performance.now() - t) / reps;
    out[String(n)] = { loop_ms: round(loop, 3), ort_ms: round(viaOrt, 3) };
    log(`kernels n=${n}: loop ${loop.toFixed(2)} ms, ort ${viaOrt.toFixed(2)} ms`);
  }
  await engine.dispose();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Query latency at scale through the Retriever port (embed + search + read k records).

async function scale(n: number, embedder: BuiltinEmbedder) {
  const dir = tmpDir(`scale-${n}`);
  const build = await ProofBank.open(dir, embedder, { durable: false });
  const t0 = performance.now();
  const batch = 4096;
  for (let from = 0; from < n; from += batch) {
    await build.add(Array.from({ length: Math.min(batch, n - from) }, (_, j) => syntheticProof(from + j)));
  }
  const buildMs = performance.now() - t0;
  await build.close();
  const logBytes = fs.statSync(path.join(dir, RECORDS_FILE)).size;
  const vecBytes = fs.statSync(path.join(dir, VECTORS_FILE)).size;

  collectGarbage();
  const before = process.memoryUsage();
  const memory = new MemoryBank({ storageDir: dir, embedder, queryCacheSize: 1 });
  let t = performance.now();
  const bank = await memory.open();
  const openMs = performance.now() - t;
  // Large banks search through the approximate index; build it before timing queries.
  t = performance.now();
  const approximate = await bank.approximateReady();
  const annBuildMs = performance.now() - t;
  // The lexical index is built on the first query; time it apart.
  t = performance.now();
  await memory.retrieve({ statement: 'theorem warm_up_lexical : True' }, 8);
  const lexicalBuildMs = performance.now() - t;
  collectGarbage();
  const after = process.memoryUsage();
  const heldBytes = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);

  // Queries: statements of real Batteries theorems under a new name (so no query is cached).
  const queries = corpus.filter((_, i) => i % 7 === 0).slice(0, 200);
  await memory.retrieve({ statement: 'theorem warm_up : True' }, 8);
  const times: number[] = [];
  const searchTimes: number[] = [];
  const lexical = await memory.lexicalSearchIndex();
  const bm25Times: number[] = [];
  const bm25ExhaustiveTimes: number[] = [];
  let bm25Disagreements = 0;
  for (const [i, q] of queries.entries()) {
    const query = { statement: q.statement.replace(q.name, `${q.name}_query${i}`), excludeName: q.name };
    t = performance.now();
    const found = await memory.retrieve(query, 8);
    times.push(performance.now() - t);
    if (found.length !== 8) throw new Error(`expected 8 results at n=${n}, got ${found.length}`);
    const vector = await memory.embedQuery(query.statement);
    t = performance.now();
    await bank.search(vector, 8, { name: query.excludeName });
    searchTimes.push(performance.now() - t);
    // BM25 alone at the pool size retrieve asks for (64): max-score pruning, and the exhaustive scan it replaces.
    if (lexical.searchable) {
      const text = query.statement;
      t = performance.now();
      const pruned = lexical.searchPruned(text, 64);
      bm25Times.push(performance.now() - t);
      t = performance.now();
      const exhaustive = lexical.searchExhaustive(text, 64);
      bm25ExhaustiveTimes.push(performance.now() - t);
      if (JSON.stringify(pruned) !== JSON.stringify(exhaustive)) bm25Disagreements++;
    }
  }
  bm25Times.sort((a, b) => a - b);
  bm25ExhaustiveTimes.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  searchTimes.sort((a, b) => a - b);
  const result = {
    proofs: bank.size,
    build_ms: round(buildMs, 0),
    build_per_s: round(n / (buildMs / 1000), 0),
    open_ms: round(openMs, 0),
    query_p50_ms: round(percentile(times, 50), 2),
    query_p95_ms: round(percentile(times, 95), 2),
    search_only_p50_ms: round(percentile(searchTimes, 50), 2),
    bm25_p50_ms: bm25Times.length ? round(percentile(bm25Times, 50), 2) : null,
    bm25_p95_ms: bm25Times.length ? round(percentile(bm25Times, 95), 2) : null,
    bm25_exhaustive_p50_ms: bm25ExhaustiveTimes.length ? round(percentile(bm25ExhaustiveTimes, 50), 2) : null,
    bm25_exhaustive_p95_ms: bm25ExhaustiveTimes.length ? round(percentile(bm25ExhaustiveTimes, 95), 2) : null,
    bm25_results_differ: bm25Disagreements,
    vector_search: approximate ? 'approximate (IVF int8 + exact re-ranking)' : 'exact',
    ann_build_ms: approximate ? round(annBuildMs, 0) : null,
    lexical_index_build_ms: round(lexicalBuildMs, 0),
    // Below 100K proofs the reading drowns in the collector's noise.
    memory_bytes_per_proof: n >= 100_000 ? round(heldBytes / n, 0) : null,
    disk_bytes_per_proof: round((logBytes + vecBytes) / n, 0),
    vector_bytes_per_proof: embedder.dim * 4,
    // Large banks keep in memory only the vector rows their approximate index does not cover.
    vector_rows_in_memory: bank.vectorRowsInMemory,
  };
  await bank.close(); // not memory.close(): the embedder is shared with the next measurements
  // Opened again (a new window): open, then the first query, which takes the lexical index saved
  // beside the bank (postings up to LEXICAL_SEARCH_MAX_ROWS, statistics past it; lexical-snapshot.ts)
  // instead of reading every record.
  const reopened = new MemoryBank({ storageDir: dir, embedder, queryCacheSize: 1 });
  const { openMs: reopenMs, firstQueryMs: reopenFirstQueryMs } = await openAndAsk(reopened);
  await (await reopened.open()).close();
  const withReopen = { ...result, reopen_ms: round(reopenMs, 0), reopen_first_query_ms: round(reopenFirstQueryMs, 0) };
  log(`scale n=${n}: ${JSON.stringify(withReopen)}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return withReopen;
}

// ---------------------------------------------------------------------------------------------
// Approximate search at 100K, 1M and 7M vectors (synthetic, clustered, the embedder's width): IVF
// build rate, query latency (centroids + int8 scan of the probed lists read from the index file +
// exact re-ranking of 64 candidates), recall@10 against exact search, and resident memory of a
// process that only opens the 7M index and queries it.

const ANN_QUERIES = 200;

async function exactTopTen(source: (from: number, to: number) => Float32Array, n: number, dim: number, queries: Float32Array): Promise<number[][]> {
  const engine = await OrtTopK.create(dim);
  const best: ScoredRowLike[][] = Array.from({ length: queries.length / dim }, () => []);
  const chunk = 1_000_000;
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    const found = await engine.search(source(from, to), to - from, queries, 10);
    found.forEach((rows, q) => best[q]!.push(...rows.map((r) => ({ row: r.row + from, score: r.score }))));
  }
  await engine.dispose();
  return best.map((rows) => rows.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, 10).map((r) => r.row));
}

interface ScoredRowLike {
  row: number;
  score: number;
}

function annQueries(source: (from: number, to: number) => Float32Array, n: number): Float32Array {
  // Rows beyond the bank: same distribution, not stored.
  return source(n, n + ANN_QUERIES);
}

/**
 * Open the index and time the queries (run in a child process for the 7M bank, so its memory is its
 * own), with the default kernels and, as the baseline, the typed-array loops (same index, same
 * queries, interleaved so that both see the same load).
 */
function annQuery(file: string, n: number, dim: number, probes: number) {
  const source = clusteredRows(dim, ANN_CENTERS, 29);
  const opened = performance.now();
  const index = IvfIndex.open(file, { dim, rows: n });
  if (!index) throw new Error(`${file}: no usable index`);
  const openMs = performance.now() - opened;
  const loopIndex = IvfIndex.open(file, { dim, rows: n }, { forceLoop: true })!;
  const queries = annQueries(source, n);
  const times: number[] = [];
  const loopTimes: number[] = [];
  const results: number[][] = [];
  let differ = 0;
  for (let q = 0; q < ANN_QUERIES; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    let t = performance.now();
    const found = index.search(query, 10, (row) => source(row, row + 1), { probes, candidates: 128 });
    times.push(performance.now() - t);
    t = performance.now();
    const viaLoops = loopIndex.search(query, 10, (row) => source(row, row + 1), { probes, candidates: 128 });
    loopTimes.push(performance.now() - t);
    results.push(found.map((r) => r.row));
    if (JSON.stringify(found) !== JSON.stringify(viaLoops)) differ++;
  }
  index.close();
  loopIndex.close();
  times.sort((a, b) => a - b);
  loopTimes.sort((a, b) => a - b);
  return {
    open_ms: round(openMs, 1),
    query_p50_ms: round(percentile(times, 50), 3),
    query_p95_ms: round(percentile(times, 95), 3),
    loop_kernels_query_p50_ms: round(percentile(loopTimes, 50), 3),
    loop_kernels_query_p95_ms: round(percentile(loopTimes, 95), 3),
    kernels_results_differ: differ,
    simd: new DotKernels(dim, new Float32Array(dim)).simd,
    rss_mb: round(process.memoryUsage().rss / 2 ** 20, 0),
    results,
  };
}

const ANN_CENTERS = 5_000;

async function annScale(n: number, dim: number) {
  const source = clusteredRows(dim, ANN_CENTERS, 29);
  const dir = tmpDir(`ann-${n}`);
  const file = path.join(dir, 'vectors.ivf');
  const built = await buildIvf(file, source, n, dim, { lists: Math.round((n > 2_000_000 ? 2 : 4) * Math.sqrt(n)) });
  const probes = Number(process.env.OPROVER_BENCH_PROBES ?? DEFAULT_PROBES);
  let measured: ReturnType<typeof annQuery>;
  if (n > 2_000_000) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--ann-child', file, String(n), String(dim), String(probes)], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (child.status !== 0) throw new Error(`ann child failed: ${child.stderr}`);
    measured = JSON.parse(child.stdout) as ReturnType<typeof annQuery>;
  } else {
    measured = annQuery(file, n, dim, probes);
  }
  const truth = await exactTopTen(source, n, dim, annQueries(source, n));
  const recall = mean(truth.map((t, q) => t.filter((row) => measured.results[q]!.includes(row)).length / 10));
  const fileBytes = fs.statSync(file).size;
  fs.rmSync(dir, { recursive: true, force: true });
  const result = {
    vectors: n,
    dim,
    lists: built.lists,
    probes,
    candidates_reranked: 128,
    build_s: round(built.ms / 1000, 1),
    build_per_s: round(n / (built.ms / 1000), 0),
    index_bytes_per_vector: round(fileBytes / n, 1),
    open_ms: measured.open_ms,
    query_p50_ms: measured.query_p50_ms,
    query_p95_ms: measured.query_p95_ms,
    kernels: measured.simd ? 'WebAssembly SIMD' : 'typed-array loops (no WebAssembly SIMD here)',
    loop_kernels_query_p50_ms: measured.loop_kernels_query_p50_ms,
    loop_kernels_query_p95_ms: measured.loop_kernels_query_p95_ms,
    kernels_results_differ: measured.kernels_results_differ,
    recall_at_10: round(recall, 4),
    rss_mb_query_process: measured.rss_mb,
  };
  log(`ann n=${n}: ${JSON.stringify(result)}`);
  return result;
}

/** Sizes from a flag such as `--bank-sizes 10000,100000`, else the defaults. */
function sizesArg(flag: string, defaults: number[]): number[] {
  const i = process.argv.indexOf(flag);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]!.split(',').map(Number) : defaults;
}

// ---------------------------------------------------------------------------------------------
// The speed half on its own (--speed): measured keys merged into the recorded results.

async function speedParts(embedder: BuiltinEmbedder) {
  log('ingest…');
  const ing = await ingest(embedder);
  log(`ingest: ${JSON.stringify(ing)}`);
  const scales: Record<string, Awaited<ReturnType<typeof scale>>> = {};
  for (const n of sizesArg('--bank-sizes', quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000])) scales[String(n)] = await scale(n, embedder);
  const ann: Record<string, Awaited<ReturnType<typeof annScale>>> = {};
  for (const n of sizesArg('--ann-sizes', quick ? [100_000] : [100_000, 1_000_000, 7_000_000])) ann[String(n)] = await annScale(n, embedder.dim);
  return { ing, scales, ann };
}

type Measured = Awaited<ReturnType<typeof speedParts>>;

function speedHeadline(ing: Measured['ing'], scales: Measured['scales'], ann: Measured['ann']) {
  return {
    ingest_per_s: ing.synthetic_20k.per_s,
    query_p50_ms_100k: ann['100000']?.query_p50_ms ?? null,
    query_p50_ms_1m: ann['1000000']?.query_p50_ms ?? null,
    ann_recall_at_10: ann['1000000']?.recall_at_10 ?? ann['100000']?.recall_at_10 ?? null,
    query_p50_ms_7m: ann['7000000']?.query_p50_ms ?? null,
    rss_mb_7m: ann['7000000']?.rss_mb_query_process ?? null,
    index_build_per_s_7m: ann['7000000']?.build_per_s ?? null,
    retrieve_p50_ms_100k: scales['100000']?.query_p50_ms ?? null,
    retrieve_p50_ms_1m: scales['1000000']?.query_p50_ms ?? null,
    bytes_per_proof: (scales['1000000'] ?? scales['100000'])?.memory_bytes_per_proof ?? null,
  };
}

const SPEED_NOTES = {
  ingest_per_s: 'ProofBank.add of 20K synthetic proofs in batches of 256: embed, append, fsync per batch; the faster of 2 runs, alternated with the same run with an embedder that returns zero vectors (ingest.synthetic_20k_zero_embedder, the baseline: everything but the embedding) (index_build_per_s_7m: IVF build over 7M vectors already embedded)',
  query_kernels: 'approximate_search.*.loop_kernels_query_p50_ms: the same index and queries scored by the typed-array loops instead of the WebAssembly SIMD kernels (the baseline, interleaved query by query); kernels_results_differ counts queries whose results differ (0: same answers)',
  bm25: 'scale.*.bm25_p50_ms: LexicalIndex.searchPruned (max-score pruning; search uses it from 20K rows on) for the top-64 pool retrieve asks for; bm25_exhaustive_p50_ms: the exhaustive scan of every posting it replaces (the baseline), same queries; bm25_results_differ counts queries whose top-64 differ (0: same answers)',
};

/** --speed: ingest, hybrid query latency and approximate search; merged into the recorded results (quality kept). */
async function speed(embedder: BuiltinEmbedder, started: number, loadAtStart: number) {
  const { ing, scales, ann } = await speedParts(embedder);
  await embedder.dispose();
  const file = path.join(root, 'bench/results/retrieval.json');
  const recorded = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>) : {};
  const measured = Object.fromEntries(Object.entries(speedHeadline(ing, scales, ann)).filter(([, v]) => v !== null));
  const machine = { ...machineInfo(), load_average_1m: { start: round(loadAtStart), end: round(os.loadavg()[0]!) } };
  const results = {
    ...recorded,
    headline: { ...recorded.headline, ...measured },
    machine,
    notes: { ...recorded.notes, ...SPEED_NOTES },
    ingest: ing,
    scale: { ...recorded.scale, ...scales },
    approximate_search: { ...recorded.approximate_search, ...ann },
    speed_run: {
      measured_keys: Object.keys(measured),
      note: 'a --speed run: these headline keys, ingest, the scale and approximate_search sizes it ran, and machine come from it; quality (and the headline keys it feeds) and search_kernels_ms_per_query come from the last full run',
      quality_run_machine: recorded.speed_run?.quality_run_machine ?? recorded.machine ?? null,
      total_s: round((performance.now() - started) / 1000, 1),
      peak_rss_mib: round(process.resourceUsage().maxRSS / 1024, 0),
    },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results.headline, null, 2));
  log(`done in ${results.speed_run.total_s} s`);
}

// ---------------------------------------------------------------------------------------------
// A whole bank of N synthetic proofs (--whole-bank N; bench/results/retrieval-bank-N.json): built
// through ProofBank.add, indexed once (approximate index, lexical statistics), then opened again
// by a separate process that only opens it and queries it, so its resident memory is the bank's.

/** Open a memory bank and answer its first query, timing each (and the approximate index's build between them when asked). */
async function openAndAsk(memory: MemoryBank, options: { buildIndex?: boolean } = {}) {
  let t = performance.now();
  const bank = await memory.open();
  const openMs = performance.now() - t;
  t = performance.now();
  if (options.buildIndex) await bank.approximateReady();
  const annBuildMs = performance.now() - t;
  t = performance.now();
  await memory.retrieve({ statement: 'theorem warm_up : True' }, 8);
  return { bank, openMs, annBuildMs, firstQueryMs: performance.now() - t };
}

/** The reopening process (--bank-child DIR): open, first query, 200 queries, resident memory. */
async function bankChild(dir: string) {
  const embedder = await BuiltinEmbedder.load();
  const memory = new MemoryBank({ storageDir: dir, embedder, queryCacheSize: 1 });
  const { bank, openMs, firstQueryMs } = await openAndAsk(memory);
  let t: number;
  const times: number[] = [];
  for (const [i, q] of corpus.filter((_, j) => j % 7 === 0).slice(0, 200).entries()) {
    t = performance.now();
    const found = await memory.retrieve({ statement: q.statement.replace(q.name, `${q.name}_query${i}`), excludeName: q.name }, 8);
    times.push(performance.now() - t);
    if (found.length !== 8) throw new Error(`expected 8 results, got ${found.length}`);
  }
  times.sort((a, b) => a - b);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const out = { proofs: bank.size, open_ms: round(openMs, 0), first_query_ms: round(firstQueryMs, 0), retrieve_p50_ms: round(percentile(times, 50), 2), retrieve_p95_ms: round(percentile(times, 95), 2), rss_mb: round(rssMb, 0), vector_rows_in_memory: bank.vectorRowsInMemory };
  await memory.close();
  return out;
}

async function wholeBank(n: number, started: number, loadAtStart: number) {
  const embedder = await BuiltinEmbedder.load();
  const dir = tmpDir(`bank-${n}`);
  try {
    const build = await ProofBank.open(dir, embedder, { durable: false });
    let t = performance.now();
    for (let from = 0; from < n; from += 4096) {
      await build.add(Array.from({ length: Math.min(4096, n - from) }, (_, j) => syntheticProof(from + j)));
      if (Math.floor((from + 4096) / 1_000_000) > Math.floor(from / 1_000_000)) log(`whole bank: ${from + 4096} proofs stored`);
    }
    const buildMs = performance.now() - t;
    await build.close();
    const memory = new MemoryBank({ storageDir: dir, embedder, queryCacheSize: 1 });
    const { openMs: firstOpenMs, annBuildMs, firstQueryMs } = await openAndAsk(memory, { buildIndex: true });
    await memory.close(); // and the embedder with it
    const sizes = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
    log('whole bank: reopening in a separate process…');
    const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--bank-child', dir], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (child.status !== 0) throw new Error(`the reopening process failed: ${child.stderr.slice(-2000)}`);
    const reopened = JSON.parse(child.stdout) as Awaited<ReturnType<typeof bankChild>>;
    const results = {
      headline: { whole_bank_proofs: n, retrieve_p50_ms: reopened.retrieve_p50_ms, rss_mb: reopened.rss_mb, reopen_ms: reopened.open_ms, reopen_first_query_ms: reopened.first_query_ms, ingest_per_s: round(n / (buildMs / 1000), 0) },
      machine: { ...machineInfo(), load_average_1m: { start: round(loadAtStart), end: round(os.loadavg()[0]!) } },
      notes: {
        what: 'a whole bank of synthetic proofs (Batteries declarations renamed per copy), built through ProofBank.add in batches of 4096 (durable off), then opened by MemoryBank, its approximate index built and its first query answered (lexical statistics counted and saved), closed, and opened again by a separate process that only opens it and queries it: reopen_ms, reopen_first_query_ms, retrieve p50/p95 over 200 real statements under new names, and that process resident memory (rss_mb)',
      },
      build: { proofs: n, build_ms: round(buildMs, 0), first_open_ms: round(firstOpenMs, 0), ann_build_ms: round(annBuildMs, 0), first_query_ms: round(firstQueryMs, 0), files_bytes: sizes },
      reopened,
      total_s: round((performance.now() - started) / 1000, 1),
      peak_rss_mib_building_process: round(process.resourceUsage().maxRSS / 1024, 0),
    };
    const file = path.join(root, `bench/results/retrieval-bank-${n >= 1_000_000 ? `${n / 1_000_000}m` : n}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(JSON.stringify(results, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const child = process.argv.indexOf('--ann-child');
  if (child > 0) {
    const [file, n, dim, probes] = process.argv.slice(child + 1);
    process.stdout.write(JSON.stringify(annQuery(file!, Number(n), Number(dim), Number(probes))));
    return;
  }
  const bankChildAt = process.argv.indexOf('--bank-child');
  if (bankChildAt > 0) {
    process.stdout.write(JSON.stringify(await bankChild(process.argv[bankChildAt + 1]!)));
    return;
  }
  if (process.argv.includes('--whole-bank')) {
    return wholeBank(Number(process.argv[process.argv.indexOf('--whole-bank') + 1] ?? 7_000_000), performance.now(), os.loadavg()[0]!);
  }
  if (process.argv.includes('--ann')) {
    for (const n of (process.argv[process.argv.indexOf('--ann') + 1] ?? '100000').split(',')) await annScale(Number(n), 128);
    return;
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const embedder = await BuiltinEmbedder.load();
  if (speedOnly) return speed(embedder, started, loadAtStart);
  log('quality (Batteries split by file)…');
  const q = await batteriesQuality();
  log(`quality: ours ${JSON.stringify(q.ours_hybrid)} with coverage re-ranking ${JSON.stringify(q.ours_with_coverage_reranking)} without the lemma prior ${JSON.stringify(q.ours_without_lemma_prior)} prior only ${JSON.stringify(q.lemma_prior_only)} vector only ${JSON.stringify(q.vector_only)} bm25 ${JSON.stringify(q.bm25_lean_features)} words ${JSON.stringify(q.bm25_words)} difference ${JSON.stringify(q.difference_at_8)}`);
  const corpusDir = process.argv.includes('--corpus') ? process.argv[process.argv.indexOf('--corpus') + 1] : undefined;
  const qc = corpusDir ? await corpusQuality(corpusDir) : undefined;
  if (qc) log(`quality on the corpus's test files: ours ${JSON.stringify(qc.ours_hybrid)} with coverage re-ranking ${JSON.stringify(qc.ours_with_coverage_reranking)} without the lemma prior ${JSON.stringify(qc.ours_without_lemma_prior)} prior only ${JSON.stringify(qc.lemma_prior_only)} bm25 ${JSON.stringify(qc.bm25_lean_features)} difference ${JSON.stringify(qc.difference_at_8)} ceiling ${qc.ceiling_all_train_proofs}`);
  if (process.argv.includes('--quality')) {
    process.stdout.write(JSON.stringify({ quality: q, quality_corpus_test: qc ?? null }, null, 2) + '\n');
    return;
  }
  const { ing, scales, ann } = await speedParts(embedder);
  log('search kernels…');
  const kern = await kernels(embedder.dim);
  await embedder.dispose();

  const results = {
    headline: {
      ...speedHeadline(ing, scales, ann),
      lemma_recall_at_8: q.ours_hybrid.lemma_recall_at_8,
      bm25_lemma_recall_at_8: Math.max(q.bm25_lean_features.lemma_recall_at_8!, q.bm25_words.lemma_recall_at_8!),
      lemma_recall_ci_low: q.difference_at_8.low,
      lemma_recall_ci_high: q.difference_at_8.high,
      random_lemma_recall_at_8: q.random.lemma_recall_at_8,
      query_independent_lemma_recall_at_8: q.query_independent.lemma_recall_at_8,
      ceiling_lemma_recall: q.ceiling_all_train_proofs,
      corpus_test_lemma_recall_at_8: qc?.ours_hybrid.lemma_recall_at_8 ?? null,
      corpus_test_bm25_lemma_recall_at_8: qc ? Math.max(qc.bm25_lean_features.lemma_recall_at_8!, qc.bm25_words.lemma_recall_at_8!) : null,
      corpus_test_lemma_recall_ci_low: qc?.difference_at_8.low ?? null,
      embed_ms_p50: q.embed_ms_p50,
    },
    machine: { ...machineInfo(), load_average_1m: { start: round(loadAtStart), end: round(os.loadavg()[0]!) } },
    notes: {
      bytes_per_proof: 'memory held per stored proof beyond its text (the text stays on disk), measured after opening the largest bank',
      lemma_recall: 'per test theorem (Batteries, split by file; theorems whose proof uses at least one lemma name): the share of the lemma names its proof uses (rules in src/retrieval/lemma-names.ts) found in the top-k retrieved proofs; averaged. ci = paired bootstrap 95 % interval of ours minus the stronger BM25',
      query_p50_ms: 'approximate vector search alone (synthetic clustered vectors, 128 wide): centroids, int8 scan of the probed lists read from the index file, exact re-ranking of 128 candidates; ann_recall_at_10 = overlap with exact top-10 at 1M; the 7M figures come from a separate process that only opens the index and queries it (rss_mb_7m is its resident memory; the exact vectors for re-ranking are regenerated there, in a bank they are read from vectors.bin)',
      retrieve_p50_ms: 'MemoryBank.retrieve on a bank of synthetic proofs: embed the statement (no cache hit), vector top-64 (approximate from 50K proofs on) and BM25 top-64 over the bank, fused by reciprocal rank, read 8 records',
      ...SPEED_NOTES,
    },
    quality: q,
    quality_corpus_test: qc ?? { note: 'not measured (no --corpus DIR)' },
    ingest: ing,
    search_kernels_ms_per_query: kern,
    scale: scales,
    approximate_search: ann,
    total_s: round((performance.now() - started) / 1000, 1),
    peak_rss_mib: round(process.resourceUsage().maxRSS / 1024, 0),
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/retrieval.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results.headline, null, 2));
  log(`done in ${results.total_s} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
