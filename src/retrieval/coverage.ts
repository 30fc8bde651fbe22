// Coverage re-ranking: the last stage of hybrid retrieval. The fused ranking (BM25, vectors, lemma
// prior) gives a pool of candidate proofs; a small learned model estimates, for every lemma name the
// pool's proofs use, the chance that the target's proof needs it; then k proofs are picked one at a
// time, each the one that adds the most estimated need not yet covered by the proofs picked before
// (plus a small bonus for its place in the fused ranking). Eight proofs that repeat the same lemmas
// show the prover less than eight that cover what it is likely to need.
//
// The model is a logistic regression over six features of a (query, lemma name) pair, fitted by
// scripts/train-coverage.ts (deterministic) and shipped as models/coverage-reranker.json.
import fs from 'node:fs';
import path from 'node:path';
import { FEATURE_VERSION, leanFeatureList, namePieces } from './lean-features';
import { lemmaNames } from './lemma-names';
import { readModelJson } from './model-file';
import { proofBody, type LemmaPrior } from './lemma-prior';

export const COVERAGE_MODEL_FILE = 'coverage-reranker.json';

/** The features of a lemma name for one query, in the model's order. */
export const COVERAGE_FEATURES = [
  // ln(1 + 10 · Σ 1/(position + 5)) over the pool's proofs that use the name (position 0 = first)
  'pool_rank',
  // ln(1 + number of the pool's proofs that use the name)
  'pool_count',
  // share of the name's pieces (namePieces) that are pieces of the query's identifiers
  'piece_share',
  // how many of the name's pieces are pieces of the query's identifiers
  'piece_count',
  // 1 when the name is written whole in the query
  'in_query',
  // the lemma prior's prediction for the name over its largest prediction (0 without a prior)
  'prior',
] as const;

interface CoverageModelFile {
  format: 'oprover-coverage-reranker';
  featureVersion: number;
  features: string[];
  /** Bias first, then one weight per feature (on standardised features). */
  weights: number[];
  mean: number[];
  sd: number[];
  /** Candidates re-ranked (the fused ranking's first `pool`). */
  pool: number;
  /** Weight of a candidate's place in the fused ranking: rankBonus / (1 + position / 8). */
  rankBonus: number;
  training?: Record<string, unknown>;
}

/** A candidate proof: its row and the distinct lemma names (last components) its proof uses. */
export interface CoverageCandidate {
  row: number;
  lemmas: readonly string[];
}

/** The distinct lemma names a stored proof uses, by their last component (`List.append_nil` → `append_nil`). */
export function candidateLemmas(p: { statement: string; proof: string }): string[] {
  return [...new Set([...lemmaNames(proofBody(p), p.statement)].map(lastComponent))];
}

function lastComponent(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The prior's prediction by last component, each over the largest prediction (in [0, 1]). */
export function priorByLastName(prior: LemmaPrior, text: string): Map<string, number> {
  const prediction = prior.predict(text);
  let max = 0;
  for (const v of prediction.values()) max = Math.max(max, v);
  const out = new Map<string, number>();
  if (max <= 0) return out;
  for (const [id, v] of prediction) {
    const name = lastComponent(prior.lemmas[id]!);
    out.set(name, Math.max(out.get(name) ?? 0, v / max));
  }
  return out;
}

/** Every lemma name of the pool with its features (COVERAGE_FEATURES) for the query text. */
export function coverageFeatures(query: string, pool: readonly CoverageCandidate[], prior?: ReadonlyMap<string, number>): { names: string[]; features: number[][] } {
  const pieces = new Set<string>();
  const identifiers = new Set<string>();
  for (const [feature] of leanFeatureList(query)) {
    if (feature.startsWith('p:')) pieces.add(feature.slice(2));
    else if (feature.startsWith('n:')) identifiers.add(feature.slice(2));
  }
  const rank = new Map<string, number>();
  const count = new Map<string, number>();
  pool.forEach((c, position) => {
    for (const name of c.lemmas) {
      rank.set(name, (rank.get(name) ?? 0) + 1 / (position + 5));
      count.set(name, (count.get(name) ?? 0) + 1);
    }
  });
  const names = [...rank.keys()];
  const features = names.map((name) => {
    const own = namePieces(name);
    const shared = own.filter((p) => pieces.has(p)).length;
    return [Math.log(1 + 10 * rank.get(name)!), Math.log(1 + count.get(name)!), shared / Math.max(1, own.length), shared, identifiers.has(name) ? 1 : 0, prior?.get(name) ?? 0];
  });
  return { names, features };
}

export class CoverageModel {
  constructor(
    readonly weights: readonly number[],
    readonly mean: readonly number[],
    readonly sd: readonly number[],
    readonly pool: number,
    readonly rankBonus: number,
    readonly training?: Record<string, unknown>,
  ) {}

  /** The estimated chance that the target's proof uses a name with these features. */
  probability(features: readonly number[]): number {
    let z = this.weights[0]!;
    for (let j = 0; j < features.length; j++) z += this.weights[j + 1]! * ((features[j]! - this.mean[j]!) / this.sd[j]!);
    return 1 / (1 + Math.exp(-z));
  }

  /**
   * The pool (in fused order) re-ranked: k picks by greedy coverage, each with its gain (gains do
   * not grow from pick to pick after the pinned ones), then the rest in fused order with gain 0. The
   * first `pinned` proofs of the pool are picked first whatever their gain (a stored proof of the
   * very claim asked).
   */
  rerank(query: string, pool: readonly CoverageCandidate[], k: number, prior?: ReadonlyMap<string, number>, pinned = 0): { row: number; gain: number }[] {
    const { names, features } = coverageFeatures(query, pool, prior);
    const need = new Map(names.map((name, i) => [name, this.probability(features[i]!)]));
    const covered = new Set<string>();
    const picked = new Set<number>();
    const out: { row: number; gain: number }[] = [];
    for (let step = 0; step < Math.min(k, pool.length); step++) {
      let best = -1;
      let bestGain = -Infinity;
      pool.forEach((c, position) => {
        if (picked.has(position) || (step < pinned && position !== step)) return;
        let gain = this.rankBonus / (1 + position / 8);
        for (const name of c.lemmas) if (!covered.has(name)) gain += need.get(name) ?? 0;
        if (gain > bestGain) [best, bestGain] = [position, gain];
      });
      picked.add(best);
      for (const name of pool[best]!.lemmas) covered.add(name);
      out.push({ row: pool[best]!.row, gain: bestGain });
    }
    pool.forEach((c, position) => {
      if (!picked.has(position)) out.push({ row: c.row, gain: 0 });
    });
    return out;
  }

  /**
   * Fit by full-batch gradient descent on the standardised features (logistic loss, L2 1e-3, 300
   * steps of 0.5 from zero): deterministic for given examples.
   */
  static fit(examples: readonly { features: readonly number[]; label: 0 | 1 }[], options: { pool: number; rankBonus: number }): CoverageModel {
    if (examples.length === 0) throw new Error('CoverageModel.fit: no examples');
    const d = examples[0]!.features.length;
    const mean = new Array<number>(d).fill(0);
    const sd = new Array<number>(d).fill(0);
    for (const e of examples) e.features.forEach((v, j) => (mean[j]! += v / examples.length));
    for (const e of examples) e.features.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / examples.length));
    for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
    const z = examples.map((e) => e.features.map((v, j) => (v - mean[j]!) / sd[j]!));
    const w = new Array<number>(d + 1).fill(0);
    for (let step = 0; step < 300; step++) {
      const gradient = new Array<number>(d + 1).fill(0);
      z.forEach((x, i) => {
        let s = w[0]!;
        for (let j = 0; j < d; j++) s += w[j + 1]! * x[j]!;
        const error = 1 / (1 + Math.exp(-s)) - examples[i]!.label;
        gradient[0]! += error;
        for (let j = 0; j < d; j++) gradient[j + 1]! += error * x[j]!;
      });
      for (let j = 0; j <= d; j++) w[j] = w[j]! - 0.5 * (gradient[j]! / examples.length + 1e-3 * w[j]!);
    }
    return new CoverageModel(w, mean, sd, options.pool, options.rankBonus);
  }

  withTraining(training: Record<string, unknown>): CoverageModel {
    return new CoverageModel(this.weights, this.mean, this.sd, this.pool, this.rankBonus, training);
  }

  serialize(): string {
    const file: CoverageModelFile = {
      format: 'oprover-coverage-reranker',
      featureVersion: FEATURE_VERSION,
      features: [...COVERAGE_FEATURES],
      weights: [...this.weights],
      mean: [...this.mean],
      sd: [...this.sd],
      pool: this.pool,
      rankBonus: this.rankBonus,
      ...(this.training ? { training: this.training } : {}),
    };
    return JSON.stringify(file, null, 2) + '\n';
  }

  /** Read a serialized model; throws an Error that says what is wrong with it. */
  static parse(text: string, where = COVERAGE_MODEL_FILE): CoverageModel {
    const file = readModelJson<CoverageModelFile>(text, where, { format: 'oprover-coverage-reranker', what: 'a coverage re-ranker', script: 'scripts/train-coverage.ts' });
    if (JSON.stringify(file.features) !== JSON.stringify(COVERAGE_FEATURES)) throw new Error(`${where}: made for other features (${JSON.stringify(file.features)}); retrain it with scripts/train-coverage.ts`);
    const d = COVERAGE_FEATURES.length;
    const numbers = (xs: unknown, n: number) => Array.isArray(xs) && xs.length === n && xs.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!numbers(file.weights, d + 1) || !numbers(file.mean, d) || !numbers(file.sd, d) || file.sd.some((s) => s <= 0)) throw new Error(`${where}: weights, mean and sd must be ${d + 1}, ${d} and ${d} finite numbers (sd positive)`);
    if (!Number.isInteger(file.pool) || file.pool < 1 || typeof file.rankBonus !== 'number' || !Number.isFinite(file.rankBonus)) throw new Error(`${where}: pool must be a positive integer and rankBonus a number`);
    return new CoverageModel(file.weights, file.mean, file.sd, file.pool, file.rankBonus, file.training);
  }

  /** Load `coverage-reranker.json` from a folder; undefined when there is none. */
  static load(dir: string): CoverageModel | undefined {
    const file = path.join(dir, COVERAGE_MODEL_FILE);
    if (!fs.existsSync(file)) return undefined;
    return CoverageModel.parse(fs.readFileSync(file, 'utf8'), file);
  }
}
