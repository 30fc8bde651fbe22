// Trains the shipped default embedder, models/lean-embedder.onnx (+ lean-embedder.json), on a folder
// of JSONL Lean 4 proof corpora (one record per theorem: statement, proof, source). Batteries is the
// retrieval benchmark's evaluation set and is refused here. Deterministic for the same corpus and
// options (one thread of plain TypeScript; about 4 minutes with the defaults, which are the options
// of the shipped model).
//
// usage: node --import tsx scripts/train-embedder.ts --corpus DIR[,DIR…] [--out DIR] [--epochs N] [--dim N]
//          [--buckets N] [--batch N] [--temperature X] [--lr X] [--seed N] [--partners N] [--own yes|no] [--relative yes|no] [--min-df N]
//
// 1. Records: every *.jsonl in DIR; declarations over 20,000 characters are skipped.
// 2. Split by source file (`corpusSplit`): FNV-1a(path) mod 10 = 0 is dev, = 1 is test (never read
//    here), the rest trains.
// 3. Start: the untrained table of builtin-model.ts (seeded random vectors scaled by IDF, smoothed by
//    co-occurrence) fitted on the training declarations.
// 4. Train: pairs (statement → its proof text + lemma names; statement → the declarations of the
//    training theorems whose proofs share the most lemmas with its own), in-batch negatives (trainer.ts).
// 5. Dev score after each epoch: lemma recall@8 on the held-out files (queries: 1 file in 4 of them;
//    bank: the others), for the vectors alone, BM25 alone and their fusion.
// 6. Keep the epoch with the best fused dev score (0 = the fitted starting table).
// 7. Write the model and a description with the options, the corpus commits read and the dev scores.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { baseMeta, builtinGraphBytes, DEFAULT_BUILTIN_OPTIONS, fitTable, type BuiltinModelMeta } from '../src/retrieval/builtin-model';
import { BUILTIN_META_FILE, BUILTIN_MODEL_FILE } from '../src/retrieval/embedder';
import { hashFeature } from '../src/retrieval/lean-features';
import { dotSuffixes, identifierSet, lemmaNames, lemmaRecall } from '../src/retrieval/lemma-names';
import { fuseRankings, LexicalIndex } from '../src/retrieval/lexical';
import { topKByLoop } from '../src/retrieval/search';
import { embedSparse, sparseText, trainContrastive, type TrainPair } from '../src/retrieval/trainer';

const root = path.resolve(__dirname, '..');

export function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export interface CorpusRecord {
  id?: string;
  source: string;
  name: string;
  statement: string;
  proof: string;
  decl: string;
}

const EXCLUDED_REPOSITORY = /^leanprover-community\/(batteries|std4)\b/;

/** The records of one or more corpus folders (`DIR` or `DIR,DIR,…`), in that order. */
export function readCorpusFolders(dirs: string): CorpusRecord[] {
  return dirs
    .split(',')
    .filter(Boolean)
    .flatMap((dir) => readCorpusFolder(path.resolve(dir)));
}

export function readCorpusFolder(dir: string): CorpusRecord[] {
  const records: CorpusRecord[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as CorpusRecord;
      if (EXCLUDED_REPOSITORY.test(r.source) || EXCLUDED_REPOSITORY.test(r.id ?? '')) {
        throw new Error(`${file}: a Batteries record (${r.id ?? r.source}); Batteries is the evaluation set and must not be trained on`);
      }
      if (typeof r.statement !== 'string' || typeof r.proof !== 'string') continue;
      r.decl ??= `${r.statement} := ${r.proof}`;
      if (r.decl.length > 20_000) continue;
      records.push(r);
    }
  }
  return records;
}

export const fileOf = (r: CorpusRecord) => r.source.replace(/@[0-9a-f]+:/, ':');

/** The retrieval benchmark's Batteries theorems: the evaluation set, never read by the corpus scripts. */
export const BATTERIES_FILE = path.join(root, 'test/fixtures/retrieval/batteries-theorems.jsonl');

/**
 * The benchmark's split of Batteries by file (the path after the commit): FNV-1a(path) mod 5 = 0 is
 * test (nothing is fitted or chosen on it), the rest train.
 */
export function batteriesSplit(r: { source: string }): 'train' | 'test' {
  return hashFeature(r.source.slice(r.source.indexOf(':') + 1)) % 5 === 0 ? 'test' : 'train';
}

/**
 * Which part of the corpus a record belongs to, by its source file: FNV-1a(path) mod 10 = 0 is dev
 * (model and weight selection), = 1 is test (never read by training or selection; the benchmark's
 * in-domain figure), the rest trains.
 */
export function corpusSplit(r: CorpusRecord): 'train' | 'dev' | 'test' {
  const bucket = hashFeature(fileOf(r)) % 10;
  return bucket === 0 ? 'dev' : bucket === 1 ? 'test' : 'train';
}

export interface DevSet {
  bank: CorpusRecord[];
  queries: CorpusRecord[];
  wanted: Set<string>[];
  used: { used: Set<string>; suffixes: Set<string> }[];
}

export function devSet(dev: CorpusRecord[]): DevSet {
  // (a second, independent hash: FNV-1a's low bits after a suffix depend on its low bits before)
  const isQuery = (r: CorpusRecord) => crypto.createHash('sha256').update(fileOf(r)).digest()[0]! % 4 === 0;
  const bank = dev.filter((r) => !isQuery(r));
  const queries = dev.filter(isQuery).filter((r) => lemmaNames(r.proof, r.statement).size > 0);
  return {
    bank,
    queries,
    wanted: queries.map((r) => lemmaNames(r.proof, r.statement)),
    used: bank.map((r) => {
      const used = identifierSet(r.proof);
      return { used, suffixes: dotSuffixes(used) };
    }),
  };
}

/**
 * For each record, up to `perQuery` other training records whose proofs share the most lemma names
 * with its proof (each shared name weighted by its IDF; names in more than 1,000 proofs skipped):
 * a statement should land near the proofs that use what its own proof needs.
 */
export function sharedLemmaPartners(lemmas: Set<string>[], perQuery: number): number[][] {
  const postings = new Map<string, number[]>();
  lemmas.forEach((set, i) => {
    for (const name of set) {
      let list = postings.get(name);
      if (!list) postings.set(name, (list = []));
      list.push(i);
    }
  });
  const n = lemmas.length;
  const scores = new Float64Array(n);
  return lemmas.map((set, i) => {
    const touched: number[] = [];
    for (const name of set) {
      const list = postings.get(name)!;
      if (list.length > 1000 || list.length < 2) continue;
      const idf = Math.log(n / list.length);
      for (const j of list) {
        if (j === i) continue;
        if (scores[j] === 0) touched.push(j);
        scores[j]! += idf;
      }
    }
    touched.sort((a, b) => scores[b]! - scores[a]! || a - b);
    const best = touched.slice(0, perQuery);
    for (const j of touched) scores[j] = 0;
    return best;
  });
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function evaluate(table: Float32Array, options: typeof DEFAULT_BUILTIN_OPTIONS, set: DevSet, lexical: LexicalIndex, k = 8) {
  const { dim } = options;
  const vectors = new Float32Array(set.bank.length * dim);
  const row = new Float32Array(dim);
  set.bank.forEach((r, i) => {
    embedSparse(table, dim, sparseText(r.decl, options), row);
    vectors.set(row, i * dim);
  });
  const dense: number[] = [];
  const bm25: number[] = [];
  const fused: number[] = [];
  set.queries.forEach((r, qi) => {
    embedSparse(table, dim, sparseText(r.statement, options), row);
    const vec = topKByLoop(vectors, dim, set.bank.length, row, 64).map((x) => x.row);
    const lex = lexical.search(r.statement, 64).map((x) => x.row);
    const both = fuseRankings([
      { ids: vec, weight: 1 },
      { ids: lex, weight: 1 },
    ]).map((x) => x.id);
    const recall = (rows: number[]) => lemmaRecall(set.wanted[qi]!, rows.slice(0, k).map((j) => set.used[j]!));
    dense.push(recall(vec));
    bm25.push(recall(lex));
    fused.push(recall(both));
  });
  return { queries: set.queries.length, bank: set.bank.length, dense: mean(dense), bm25: mean(bm25), fused: mean(fused) };
}

export function round(x: number, digits = 4): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** `--corpus DIR[,DIR…]` (required: exits with a message without it) and `--out DIR` (default models/). */
export function corpusAndOut(tool: string): { corpusArg: string; out: string } {
  const corpusArg = argument('corpus', '');
  if (!corpusArg) {
    console.error(`${tool}: --corpus DIR (a folder of JSONL proof corpora) is required`);
    process.exit(2);
  }
  return { corpusArg, out: path.resolve(argument('out', path.join(root, 'models'))) };
}

function main(): void {
  const { corpusArg, out } = corpusAndOut('train-embedder');
  const options = {
    ...DEFAULT_BUILTIN_OPTIONS,
    dim: Number(argument('dim', String(DEFAULT_BUILTIN_OPTIONS.dim))),
    buckets: Number(argument('buckets', String(DEFAULT_BUILTIN_OPTIONS.buckets))),
    seed: Number(argument('seed', String(DEFAULT_BUILTIN_OPTIONS.seed))),
  };
  const train = {
    epochs: Number(argument('epochs', '3')),
    batchSize: Number(argument('batch', '256')),
    temperature: Number(argument('temperature', '0.1')),
    learningRate: Number(argument('lr', '0.001')),
    partners: Number(argument('partners', '0')),
    own: argument('own', 'yes') === 'yes',
    relativeSteps: argument('relative', 'no') === 'yes',
    minDocumentFrequency: Number(argument('min-df', '5')),
  };
  const started = Date.now();
  const records = readCorpusFolders(corpusArg);
  const trainRecords = records.filter((r) => corpusSplit(r) === 'train');
  const dev = devSet(records.filter((r) => corpusSplit(r) === 'dev'));
  const lexical = new LexicalIndex();
  for (const r of dev.bank) lexical.add(r.decl);
  const commits = [...new Set(records.map((r) => r.source.slice(0, r.source.indexOf(':'))))].sort();
  console.log(`train-embedder: ${records.length} records (${trainRecords.length} train, dev ${dev.bank.length} bank + ${dev.queries.length} queries) from ${commits.length} repositories`);

  const { table, documentFrequency } = fitTable(
    trainRecords.map((r) => r.decl),
    options,
  );
  const initial = evaluate(table, options, dev, lexical);
  console.log(`epoch 0 (untrained): dev lemma recall@8 ${JSON.stringify(initial)}`);
  // Pairs: each statement with its own proof's text and lemma names, and with the declarations of
  // up to `partners` other theorems whose proofs use the same lemmas.
  const lemmas = trainRecords.map((r) => lemmaNames(r.proof, r.statement));
  const partners = sharedLemmaPartners(lemmas, train.partners);
  const queries = trainRecords.map((r) => sparseText(r.statement, options));
  const declarations = trainRecords.map((r) => sparseText(r.decl, options));
  const pairs: TrainPair[] = [];
  trainRecords.forEach((r, i) => {
    if (train.own) pairs.push({ query: queries[i]!, positive: sparseText(`${r.proof}\n${[...lemmas[i]!].join(' ')}`, options) });
    for (const j of partners[i]!) pairs.push({ query: queries[i]!, positive: declarations[j]! });
  });
  console.log(`train-embedder: ${pairs.length} training pairs`);
  const history: { epoch: number; loss: number; dev: ReturnType<typeof evaluate> }[] = [];
  // The table of the epoch with the best fused dev score is the one written (epoch 0: as fitted).
  let best = { epoch: 0, fused: initial.fused, table: table.slice() };
  trainContrastive(table, pairs, { dim: options.dim, epochs: train.epochs, batchSize: train.batchSize, temperature: train.temperature, learningRate: train.learningRate, seed: options.seed, relativeSteps: train.relativeSteps, trainable: Uint8Array.from(documentFrequency, (d) => (d >= train.minDocumentFrequency ? 1 : 0)) }, (epoch, loss) => {
    const score = evaluate(table, options, dev, lexical);
    history.push({ epoch, loss: round(loss), dev: score });
    if (score.fused > best.fused) best = { epoch, fused: score.fused, table: table.slice() };
    console.log(`epoch ${epoch}: loss ${loss.toFixed(4)}, dev lemma recall@8 ${JSON.stringify(score)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });

  const onnx = builtinGraphBytes(best.table, options);
  const meta: BuiltinModelMeta = {
    ...baseMeta(options, trainRecords.length),
    training: {
      script: 'scripts/train-embedder.ts',
      corpus: commits,
      records: records.length,
      trainRecords: trainRecords.length,
      ...train,
      initial_dev: initial,
      kept_epoch: best.epoch,
      history,
      seconds: Math.round((Date.now() - started) / 1000),
    },
  };
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, BUILTIN_MODEL_FILE), onnx);
  fs.writeFileSync(path.join(out, BUILTIN_META_FILE), JSON.stringify(meta, null, 2) + '\n');
  const sha = crypto.createHash('sha256').update(onnx).digest('hex');
  console.log(`train-embedder: wrote ${path.relative(root, out) || '.'}/${BUILTIN_MODEL_FILE} (${onnx.length} bytes, sha256 ${sha.slice(0, 16)}…) in ${meta.training!.seconds} s`);
}

if (require.main === module) main();
