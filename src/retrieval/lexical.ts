// The lexical half of hybrid retrieval: BM25 over the same hashed Lean features as the built-in
// embedder, with statistics (document frequencies, average length) taken from the bank itself and
// kept up to date as proofs arrive, and reciprocal-rank fusion of the lexical and the vector ranking.
import { bm25Score, featureCounts } from './lean-features';

/** Buckets of the lexical features (independent of any embedder, so every model gets the same BM25). */
export const LEXICAL_BUCKETS = 1 << 18;

/** BM25 statistics of a growing set of documents, and an inverted index over them. */
export class LexicalIndex {
  private readonly df = new Map<number, number>();
  private readonly postings = new Map<number, number[]>();
  private readonly lengths: number[] = [];
  private totalLength = 0;
  private documents = 0;
  /** Scratch scores of a search, one per row (all zero between searches). */
  private accumulator = new Float64Array(0);

  /**
   * @param postingsLimit rows from this one on count in the statistics but are not searchable
   *   (`search` then covers the first rows only; see `searchable`), which bounds the memory.
   */
  constructor(
    readonly buckets = LEXICAL_BUCKETS,
    readonly postingsLimit = Infinity,
  ) {}

  /** Whether `search` covers every row. */
  get searchable(): boolean {
    return this.lengths.length <= this.postingsLimit;
  }

  /** Rows added so far (rows are numbered in the order they were added). */
  get size(): number {
    return this.lengths.length;
  }

  /** Add the next row's text. `null` keeps the numbering for a row that is gone. */
  add(text: string | null): void {
    if (text === null) {
      this.lengths.push(0);
      return;
    }
    const row = this.lengths.length;
    const counts = featureCounts(text, this.buckets);
    let length = 0;
    for (const [bucket, w] of counts) {
      length += w;
      this.df.set(bucket, (this.df.get(bucket) ?? 0) + 1);
      if (row >= this.postingsLimit) continue;
      let list = this.postings.get(bucket);
      if (!list) this.postings.set(bucket, (list = []));
      // row and term frequency in one number: tf is a sum of feature weights (multiples of 0.1).
      list.push(row * 4096 + Math.min(4095, Math.round(w * 10)));
    }
    this.lengths.push(length);
    this.totalLength += length;
    this.documents++;
  }

  private stats() {
    const n = this.documents;
    return {
      idf: (bucket: number) => {
        const d = this.df.get(bucket) ?? 0;
        return Math.log(1 + (n - d + 0.5) / (d + 0.5));
      },
      averageLength: n > 0 ? this.totalLength / n : 1,
    };
  }

  /** BM25 of each text against the query, with this index's statistics. */
  score(query: string, texts: readonly string[]): number[] {
    const q = featureCounts(query, this.buckets);
    const stats = this.stats();
    return texts.map((t) => bm25Score(q, featureCounts(t, this.buckets), stats));
  }

  /** Exact BM25 top-k rows over the whole index, best first, skipping rows `excluded` rejects. */
  search(query: string, k: number, excluded?: (row: number) => boolean): { row: number; score: number }[] {
    if (k <= 0) return [];
    const stats = this.stats();
    const rows = Math.min(this.lengths.length, this.postingsLimit);
    if (this.accumulator.length < rows) this.accumulator = new Float64Array(Math.max(rows, this.accumulator.length * 2));
    const scores = this.accumulator;
    const touched: number[] = [];
    const lengthNorm = 0.75 / Math.max(1e-9, stats.averageLength);
    for (const bucket of featureCounts(query, this.buckets).keys()) {
      const list = this.postings.get(bucket);
      if (!list) continue;
      const idf2 = stats.idf(bucket) * 2.2;
      for (let i = 0; i < list.length; i++) {
        const packed = list[i]!;
        const row = Math.floor(packed / 4096);
        const f = (packed % 4096) / 10;
        const norm = 1.2 * (0.25 + lengthNorm * this.lengths[row]!);
        if (scores[row] === 0) touched.push(row);
        scores[row]! += (idf2 * f) / (f + norm);
      }
    }
    // Top-k by insertion into a short sorted list (ties: lower row first); the accumulator is cleared as it is read.
    const top: { row: number; score: number }[] = [];
    touched.sort((a, b) => a - b);
    for (const row of touched) {
      const score = scores[row]!;
      scores[row] = 0;
      if (top.length === k && score <= top[k - 1]!.score) continue;
      if (excluded?.(row)) continue;
      let i = top.length < k ? top.length : k - 1;
      if (top.length < k) top.push({ row, score });
      while (i > 0 && top[i - 1]!.score < score) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = { row, score };
    }
    return top;
  }
}

/** Reciprocal-rank fusion constant (the usual 60). */
export const RRF_K = 60;

/**
 * Fuse rankings (lists of ids, best first) by weighted reciprocal rank: score(id) = Σ weight /
 * (RRF_K + rank). Returns ids with their fused scores, best first; ties keep first appearance.
 */
export function fuseRankings<T>(rankings: readonly { ids: readonly T[]; weight: number }[], rrfK = RRF_K): { id: T; score: number }[] {
  const scores = new Map<T, number>();
  for (const { ids, weight } of rankings) {
    ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (rrfK + rank + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
