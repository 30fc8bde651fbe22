// Trains the lemma prior, models/lemma-prior.json (src/retrieval/lemma-prior.ts), on a folder of
// JSONL Lean 4 proof corpora, with the same records and held-out files as train-embedder.ts
// (Batteries is refused: it is the benchmark's evaluation set). Deterministic; under a minute.
//
// usage: node --import tsx scripts/train-lemma-prior.ts --corpus DIR[,DIR…] [--out DIR] [--top N] [--min-co N]
//
// 1. Records and split as in train-embedder.ts (`corpusSplit`: dev and test files are held out).
// 2. Fit: counts of (statement feature, lemma name) over the training theorems (lemma-prior.ts).
// 3. Dev score: lemma recall@8 on the held-out files (queries: 1 file in 4; bank: the others) for
//    BM25 alone, the prior alone and their fusion, written into the file's `training` record.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LEMMA_PRIOR_OPTIONS, LEMMA_PRIOR_FILE, LemmaIndex, LemmaPrior } from '../src/retrieval/lemma-prior';
import { lemmaRecall } from '../src/retrieval/lemma-names';
import { fuseRankings, LexicalIndex } from '../src/retrieval/lexical';
import { argument, corpusAndOut, corpusSplit, devSet, mean, readCorpusFolders, round } from './train-embedder';

const root = path.resolve(__dirname, '..');

function main(): void {
  const { corpusArg, out } = corpusAndOut('train-lemma-prior');
  const options = {
    topM: Number(argument('top', String(DEFAULT_LEMMA_PRIOR_OPTIONS.topM))),
    minCooccurrence: Number(argument('min-co', String(DEFAULT_LEMMA_PRIOR_OPTIONS.minCooccurrence))),
  };
  const started = Date.now();
  const records = readCorpusFolders(corpusArg);
  const train = records.filter((r) => corpusSplit(r) === 'train');
  const dev = devSet(records.filter((r) => corpusSplit(r) === 'dev'));
  const commits = [...new Set(records.map((r) => r.source.slice(0, r.source.indexOf(':'))))].sort();
  const prior = LemmaPrior.fit(train, options);

  const lexical = new LexicalIndex();
  const lemmas = new LemmaIndex(prior);
  for (const r of dev.bank) {
    lexical.add(r.decl);
    lemmas.add(r);
  }
  const scores = { bm25: [] as number[], prior: [] as number[], fused: [] as number[] };
  dev.queries.forEach((q, i) => {
    const lex = lexical.search(q.statement, 64).map((x) => x.row);
    const pri = lemmas.search(prior.predict(q.statement), 64).map((x) => x.row);
    const both = fuseRankings([
      { ids: lex, weight: 1 },
      { ids: pri, weight: 1 },
    ]).map((x) => x.id);
    const recall = (rows: number[]) => lemmaRecall(dev.wanted[i]!, rows.slice(0, 8).map((j) => dev.used[j]!));
    scores.bm25.push(recall(lex));
    scores.prior.push(recall(pri));
    scores.fused.push(recall(both));
  });
  const devScores = { queries: dev.queries.length, bank: dev.bank.length, bm25: round(mean(scores.bm25)), prior: round(mean(scores.prior)), fused: round(mean(scores.fused)) };
  const trained = prior.withTraining({
    script: 'scripts/train-lemma-prior.ts',
    corpus: commits,
    records: records.length,
    trainRecords: train.length,
    dev_lemma_recall_at_8: devScores,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  const text = trained.serialize();
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, LEMMA_PRIOR_FILE), text);
  const sha = crypto.createHash('sha256').update(text).digest('hex');
  console.log(`train-lemma-prior: ${train.length} training theorems, ${prior.lemmas.length} lemma names; dev lemma recall@8 ${JSON.stringify(devScores)}`);
  console.log(`train-lemma-prior: wrote ${path.relative(root, out) || '.'}/${LEMMA_PRIOR_FILE} (${text.length} bytes, sha256 ${sha.slice(0, 16)}…)`);
}

if (require.main === module) main();
