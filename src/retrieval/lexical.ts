// The lexical half of hybrid retrieval: BM25 over the same hashed Lean features as the built-in
// embedder, with statistics (document frequencies, average length) taken from the bank itself and
// kept up to date as proofs arrive, and reciprocal-rank fusion of the lexical and the vector ranking.
import { bm25Score, countedFeatures, featureCounts } from './lean-features';

/** Buckets of the lexical features (independent of any embedder, so every model gets the same BM25). */
export const LEXICAL_BUCKETS = 1 << 18;

/**
 * The rows holding one feature, ascending, each packed with its term frequency (row · 4096 + tf·10;
 * tf is a sum of feature weights, multiples of 0.1), and what bounds a row's BM25 term: the largest
 * tf and the shortest row in the list.
 */
/** One feature's postings: rows as row·TF_SLOTS + tf (tf = round(10 · weight)), ascending. */
export interface PostingList {
  packed: number[];
  maxTf: number;
  minLength: number;
}

/** What a searchable index keeps besides its statistics (lexical-snapshot.ts saves it). */
export interface LexicalPostings {
  lengths: readonly number[];
  lists: ReadonlyMap<number, PostingList>;
}

const TF_SLOTS = 4096;

/** Searchable rows from which `search` prunes (below, the exhaustive scan is as fast or faster: measured crossover 10K–30K rows). */
export const PRUNING_MIN_ROWS = 20_000;

/**
 * Whether an upper bound on a score is surely at most `threshold`. The bound and the score are
 * summed in different orders, so a margin far above rounding error is left (it only prunes less).
 */
function surelyAtMost(bound: number, threshold: number): boolean {
  return bound <= threshold - 1e-9 * Math.max(1, Math.abs(threshold));
}

/** Index of the first packed entry at or after `from` whose row is ≥ `row` (galloping, then binary search). */
function seek(packed: number[], from: number, row: number): number {
  const key = row * TF_SLOTS;
  if (from >= packed.length || packed[from]! >= key) return from;
  let step = 1;
  let low = from;
  let high = from + 1;
  while (high < packed.length && packed[high]! < key) {
    low = high;
    step *= 2;
    high = from + step;
  }
  high = Math.min(high, packed.length);
  // packed[low] < key; the answer is in (low, high].
  while (low + 1 < high) {
    const mid = (low + high) >>> 1;
    if (packed[mid]! < key) low = mid;
    else high = mid;
  }
  return high;
}

/** Top-k by insertion into a short sorted list (descending; ties keep the earlier row first). */
class TopRows {
  readonly rows: { row: number; score: number }[] = [];
  constructor(private readonly k: number) {}
  get full(): boolean {
    return this.rows.length === this.k;
  }
  /** The score a row must beat to enter (−∞ until full). */
  get threshold(): number {
    return this.full ? this.rows[this.k - 1]!.score : -Infinity;
  }
  /** Offer a row (rows in ascending order); `excluded` is asked only for a row that would enter. */
  offer(row: number, score: number, excluded?: (row: number) => boolean): boolean {
    const top = this.rows;
    const k = this.k;
    if (top.length === k && score <= top[k - 1]!.score) return false;
    if (excluded?.(row)) return false;
    let i = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push({ row, score });
    while (i > 0 && top[i - 1]!.score < score) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = { row, score };
    return true;
  }
}

/** What BM25 scores with: rows seen, documents among them (rows not removed), their summed length, document frequencies. */
export interface LexicalStatistics {
  buckets: number;
  rows: number;
  documents: number;
  totalLength: number;
  df: Map<number, number>;
}

/** BM25 statistics of a growing set of documents, and an inverted index over them. */
export class LexicalIndex {
  private readonly df = new Map<number, number>();
  private readonly postings = new Map<number, PostingList>();
  /** Length of each row below `postingsLimit` (rows from it on are only counted). */
  private readonly lengths: number[] = [];
  private rowsPastLimit = 0;
  private totalLength = 0;
  private documents = 0;
  /** Scratch scores of an exhaustive search, one per row (all zero between searches). */
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
    return this.size <= this.postingsLimit;
  }

  /** Rows with postings (the first `postingsLimit` rows added). */
  get indexedRows(): number {
    return this.lengths.length;
  }

  /** Rows added so far (rows are numbered in the order they were added). */
  get size(): number {
    return this.lengths.length + this.rowsPastLimit;
  }

  /** Add the next row's text. `null` keeps the numbering for a row that is gone. */
  add(text: string | null): void {
    const row = this.size;
    if (text === null) {
      this.pushLength(row, 0);
      return;
    }
    const { ids, weights } = countedFeatures(text, this.buckets);
    let length = 0;
    for (let i = 0; i < weights.length; i++) length += weights[i]!;
    for (let i = 0; i < ids.length; i++) {
      const bucket = ids[i]!;
      const w = weights[i]!;
      this.df.set(bucket, (this.df.get(bucket) ?? 0) + 1);
      if (row >= this.postingsLimit) continue;
      let list = this.postings.get(bucket);
      if (!list) this.postings.set(bucket, (list = { packed: [], maxTf: 0, minLength: Infinity }));
      const tf = Math.min(TF_SLOTS - 1, Math.round(w * 10));
      list.packed.push(row * TF_SLOTS + tf);
      if (tf > list.maxTf) list.maxTf = tf;
      if (length < list.minLength) list.minLength = length;
    }
    this.pushLength(row, length);
    this.totalLength += length;
    this.documents++;
  }

  private pushLength(row: number, length: number): void {
    if (row < this.postingsLimit) this.lengths.push(length);
    else this.rowsPastLimit++;
  }

  /** The statistics BM25 needs once the index is past its postings limit (to keep, see `restore`). */
  statistics(): LexicalStatistics {
    return { buckets: this.buckets, rows: this.size, documents: this.documents, totalLength: this.totalLength, df: new Map(this.df) };
  }

  /** The postings of an index within its limit (to keep, see `restore`); undefined past it. */
  postingsSnapshot(): LexicalPostings | undefined {
    return this.searchable ? { lengths: this.lengths, lists: this.postings } : undefined;
  }

  /**
   * An index from saved statistics, and for an index within its limit its saved postings: it
   * searches and scores as the index they came from, and takes further rows with `add`. Without
   * postings only statistics of more rows than `postingsLimit` can be restored (`score` only).
   */
  static restore(saved: LexicalStatistics, postingsLimit: number, postings?: LexicalPostings): LexicalIndex {
    const index = new LexicalIndex(saved.buckets, postingsLimit);
    if (postings) {
      if (saved.rows > postingsLimit || postings.lengths.length !== saved.rows) throw new Error('LexicalIndex.restore: postings of other rows than the statistics');
      for (const length of postings.lengths) index.lengths.push(length);
      for (const [bucket, list] of postings.lists) index.postings.set(bucket, list);
    } else {
      if (saved.rows <= postingsLimit) throw new Error('LexicalIndex.restore: a searchable index needs its postings');
      index.rowsPastLimit = saved.rows;
    }
    index.documents = saved.documents;
    index.totalLength = saved.totalLength;
    for (const [bucket, count] of saved.df) index.df.set(bucket, count);
    return index;
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

  /** The query's features that have postings, in query order, with what scores a row for each. */
  private queryTerms(query: string) {
    const stats = this.stats();
    const lengthNorm = 0.75 / Math.max(1e-9, stats.averageLength);
    const terms: { list: PostingList; idf2: number; bound: number }[] = [];
    for (const bucket of featureCounts(query, this.buckets).keys()) {
      const list = this.postings.get(bucket);
      if (!list) continue;
      const idf2 = stats.idf(bucket) * 2.2;
      // BM25's term grows with tf and shrinks with the row's length: the list's largest tf over its shortest row bounds it.
      const f = list.maxTf / 10;
      terms.push({ list, idf2, bound: (idf2 * f) / (f + 1.2 * (0.25 + lengthNorm * list.minLength)) });
    }
    return { terms, lengthNorm };
  }

  /**
   * Exact BM25 top-k rows over the whole index, best first (ties: lower row first), skipping rows
   * `excluded` rejects: `searchPruned` from PRUNING_MIN_ROWS rows on, `searchExhaustive` below
   * (where walking every posting is as fast; bench/retrieval.ts measures both).
   */
  search(query: string, k: number, excluded?: (row: number) => boolean): { row: number; score: number }[] {
    const rows = Math.min(this.lengths.length, this.postingsLimit);
    return rows >= PRUNING_MIN_ROWS ? this.searchPruned(query, k, excluded) : this.searchExhaustive(query, k, excluded);
  }

  /**
   * `search` with max-score pruning: rows are visited in order over the lists of the features that
   * could still lift a row into the top-k on their own ("essential"); the others are looked up only
   * for a row whose score, with their upper bounds, can still enter. Same answer as
   * `searchExhaustive`, without walking the long lists of common features.
   */
  searchPruned(query: string, k: number, excluded?: (row: number) => boolean): { row: number; score: number }[] {
    if (k <= 0) return [];
    const { terms, lengthNorm } = this.queryTerms(query);
    const m = terms.length;
    // Lists by ascending bound; prefix[i] = bound of a row found only in lists 0..i of that order.
    const order = terms.map((_, t) => t).sort((a, b) => terms[a]!.bound - terms[b]!.bound);
    const prefix = new Float64Array(m);
    order.forEach((t, i) => (prefix[i] = (i > 0 ? prefix[i - 1]! : 0) + terms[t]!.bound));
    const lists = order.map((t) => terms[t]!.list.packed);
    const idf2 = order.map((t) => terms[t]!.idf2);
    const cursor = new Int32Array(m);
    // The row under each list's cursor (Infinity once the list is walked).
    const current = new Float64Array(m);
    const rowAt = (i: number, at: number): number => (at < lists[i]!.length ? Math.floor(lists[i]![at]! / TF_SLOTS) : Infinity);
    for (let i = 0; i < m; i++) current[i] = rowAt(i, 0);
    // Per-term contributions of the current row, by query order (summed in that order, as the exhaustive search does).
    const contribution = new Float64Array(m);
    const present = new Uint8Array(m);
    const top = new TopRows(k);
    let essential = 0;
    const lengths = this.lengths;
    const termScore = (i: number, packed: number, row: number): number => {
      const f = (packed % TF_SLOTS) / 10;
      const norm = 1.2 * (0.25 + lengthNorm * lengths[row]!);
      return (idf2[i]! * f) / (f + norm);
    };
    for (;;) {
      let row = Infinity;
      for (let i = essential; i < m; i++) if (current[i]! < row) row = current[i]!;
      if (row === Infinity) break;
      present.fill(0);
      let partial = 0;
      for (let i = essential; i < m; i++) {
        if (current[i] !== row) continue;
        const at = cursor[i]!;
        const c = termScore(i, lists[i]![at]!, row);
        contribution[order[i]!] = c;
        present[order[i]!] = 1;
        partial += c;
        cursor[i] = at + 1;
        current[i] = rowAt(i, at + 1);
      }
      let pruned = false;
      for (let i = essential - 1; i >= 0; i--) {
        if (surelyAtMost(partial + prefix[i]!, top.threshold)) {
          pruned = true;
          break;
        }
        if (current[i]! < row) {
          cursor[i] = seek(lists[i]!, cursor[i]!, row);
          current[i] = rowAt(i, cursor[i]!);
        }
        if (current[i] === row) {
          const c = termScore(i, lists[i]![cursor[i]!]!, row);
          contribution[order[i]!] = c;
          present[order[i]!] = 1;
          partial += c;
        }
      }
      if (pruned) continue;
      let score = 0;
      for (let t = 0; t < m; t++) if (present[t]) score += contribution[t]!;
      if (!top.offer(row, score, excluded) || !top.full) continue;
      // A higher bar: lists whose rows cannot reach it on their own stop being walked.
      while (essential < m && surelyAtMost(prefix[essential]!, top.threshold)) essential++;
    }
    return top.rows;
  }

  /** The reference search: every posting of every query feature scored (same answer as `search`). */
  searchExhaustive(query: string, k: number, excluded?: (row: number) => boolean): { row: number; score: number }[] {
    if (k <= 0) return [];
    const { terms, lengthNorm } = this.queryTerms(query);
    const rows = Math.min(this.lengths.length, this.postingsLimit);
    if (this.accumulator.length < rows) this.accumulator = new Float64Array(Math.max(rows, this.accumulator.length * 2));
    const scores = this.accumulator;
    const touched: number[] = [];
    for (const { list, idf2 } of terms) {
      const packed = list.packed;
      for (let i = 0; i < packed.length; i++) {
        const row = Math.floor(packed[i]! / TF_SLOTS);
        const f = (packed[i]! % TF_SLOTS) / 10;
        const norm = 1.2 * (0.25 + lengthNorm * this.lengths[row]!);
        if (scores[row] === 0) touched.push(row);
        scores[row]! += (idf2 * f) / (f + norm);
      }
    }
    // The accumulator is cleared as it is read.
    const top = new TopRows(k);
    touched.sort((a, b) => a - b);
    for (const row of touched) {
      const score = scores[row]!;
      scores[row] = 0;
      top.offer(row, score, excluded);
    }
    return top.rows;
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
