// The lemma prior: a learned, sparse predictor of the lemma names a statement's proof will use, and
// the third ranking of hybrid retrieval (beside BM25 and the embedder's vectors): stored proofs
// that use the predicted lemmas rank first.
//
// Trained by counting on a public proof corpus (scripts/train-embedder.ts): for each statement
// feature f (the Lean features of lean-features.ts) and lemma name n used by the proof (the rules of
// lemma-names.ts), c(f, n) is the number of theorems with both. A pair is kept when c ≥ 2 and its
// pointwise mutual information is positive, weighted idf(f) · PMI(f, n) · ln(1 + c), and each
// feature keeps its `topM` heaviest lemmas. A statement's prediction is the sum of its features'
// lists. Deterministic for a given corpus and options.
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from './bank-format';
import { FEATURE_VERSION, hashFeature, leanFeatureList } from './lean-features';
import { lemmaNames } from './lemma-names';
import { readModelJson } from './model-file';

export const LEMMA_PRIOR_FILE = 'lemma-prior.json';

export interface LemmaPriorOptions {
  /** Lemmas kept per statement feature. */
  topM: number;
  /** Theorems a (feature, lemma) pair must share to count. */
  minCooccurrence: number;
}

export const DEFAULT_LEMMA_PRIOR_OPTIONS: LemmaPriorOptions = { topM: 64, minCooccurrence: 2 };

/** The file's shape (arrays of numbers as base64 of little-endian typed arrays). */
interface LemmaPriorFile {
  format: 'oprover-lemma-prior';
  featureVersion: number;
  options: LemmaPriorOptions;
  theorems: number;
  training?: Record<string, unknown>;
  lemmas: string[];
  /** FNV-1a of each feature string, ascending. */
  featureHashes: string;
  /** Start of each feature's list in lemmaIds/weights (one more entry than features). */
  offsets: string;
  lemmaIds: string;
  weights: string;
}

/** The proof part of a stored proof (its text after the statement when it holds the whole declaration). */
export function proofBody(p: { statement: string; proof: string }): string {
  const head = p.statement.trim();
  const at = head ? p.proof.indexOf(head) : -1;
  return at >= 0 ? p.proof.slice(at + head.length) : p.proof;
}

/** The distinct feature strings of a text (weights do not matter to the prior). */
function featureSet(text: string): Set<string> {
  return new Set(leanFeatureList(text).map(([feature]) => feature));
}

const encode = (a: Uint32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function decode<T extends Uint32Array | Float32Array>(text: unknown, Kind: { new (b: ArrayBuffer): T }, what: string): T {
  if (typeof text !== 'string') throw new Error(`${what} is missing`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`${what} is not a whole number of 4-byte values`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return new Kind(copy);
}

export class LemmaPrior {
  private readonly featureIndex = new Map<number, number>();
  private readonly lemmaIndex = new Map<string, number>();
  private vocabularyTag: number | undefined;

  private constructor(
    readonly lemmas: readonly string[],
    private readonly featureHashes: Uint32Array,
    private readonly offsets: Uint32Array,
    private readonly lemmaIds: Uint32Array,
    private readonly weights: Float32Array,
    readonly options: LemmaPriorOptions,
    readonly theorems: number,
    readonly training?: Record<string, unknown>,
  ) {
    featureHashes.forEach((h, i) => this.featureIndex.set(h, i));
    lemmas.forEach((n, i) => this.lemmaIndex.set(n, i));
  }

  /** Fit on theorems (statement and proof text). */
  static fit(theorems: readonly { statement: string; proof: string }[], options: LemmaPriorOptions = DEFAULT_LEMMA_PRIOR_OPTIONS): LemmaPrior {
    const featureCount = new Map<string, number>();
    const lemmaCount = new Map<string, number>();
    const pairs = new Map<string, Map<string, number>>();
    for (const t of theorems) {
      const features = featureSet(t.statement);
      const used = lemmaNames(t.proof, t.statement);
      for (const n of used) lemmaCount.set(n, (lemmaCount.get(n) ?? 0) + 1);
      for (const f of features) {
        featureCount.set(f, (featureCount.get(f) ?? 0) + 1);
        if (used.size === 0) continue;
        let row = pairs.get(f);
        if (!row) pairs.set(f, (row = new Map()));
        for (const n of used) row.set(n, (row.get(n) ?? 0) + 1);
      }
    }
    const n = theorems.length;
    const lists: { hash: number; entries: [string, number][] }[] = [];
    for (const [feature, row] of pairs) {
      const cf = featureCount.get(feature)!;
      const idf = Math.log(n / cf);
      const entries: [string, number][] = [];
      for (const [lemma, c] of row) {
        if (c < options.minCooccurrence) continue;
        const pmi = Math.log((c * n) / (cf * lemmaCount.get(lemma)!));
        if (pmi > 0 && idf > 0) entries.push([lemma, idf * pmi * Math.log(1 + c)]);
      }
      if (entries.length === 0) continue;
      entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      lists.push({ hash: hashFeature(feature), entries: entries.slice(0, options.topM) });
    }
    lists.sort((a, b) => a.hash - b.hash);
    // Two features with the same hash (rare) share one list: the heavier entries win.
    const merged: typeof lists = [];
    for (const l of lists) {
      const last = merged[merged.length - 1];
      if (last?.hash === l.hash) last.entries = [...last.entries, ...l.entries].sort((a, b) => b[1] - a[1]).slice(0, options.topM);
      else merged.push(l);
    }
    const lemmaId = new Map<string, number>();
    const lemmas: string[] = [];
    const offsets = new Uint32Array(merged.length + 1);
    const total = merged.reduce((s, l) => s + l.entries.length, 0);
    const ids = new Uint32Array(total);
    const weights = new Float32Array(total);
    let at = 0;
    merged.forEach((l, i) => {
      offsets[i] = at;
      for (const [lemma, w] of l.entries) {
        let id = lemmaId.get(lemma);
        if (id === undefined) {
          lemmaId.set(lemma, (id = lemmas.length));
          lemmas.push(lemma);
        }
        ids[at] = id;
        weights[at++] = w;
      }
    });
    offsets[merged.length] = at;
    return new LemmaPrior(lemmas, Uint32Array.from(merged, (l) => l.hash), offsets, ids, weights, { ...options }, n);
  }

  /** Predicted lemma ids with scores for a statement (and goal): the sum of its features' lists. */
  predict(text: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const feature of featureSet(text)) {
      const i = this.featureIndex.get(hashFeature(feature));
      if (i === undefined) continue;
      for (let e = this.offsets[i]!; e < this.offsets[i + 1]!; e++) out.set(this.lemmaIds[e]!, (out.get(this.lemmaIds[e]!) ?? 0) + this.weights[e]!);
    }
    return out;
  }

  /** A checksum of the vocabulary: postings made with one prior are used with another only when their tags agree. */
  get tag(): number {
    return (this.vocabularyTag ??= crc32(Buffer.from(this.lemmas.join('\n'), 'utf8')));
  }

  /** The id of a lemma name in this prior's vocabulary (undefined: the prior never predicts it). */
  lemmaId(name: string): number | undefined {
    return this.lemmaIndex.get(name);
  }

  withTraining(training: Record<string, unknown>): LemmaPrior {
    return new LemmaPrior(this.lemmas, this.featureHashes, this.offsets, this.lemmaIds, this.weights, this.options, this.theorems, training);
  }

  serialize(): string {
    const file: LemmaPriorFile = {
      format: 'oprover-lemma-prior',
      featureVersion: FEATURE_VERSION,
      options: this.options,
      theorems: this.theorems,
      ...(this.training ? { training: this.training } : {}),
      lemmas: [...this.lemmas],
      featureHashes: encode(this.featureHashes),
      offsets: encode(this.offsets),
      lemmaIds: encode(this.lemmaIds),
      weights: encode(this.weights),
    };
    return JSON.stringify(file) + '\n';
  }

  /** Read a serialized prior; throws an Error that says what is wrong with it. */
  static parse(text: string, where = LEMMA_PRIOR_FILE): LemmaPrior {
    const file = readModelJson<LemmaPriorFile>(text, where, { format: 'oprover-lemma-prior', what: 'a lemma prior', script: 'scripts/train-lemma-prior.ts' });
    if (!Array.isArray(file.lemmas) || !file.lemmas.every((n) => typeof n === 'string')) throw new Error(`${where}: lemmas must be a list of names`);
    try {
      const hashes = decode(file.featureHashes, Uint32Array, 'featureHashes');
      const offsets = decode(file.offsets, Uint32Array, 'offsets');
      const ids = decode(file.lemmaIds, Uint32Array, 'lemmaIds');
      const weights = decode(file.weights, Float32Array, 'weights');
      if (offsets.length !== hashes.length + 1 || offsets[hashes.length] !== ids.length || ids.length !== weights.length) throw new Error('the lists do not fit together');
      for (let i = 0; i < hashes.length; i++) if (offsets[i]! > offsets[i + 1]!) throw new Error('offsets go backwards');
      for (const id of ids) if (id >= file.lemmas.length) throw new Error('a lemma id is out of range');
      return new LemmaPrior(file.lemmas, hashes, offsets, ids, weights, file.options, file.theorems, file.training);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  }

  /** Load `lemma-prior.json` from a folder; undefined when there is none. */
  static load(dir: string): LemmaPrior | undefined {
    const file = path.join(dir, LEMMA_PRIOR_FILE);
    if (!fs.existsSync(file)) return undefined;
    return LemmaPrior.parse(fs.readFileSync(file, 'utf8'), file);
  }
}

/**
 * The stored proofs' lemma names as postings of the prior's lemma ids, grown row by row like the
 * bank (removed rows as gaps), and searched with a prediction.
 */
export class LemmaIndex {
  private readonly postings = new Map<number, number[]>();
  private rows = 0;
  private accumulator = new Float64Array(0);

  /** @param postingsLimit rows from this one on are counted but not searchable (use `score` then). */
  constructor(
    readonly prior: LemmaPrior,
    readonly postingsLimit = Infinity,
  ) {}

  /** Whether `search` covers every row. */
  get searchable(): boolean {
    return this.rows <= this.postingsLimit;
  }

  get size(): number {
    return this.rows;
  }

  /** Add the next row (null: a removed row, kept for the numbering). */
  add(p: { statement: string; proof: string } | null): void {
    const row = this.rows++;
    if (!p || row >= this.postingsLimit) return;
    for (const id of this.lemmaIds(p)) {
      let list = this.postings.get(id);
      if (!list) this.postings.set(id, (list = []));
      list.push(row);
    }
  }

  /** The postings of an index within its limit (to keep, see `restore`); undefined past it. */
  postingsSnapshot(): ReadonlyMap<number, readonly number[]> | undefined {
    return this.searchable ? this.postings : undefined;
  }

  /** An index of `rows` rows from saved postings (made with a prior of the same `tag`). */
  static restore(prior: LemmaPrior, postingsLimit: number, rows: number, postings: ReadonlyMap<number, readonly number[]>): LemmaIndex {
    if (rows > postingsLimit) throw new Error('LemmaIndex.restore: postings past the limit are never kept');
    const index = new LemmaIndex(prior, postingsLimit);
    for (const [id, list] of postings) {
      if (id >= prior.lemmas.length) throw new Error('LemmaIndex.restore: a lemma id is out of range');
      index.postings.set(id, list as number[]);
    }
    index.rows = rows;
    return index;
  }

  /**
   * Count `rows` more rows without reading them: only for an index that then ends past its
   * postings limit (it is never searched then, only asked to `score` given proofs).
   */
  advance(rows: number): void {
    if (this.rows + rows <= this.postingsLimit) throw new Error('LemmaIndex.advance: a searchable index needs its postings');
    this.rows += rows;
  }

  private lemmaIds(p: { statement: string; proof: string }): number[] {
    const ids: number[] = [];
    for (const name of lemmaNames(proofBody(p), p.statement)) {
      const id = this.prior.lemmaId(name);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  /** The summed predicted weight of the lemmas each given proof uses. */
  score(prediction: ReadonlyMap<number, number>, proofs: readonly { statement: string; proof: string }[]): number[] {
    return proofs.map((p) => this.lemmaIds(p).reduce((sum, id) => sum + (prediction.get(id) ?? 0), 0));
  }

  /** The top-k rows by the summed predicted weight of the lemmas they use, best first (ties: lower row). */
  search(prediction: ReadonlyMap<number, number>, k: number, excluded?: (row: number) => boolean): { row: number; score: number }[] {
    if (this.accumulator.length < this.rows) this.accumulator = new Float64Array(Math.max(this.rows, this.accumulator.length * 2));
    const scores = this.accumulator;
    const touched: number[] = [];
    for (const [id, weight] of prediction) {
      const list = this.postings.get(id);
      if (!list) continue;
      for (const row of list) {
        if (scores[row] === 0) touched.push(row);
        scores[row]! += weight;
      }
    }
    const out: { row: number; score: number }[] = [];
    for (const row of touched) {
      if (!excluded?.(row)) out.push({ row, score: scores[row]! });
      scores[row] = 0;
    }
    out.sort((a, b) => b.score - a.score || a.row - b.row);
    return out.slice(0, k);
  }
}
