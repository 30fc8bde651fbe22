// Trains the coverage re-ranker, models/coverage-reranker.json (src/retrieval/coverage.ts): which
// lemma names of a retrieved pool the target's proof is likely to need. Deterministic; about a minute.
//
// usage: node --import tsx scripts/train-coverage.ts [--corpus DIR[,DIR…]] [--out DIR]
//
// 1. Data: the train files of the benchmark's Batteries split (`batteriesSplit`; its test files are
//    never read here), in 4 folds by file (first byte of SHA-256(path) mod 4).
// 2. For each fold: a memory bank of the other folds' theorems, with the shipped embedder and lemma
//    prior and no re-ranker; each of the fold's theorems whose proof uses a lemma name asks with its
//    statement; the fused ranking's first 64 proofs are the pool. One example per lemma name of the
//    pool: its features (coverage.ts) and label 1 when the theorem's own proof uses the name.
// 3. The shipped model is fitted on the examples of all 4 folds (logistic regression, coverage.ts).
// 4. Scores written into its `training` record: lemma recall@8 of the fused order and of the
//    re-ranked one, by cross-validation on the folds (fitted on 3, measured on the 4th) and, with
//    --corpus, on the corpus's dev files (queries 1 file in 4, bank the others; the model fitted on
//    Batteries only).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { candidateLemmas, COVERAGE_MODEL_FILE, CoverageModel, coverageFeatures, priorByLastName } from '../src/retrieval/coverage';
import { BuiltinEmbedder } from '../src/retrieval/embedder';
import { dotSuffixes, identifierSet, lemmaNames, lemmaRecall } from '../src/retrieval/lemma-names';
import { MemoryBank } from '../src/retrieval/memory';
import { argument, BATTERIES_FILE, batteriesSplit, corpusSplit, devSet, mean, readCorpusFolders, round, type CorpusRecord } from './train-embedder';

const root = path.resolve(__dirname, '..');
const POOL = 64;
const RANK_BONUS = 0.1;
const K = 8;

interface Query {
  text: string;
  pool: { row: number; lemmas: string[] }[];
  prior: Map<string, number> | undefined;
  wanted: Set<string>;
  /** The pool's proofs as the benchmark sees them (identifiers of the proof part), by row. */
  used: Map<number, { used: Set<string>; suffixes: Set<string> }>;
}

/** The pools of `queries` over a bank of `bank` (fused order, no re-ranker). */
async function pools(bank: CorpusRecord[], queries: CorpusRecord[], embedder: BuiltinEmbedder): Promise<Query[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-train-coverage-'));
  const memory = new MemoryBank({ storageDir: dir, embedder, durable: false });
  await memory.add(bank.map((r, i) => ({ name: r.name, statement: r.statement, proof: r.decl, source: { kind: 'corpus', file: r.source, line: i + 1 } })));
  const opened = await memory.open();
  const prior = memory.lemmaPrior();
  const byDecl = new Map(bank.map((r) => [r.decl, r]));
  const out: Query[] = [];
  for (const q of queries) {
    const { text, fused } = await memory.fuse(opened, { statement: q.statement }, K);
    const pool = fused.slice(0, POOL).map(({ id: row }) => ({ row, record: opened.read(row) }));
    const used = new Map(
      pool.map(({ row, record }) => {
        const ids = identifierSet(byDecl.get(record.proof)?.proof ?? record.proof);
        return [row, { used: ids, suffixes: dotSuffixes(ids) }] as const;
      }),
    );
    out.push({ text, pool: pool.map(({ row, record }) => ({ row, lemmas: candidateLemmas(record) })), prior: prior ? priorByLastName(prior, text) : undefined, wanted: lemmaNames(q.proof, q.statement), used });
  }
  await opened.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function examples(queries: Query[]): { features: number[]; label: 0 | 1 }[] {
  return queries.flatMap((q) => {
    const wanted = new Set([...q.wanted].map((n) => n.slice(n.lastIndexOf('.') + 1)));
    const { names, features } = coverageFeatures(q.text, q.pool, q.prior);
    return names.map((name, i) => ({ features: features[i]!, label: (wanted.has(name) ? 1 : 0) as 0 | 1 }));
  });
}

/** Lemma recall@8 of the fused order and of the re-ranked one. */
function score(model: CoverageModel, queries: Query[]): { fused: number; reranked: number; queries: number } {
  const recall = (q: Query, rows: number[]) => lemmaRecall(q.wanted, rows.slice(0, K).map((row) => q.used.get(row)!));
  return {
    queries: queries.length,
    fused: round(mean(queries.map((q) => recall(q, q.pool.map((c) => c.row))))),
    reranked: round(mean(queries.map((q) => recall(q, model.rerank(q.text, q.pool, K, q.prior).map((p) => p.row))))),
  };
}

async function main(): Promise<void> {
  const out = path.resolve(argument('out', path.join(root, 'models')));
  const corpusArg = argument('corpus', '');
  const started = Date.now();
  const embedder = await BuiltinEmbedder.load();
  const batteries = fs
    .readFileSync(BATTERIES_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRecord)
    .filter((r) => batteriesSplit(r) === 'train');
  const fold = (r: CorpusRecord) => crypto.createHash('sha256').update(r.source.slice(r.source.indexOf(':') + 1)).digest()[0]! % 4;
  const folds: Query[][] = [];
  for (let f = 0; f < 4; f++) {
    const asking = batteries.filter((r) => fold(r) === f && lemmaNames(r.proof, r.statement).size > 0);
    folds.push(await pools(batteries.filter((r) => fold(r) !== f), asking, embedder));
  }
  const options = { pool: POOL, rankBonus: RANK_BONUS };
  const crossValidation = folds.map((queries, f) => score(CoverageModel.fit(examples(folds.filter((_, g) => g !== f).flat()), options), queries));
  const model = CoverageModel.fit(examples(folds.flat()), options);
  const cv = { queries: crossValidation.reduce((n, s) => n + s.queries, 0), fused: 0, reranked: 0 };
  for (const s of crossValidation) {
    cv.fused += (s.fused * s.queries) / cv.queries;
    cv.reranked += (s.reranked * s.queries) / cv.queries;
  }
  let dev: ReturnType<typeof score> | undefined;
  let corpus: string[] | undefined;
  if (corpusArg) {
    const records = readCorpusFolders(corpusArg);
    corpus = [...new Set(records.map((r) => r.source.slice(0, r.source.indexOf(':'))))].sort();
    const held = devSet(records.filter((r) => corpusSplit(r) === 'dev'));
    dev = score(model, await pools(held.bank, held.queries, embedder));
  }
  await embedder.dispose();
  const trained = model.withTraining({
    script: 'scripts/train-coverage.ts',
    data: 'Batteries train files of the benchmark split (test/fixtures/retrieval/batteries-theorems.jsonl), 4 folds by file',
    examples: folds.reduce((n, q) => n + examples(q).length, 0),
    cv_lemma_recall_at_8: { queries: cv.queries, fused: round(cv.fused), reranked: round(cv.reranked) },
    ...(dev ? { corpus_dev_lemma_recall_at_8: dev, corpus } : {}),
  });
  const text = trained.serialize();
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, COVERAGE_MODEL_FILE), text);
  console.log(`train-coverage: cross-validation lemma recall@8 ${JSON.stringify(trained.training?.cv_lemma_recall_at_8)}${dev ? `; corpus dev ${JSON.stringify(dev)}` : ''}`);
  console.log(`train-coverage: wrote ${path.relative(root, out) || '.'}/${COVERAGE_MODEL_FILE} in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
