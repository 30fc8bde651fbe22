// Lean-aware features for the built-in embedder. A name such as `Nat.succ_le_of_lt` yields the whole
// name, its last component and its pieces (nat, succ, le, of, lt); math symbols (≤, ∀, ∘, ⊆) are
// features of their own; tactic names are marked as tactics. Features are hashed into a fixed
// number of buckets, and each text becomes a short list of (bucket, weight) pairs that the ONNX
// graph turns into a vector.
import { codeTokens } from '../core/source';

/** Bumped whenever the features change, so stored vectors from an older version are rebuilt. */
export const FEATURE_VERSION = 1;

export const TACTICS = new Set(
  (
    'simp simp_all simpa dsimp rw rwa erw rfl exact apply refine intro intros rintro cases rcases obtain ' +
    'induction constructor exists use omega decide linarith nlinarith norm_num positivity aesop grind ' +
    'ring ring_nf field_simp unfold split by_cases contradiction exfalso subst calc congr ext funext ' +
    'trivial assumption injection specialize have show suffices generalize revert clear rename_i ' +
    'first repeat all_goals any_goals try exacts refine\' apply_fun conv change infer_instance tauto ' +
    'split_ifs next fun_induction match termination_by decreasing_by'
  ).split(' '),
);

/** Punctuation that says nothing about what a theorem is about (keywords stay: the corpus IDF weighs them down). */
const STOP = new Set(['(', ')', '[', ']', '{', '}', '⦃', '⦄', ',', ':', ':=', '.', '@[', '|', '<;>', ';', '@', '_', '⟨', '⟩']);

export interface FeatureOptions {
  buckets: number;
  /** At most this many distinct features per text (the heaviest are kept). */
  maxFeatures: number;
}

/** Split an identifier into lower-case pieces: on `.`, `_`, digits and camelCase boundaries. */
export function namePieces(name: string): string[] {
  const pieces: string[] = [];
  for (const part of name.split(/[._'!?]+/)) {
    for (const piece of part.split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/)) {
      if (piece.length > 0) pieces.push(piece.toLowerCase());
    }
  }
  return pieces;
}

/** One token's features with their weights, in order (an empty list for punctuation and comments). */
function tokenFeatures(kind: string, text: string): [string, number][] {
  switch (kind) {
    case 'ident': {
      const name = text.replace(/[«»]/g, '');
      if (STOP.has(name)) return [];
      if (TACTICS.has(name)) return [[`t:${name}`, 0.5]];
      // The whole name, and its lower-case pieces (also for one-piece names, so `Nat` meets
      // `nat` inside `Nat.le_of_lt` and `List` meets `list_append`). Bound variables (x, l, α)
      // stay in: a library's naming habits say which part of it a theorem belongs to.
      return [[`n:${name}`, 1], ...namePieces(name).map((piece) => [`p:${piece}`, 0.5] as [string, number])];
    }
    case 'symbol':
      return STOP.has(text) ? [] : [[`s:${text}`, 0.6]];
    case 'number':
      return [[`#:${text}`, 0.3]];
    case 'name':
      return [[`n:${text.replace(/^`+/, '')}`, 0.8]];
    default:
      return [];
  }
}

/** Feature strings with their weights (a feature may repeat; weights add up). */
export function leanFeatureList(text: string): [string, number][] {
  const out: [string, number][] = [];
  for (const t of codeTokens(text)) for (const feature of tokenFeatures(t.kind, t.text)) out.push(feature);
  return out;
}

/**
 * A token's features as (FNV-1a hash, weight) pairs, flat, remembered per token: the same
 * identifiers come back in text after text, and splitting and hashing them is most of the cost of
 * featurising a text. Bounded: the memory is dropped when it holds TOKEN_MEMORY tokens.
 */
const TOKEN_MEMORY = 200_000;
const tokenMemory = new Map<string, Map<string, number[]>>();
let remembered = 0;
function tokenHashes(kind: string, text: string): number[] {
  let ofKind = tokenMemory.get(kind);
  if (!ofKind) tokenMemory.set(kind, (ofKind = new Map()));
  let hashes = ofKind.get(text);
  if (!hashes) {
    hashes = tokenFeatures(kind, text).flatMap(([feature, weight]) => [hashFeature(feature), weight]);
    if (remembered >= TOKEN_MEMORY) {
      tokenMemory.clear();
      remembered = 0;
      tokenMemory.set(kind, (ofKind = new Map()));
    }
    ofKind.set(text, hashes);
    remembered++;
  }
  return hashes;
}

/** FNV-1a over UTF-16 code units: stable across platforms and versions of Node. */
export function hashFeature(feature: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) {
    h ^= feature.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface HashedFeatures {
  ids: number[];
  weights: number[];
}

/** Per-bucket sums of one text, reused from text to text (zero everywhere between two texts). */
let sums = new Float64Array(0);
/** The buckets the text touched, in the order of first touch (`leanFeatureList`'s order). */
let touched = new Int32Array(0);

/** Sums the text's feature weights into `sums`; returns how many buckets it touched (listed in `touched`). */
function accumulate(text: string, buckets: number): number {
  if (sums.length < buckets) sums = new Float64Array(buckets);
  let count = 0;
  for (const t of codeTokens(text)) {
    const hashes = tokenHashes(t.kind, t.text);
    for (let i = 0; i < hashes.length; i += 2) {
      const bucket = hashes[i]! % buckets;
      if (sums[bucket] === 0) {
        if (count === touched.length) {
          const grown = new Int32Array(Math.max(256, touched.length * 2));
          grown.set(touched);
          touched = grown;
        }
        touched[count++] = bucket;
      }
      sums[bucket] += hashes[i + 1]!;
    }
  }
  return count;
}

/**
 * The buckets the text's features fall in and their summed weights (the text's term frequencies,
 * in buckets), in the order of `leanFeatureList`: `featureCounts` as two arrays, without a map.
 */
export function countedFeatures(text: string, buckets: number): { ids: Int32Array; weights: Float64Array } {
  const count = accumulate(text, buckets);
  const ids = touched.slice(0, count);
  const weights = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    weights[i] = sums[ids[i]!]!;
    sums[ids[i]!] = 0;
  }
  return { ids, weights };
}

/** Summed feature weights per bucket (the text's term frequencies, in buckets), in the order of `leanFeatureList`. */
export function featureCounts(text: string, buckets: number): Map<number, number> {
  const { ids, weights } = countedFeatures(text, buckets);
  const out = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) out.set(ids[i]!, weights[i]!);
  return out;
}

/**
 * The text's features as buckets with sublinear weights (1 + ln of the summed weight), heaviest
 * first, at most `maxFeatures` of them. The same sums as `featureCounts`, in the same order, kept
 * in a reused array instead of a map (this runs for every proof stored).
 */
export function hashedFeatures(text: string, options: FeatureOptions): HashedFeatures {
  const count = accumulate(text, options.buckets);
  const order = Array.from(touched.subarray(0, count));
  // The sums become the sublinear weights in place, are read off, and are zeroed for the next text.
  for (const id of order) {
    const w = sums[id]!;
    sums[id] = w >= 1 ? 1 + Math.log(w) : w;
  }
  order.sort((a, b) => sums[b]! - sums[a]! || a - b);
  const ids = order.length > options.maxFeatures ? order.slice(0, options.maxFeatures) : order;
  const weights = ids.map((id) => sums[id]!);
  for (const id of order) sums[id] = 0;
  return { ids, weights };
}

/**
 * Many texts' features in three flat arrays, as the model's inputs take them: text i has
 * ids/weights[offsets[i], offsets[i + 1]) (ids as int64 already, weights exactly as computed).
 */
export interface PackedFeatures {
  offsets: Uint32Array<ArrayBuffer>;
  ids: BigInt64Array<ArrayBuffer>;
  weights: Float64Array<ArrayBuffer>;
}

export function packFeatures(all: readonly HashedFeatures[]): PackedFeatures {
  const offsets = new Uint32Array(all.length + 1);
  all.forEach((f, i) => (offsets[i + 1] = offsets[i]! + f.ids.length));
  const ids = new BigInt64Array(offsets[all.length]!);
  const weights = new Float64Array(offsets[all.length]!);
  all.forEach((f, i) => {
    const at = offsets[i]!;
    for (let j = 0; j < f.ids.length; j++) ids[at + j] = BigInt(f.ids[j]!);
    weights.set(f.weights, at);
  });
  return { offsets, ids, weights };
}

/** Lexical relevance of a document to a query over the same features: BM25 (k1 1.2, b 0.75). */
export function bm25Score(
  query: Map<number, number>,
  document: Map<number, number>,
  stats: { idf: (bucket: number) => number; averageLength: number },
): number {
  let length = 0;
  for (const w of document.values()) length += w;
  const norm = 1.2 * (0.25 + (0.75 * length) / Math.max(1e-9, stats.averageLength));
  let score = 0;
  for (const bucket of query.keys()) {
    const f = document.get(bucket);
    if (f) score += (stats.idf(bucket) * f * 2.2) / (f + norm);
  }
  return score;
}
