// Declaration dumps (statements only): how well and how fast the declarations store finds premises.
// usage: node --import tsx bench/declarations.ts [--size N]   (default 200000, about Mathlib's count)
//
// Quality, on the Batteries theorems (test/fixtures/retrieval/batteries-theorems.jsonl): every
// theorem's statement is a declaration (name and statement, no proof); each theorem whose proof uses
// at least one lemma name asks with its statement, itself left out. Premise recall@k = share of the
// lemma names its proof uses (src/retrieval/lemma-names.ts rules) that are among the names of the top k
// declarations (up to a leading namespace). Beside ours (BM25 over `name : TYPE`): BM25 over the
// names alone, random declarations, and the ceiling (every declaration).
//
// Speed, on a synthetic dump of N declarations (the Batteries statements under new names): import
// rate through importDeclarations (fsync per batch), reopening (read and index the file), search
// p50/p95, resident memory; the baseline in the same run is a BM25 scan of every line per query.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeclarationStore } from '../src/retrieval/declaration-store';
import { declarationEntry, declarationLine, premiseText, type DeclarationRecord } from '../src/retrieval/declarations';
import { importDeclarations } from '../src/retrieval/indexer';
import { dotSuffixes, lemmaNames, lemmaRecall } from '../src/retrieval/lemma-names';
import { LexicalIndex } from '../src/retrieval/lexical';
import { mulberry32 } from '../src/retrieval/trainer';
import { machineInfo } from './machine';

const root = path.resolve(__dirname, '..');
const sizeArg = process.argv.indexOf('--size');
const SIZE = sizeArg > 0 ? Number(process.argv[sizeArg + 1]) : 200_000;
const KS = [1, 4, 8, 16];

interface Theorem {
  name: string;
  statement: string;
  proof: string;
}

const theorems: Theorem[] = fs
  .readFileSync(path.join(root, 'test/fixtures/retrieval/batteries-theorems.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Theorem);

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

function scratch(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oprover-bench-decls-${label}-`));
}

/** The theorems as dump lines (a header: the dump's statement form). */
function dumpLines(rename: (name: string, i: number) => string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = theorems[i % theorems.length]!;
    const name = rename(t.name, Math.floor(i / theorems.length));
    out.push(JSON.stringify({ name, statement: t.statement.replace(t.name, name), module: 'Bench' }));
  }
  return out;
}

async function quality() {
  const dir = scratch('quality');
  const dump = path.join(dir, 'dump.jsonl');
  fs.writeFileSync(dump, dumpLines((n) => n, theorems.length).join('\n') + '\n');
  const store = await DeclarationStore.open(path.join(dir, 'store'), { durable: false });
  const imported = await importDeclarations({ addDeclarations: (r) => store.add(r) }, dump);
  // The store keeps the first declaration of a name; the baselines see the same set.
  const seen = new Set<string>();
  const records = fs
    .readFileSync(dump, 'utf8')
    .trim()
    .split('\n')
    .map((l, i) => declarationEntry(JSON.parse(l), 'dump', i + 1))
    .filter((r): r is DeclarationRecord => typeof r !== 'string' && !seen.has(r.name) && seen.add(r.name) !== undefined);
  const namesOnly = new LexicalIndex();
  for (const r of records) namesOnly.add(r.name);
  // Ablation: BM25 over the raw lines (local names kept; the store leaves them out, see premiseText).
  const rawLines = new LexicalIndex();
  for (const r of records) rawLines.add(declarationLine(r));
  const rowOfName = new Map(records.map((r, i) => [r.name, i]));

  const queries = theorems.filter((t) => lemmaNames(t.proof, t.statement).size > 0);
  const asSet = (names: string[]) => {
    const used = new Set(names);
    return { used, suffixes: dotSuffixes(used) };
  };
  const recall = (wanted: Set<string>, names: string[]) => lemmaRecall(wanted, [asSet(names)]);
  const maxK = Math.max(...KS);
  const rows: Record<string, number[][]> = { ours: [], raw_lines_bm25: [], names_only_bm25: [], random: [] };
  const random = mulberry32(16);
  const times: number[] = [];
  for (const t of queries) {
    const started = performance.now();
    const hits = await store.search(t.statement, maxK, t.name);
    times.push(performance.now() - started);
    rows.ours!.push(hits.map((h) => rowOfName.get(h.name)!));
    const self = rowOfName.get(t.name);
    rows.raw_lines_bm25!.push(rawLines.search(t.statement, maxK, (row) => row === self).map((h) => h.row));
    rows.names_only_bm25!.push(namesOnly.search(t.statement, maxK, (row) => row === self).map((h) => h.row));
    const picks: number[] = [];
    while (picks.length < maxK) {
      const row = Math.floor(random() * records.length);
      if (row !== self && !picks.includes(row)) picks.push(row);
    }
    rows.random!.push(picks);
  }
  const out: Record<string, unknown> = { declarations: imported.imported, queries: queries.length };
  for (const [label, ranking] of Object.entries(rows)) {
    out[label] = Object.fromEntries(KS.map((k) => [`premise_recall_at_${k}`, round(mean(ranking.map((r, q) => recall(lemmaNames(queries[q]!.proof, queries[q]!.statement), r.slice(0, k).map((row) => records[row]!.name)))), 4)]));
  }
  // Per query at k = 8: how often the store's text beats the raw lines, and how often it loses.
  const at8 = (ranking: number[][]) => ranking.map((r, q) => recall(lemmaNames(queries[q]!.proof, queries[q]!.statement), r.slice(0, 8).map((row) => records[row]!.name)));
  const [mine, theirs] = [at8(rows.ours!), at8(rows.raw_lines_bm25!)];
  out.ours_vs_raw_lines_at_8 = { better: mine.filter((x, i) => x > theirs[i]!).length, worse: mine.filter((x, i) => x < theirs[i]!).length, same: mine.filter((x, i) => x === theirs[i]!).length };
  out.ceiling_premise_recall = round(mean(queries.map((t) => recall(lemmaNames(t.proof, t.statement), records.filter((r) => r.name !== t.name).map((r) => r.name)))), 4);
  out.search_p50_ms = round(quantile(times, 0.5));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

async function speed(size: number) {
  const dir = scratch('speed');
  const dump = path.join(dir, 'dump.jsonl');
  fs.writeFileSync(dump, dumpLines((n, copy) => (copy === 0 ? n : `${n}_v${copy}`), size).join('\n') + '\n');
  const storeDir = path.join(dir, 'store');
  const store = await DeclarationStore.open(storeDir);
  let started = performance.now();
  const imported = await importDeclarations({ addDeclarations: (r) => store.add(r) }, dump);
  const importMs = performance.now() - started;
  await store.close();

  const rssBefore = process.memoryUsage().rss;
  started = performance.now();
  const reopened = await DeclarationStore.open(storeDir);
  const openMs = performance.now() - started;
  const rssAfter = process.memoryUsage().rss;
  const queries = theorems.filter((_, i) => i % 8 === 0).slice(0, 200);
  const times: number[] = [];
  for (const t of queries) {
    started = performance.now();
    await reopened.search(t.statement, 8);
    times.push(performance.now() - started);
  }
  // Baseline: BM25 of every line for the query, no inverted index (5 queries).
  const lines = Array.from({ length: reopened.size }, (_, row) => declarationLine(reopened.read(row)));
  const scanTimes: number[] = [];
  const lexical = new LexicalIndex();
  for (const line of lines.slice(0, 1000)) lexical.add(line);
  for (const t of queries.slice(0, 5)) {
    started = performance.now();
    lexical.score(t.statement, lines);
    scanTimes.push(performance.now() - started);
  }
  await reopened.close();
  const bytes = fs.statSync(path.join(storeDir, 'declarations.jsonl')).size;
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    size: imported.imported,
    import_per_s: Math.round(imported.imported / (importMs / 1000)),
    open_ms: Math.round(openMs),
    search_p50_ms: round(quantile(times, 0.5)),
    search_p95_ms: round(quantile(times, 0.95)),
    scan_baseline_p50_ms: round(quantile(scanTimes, 0.5)),
    rss_growth_on_open_mb: Math.round((rssAfter - rssBefore) / 2 ** 20),
    file_bytes_per_declaration: Math.round(bytes / imported.imported),
  };
}

async function main() {
  const q = await quality();
  const s = await speed(SIZE);
  const ours = q.ours as Record<string, number>;
  const names = q.names_only_bm25 as Record<string, number>;
  const results = {
    headline: {
      premise_recall_at_8: ours.premise_recall_at_8,
      raw_lines_premise_recall_at_8: (q.raw_lines_bm25 as Record<string, number>).premise_recall_at_8,
      names_only_premise_recall_at_8: names.premise_recall_at_8,
      random_premise_recall_at_8: (q.random as Record<string, number>).premise_recall_at_8,
      ceiling_premise_recall: q.ceiling_premise_recall,
      declarations_import_per_s: s.import_per_s,
      declarations_open_ms: s.open_ms,
      declarations_search_p50_ms: s.search_p50_ms,
      declarations_scan_baseline_p50_ms: s.scan_baseline_p50_ms,
      declarations_size: s.size,
    },
    quality: q,
    speed: s,
    machine: machineInfo(),
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/declarations.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results.headline, null, 2));
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
