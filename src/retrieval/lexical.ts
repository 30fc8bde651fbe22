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
    const stats = this.stats();
    const scores = new Map<number, number>();
    for (const bucket of featureCounts(query, this.buckets).keys()) {
      const list = this.postings.get(bucket);
      if (!list) continue;
      const idf = stats.idf(bucket);
      for (const packed of list) {
        const row = Math.floor(packed / 4096);
        const f = (packed % 4096) / 10;
        const norm = 1.2 * (0.25 + (0.75 * this.lengths[row]!) / Math.max(1e-9, stats.averageLength));
        scores.set(row, (scores.get(row) ?? 0) + (idf * f * 2.2) / (f + norm));
      }
    }
    const ranked = [...scores].filter(([row]) => !excluded?.(row));
    ranked.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return ranked.slice(0, k).map(([row, score]) => ({ row, score }));
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
