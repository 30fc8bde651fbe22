// The Retriever port over a workspace's proof bank: retrieve the top-k stored proofs for a
// statement, remember every proof the user accepts. The bank (and the embedder) open on first use,
// so activating the extension costs nothing until a proof job or an import needs them.
import { LRUCache } from 'lru-cache';
import { normalizeStatement, statementSignature } from '../core/source';
import type { RetrievalQuery, RetrievedProof, Retriever, VerifiedProof } from '../core/types';
import { ProofBank, embeddingText, type AddResult, type OpenReport } from './bank';
import { DeclarationStore, type DeclarationHit } from './declaration-store';
import type { DeclarationRecord } from './declarations';
import { createEmbedder, defaultModelsDir, type Embedder, type Pooling } from './embedder';
import { CoverageModel, candidateLemmas, priorByLastName } from './coverage';
import { LemmaIndex, LemmaPrior } from './lemma-prior';
import { fuseRankings, LEXICAL_BUCKETS, LexicalIndex, RRF_K } from './lexical';
import { LEXICAL_INDEX_FILE, loadLexicalIndex, saveLexicalIndex } from './lexical-snapshot';
import { queryText } from './query';

/** Candidates each ranking contributes to the fusion: this many per result wanted, at least POOL_MIN. */
const POOL_FACTOR = 8;
const POOL_MIN = 64;
/** Above this many stored proofs the lexical stage re-scores the vector candidates instead of searching every proof. */
export const LEXICAL_SEARCH_MAX_ROWS = 200_000;
/** Candidates whose lemma names are kept between queries (coverage re-ranking). */
const LEMMA_CACHE_ROWS = 4_096;
/** Rows folded into the lexical index between two yields to the event loop. */
const LEXICAL_FOLD_SLICE = 2_000;
/** A fold of at least this many rows saves the lexical index beside the bank (lexical-snapshot.ts). */
const LEXICAL_SAVE_ROWS = 10_000;
/**
 * Fusion weights (reciprocal rank) of BM25, the embedder's vectors and the lemma prior. Chosen on
 * held-out files of the training corpus and on the train files of the benchmark's Batteries split,
 * never on its test files (docs/retrieval.md). Without a lemma prior, BM25 and vectors weigh 1 : 1.
 */
export const FUSION_WEIGHTS = { lexical: 1, dense: 0.5, prior: 1 } as const;

export interface MemoryBankOptions {
  /** Folder of this workspace's bank (the extension's storage folder for the workspace). */
  storageDir: string;
  /** The embedder, or a function that loads it on first use. */
  embedder: Embedder | (() => Promise<Embedder>);
  log?: (message: string) => void;
  /** Query embeddings kept in memory (default 512). */
  queryCacheSize?: number;
  /** fsync after each write batch (default true). */
  durable?: boolean;
  /**
   * The lemma prior (lemma-prior.ts): undefined loads the shipped one from models/ on first use
   * (a missing or unreadable file is logged and retrieval goes on without it); null turns it off.
   */
  lemmaPrior?: LemmaPrior | null;
  /**
   * Coverage re-ranking (coverage.ts; setting `oprover.retrievalCoverage`, off by default): a model,
   * or 'shipped' to load the shipped one from models/ on first use (a missing or unreadable file is
   * logged and the fused order is kept). Absent: off, the fused order.
   */
  coverageModel?: CoverageModel | 'shipped';
  /** Where the shipped lemma prior and coverage re-ranker are read from (default: the package's models/). */
  modelsDir?: string;
  /** Stored proofs up to which BM25 and the lemma prior search every proof (default LEXICAL_SEARCH_MAX_ROWS). */
  lexicalSearchMaxRows?: number;
}

export interface MemoryStats {
  open: boolean;
  records: number;
  dim?: number;
  embedder?: string;
  openReport?: OpenReport;
}

/** BM25's best rows that are checked for making the query's very claim (see sameClaimFirst). */
const SAME_CLAIM_CANDIDATES = 8;

/**
 * A stored proof of the query's own claim (the same binders and type under any name) comes first,
 * whatever the other rankings say: it is the proof the user is asking for. Only BM25's best rows
 * are checked (such a proof shares every word with the query).
 */
function sameClaimFirst<T extends { id: number }>(fused: T[], candidates: readonly number[], statement: string, statementOf: (row: number) => string): { ordered: T[]; same: number } {
  const claim = statementSignature(statement);
  const same = new Set(candidates.filter((row) => statementSignature(statementOf(row)) === claim));
  if (same.size === 0) return { ordered: fused, same: 0 };
  return { ordered: [...fused.filter((f) => same.has(f.id)), ...fused.filter((f) => !same.has(f.id))], same: same.size };
}

/** The candidates' rows ordered by their scores, best first. */
function byScore(candidates: readonly { row: number }[], scores: readonly number[]): number[] {
  return candidates.map((r, i) => ({ row: r.row, score: scores[i]! })).sort((a, b) => b.score - a.score).map((r) => r.row);
}

/** A project's memory bank as the settings ask for it (the editor and the CLI open it the same way). */
export function memoryFromSettings(storageDir: string, settings: { embedderPath: string; embedderPooling: Pooling; retrievalCoverage: boolean }, log: (message: string) => void): MemoryBank {
  return new MemoryBank({ storageDir, embedder: () => createEmbedder(settings), log, ...(settings.retrievalCoverage ? { coverageModel: 'shipped' as const } : {}) });
}

export class MemoryBank implements Retriever {
  private bank: Promise<ProofBank> | undefined;
  private readonly queryCache: LRUCache<string, Float32Array>;
  /** BM25 over the bank's own proofs, brought up to date before each search. */
  private lexical: { bank: ProofBank; index: LexicalIndex; lemmas: LemmaIndex | undefined; folding: Promise<void> } | undefined;
  private prior: LemmaPrior | null | undefined;
  private coverage: CoverageModel | null | 'shipped';
  /** The lemma names of the bank's proofs that were candidates lately (coverage re-ranking reads them). */
  private lemmaCache: { bank: ProofBank; lemmas: LRUCache<number, string[]> } | undefined;
  /** Imported declarations (statements only), in their own store beside the bank. */
  private declarationStore: Promise<DeclarationStore> | undefined;

  constructor(private readonly options: MemoryBankOptions) {
    this.queryCache = new LRUCache({ max: options.queryCacheSize ?? 512 });
    this.prior = options.lemmaPrior;
    this.coverage = options.coverageModel ?? null;
  }

  /** The lemma prior in use (loading the shipped one on the first call); null when there is none. */
  lemmaPrior(): LemmaPrior | null {
    if (this.prior === undefined) {
      try {
        this.prior = LemmaPrior.load(this.options.modelsDir ?? defaultModelsDir()) ?? null;
      } catch (e) {
        this.options.log?.(`The lemma prior could not be read, so retrieval goes on without it: ${(e as Error).message}`);
        this.prior = null;
      }
    }
    return this.prior;
  }

  /** The opened bank (opening it, and loading the embedder, on the first call). */
  open(): Promise<ProofBank> {
    this.bank ??= (async () => {
      const embedder = typeof this.options.embedder === 'function' ? await this.options.embedder() : this.options.embedder;
      return ProofBank.open(this.options.storageDir, embedder, { log: this.options.log, durable: this.options.durable });
    })();
    // A failed open is not cached: the next call tries again (e.g. after the user fixes a setting).
    this.bank.catch(() => {
      this.bank = undefined;
    });
    return this.bank;
  }

  get isOpen(): boolean {
    return this.bank !== undefined;
  }

  /** The query vector for a statement, from the cache when the same statement was asked before. */
  async embedQuery(statement: string): Promise<Float32Array> {
    const key = normalizeStatement(statement);
    const cached = this.queryCache.get(key);
    if (cached) return cached;
    const bank = await this.open();
    const vector = await bank.embedder.embed([key]);
    this.queryCache.set(key, vector);
    return vector;
  }

  /**
   * Hybrid top-k: the embedder's nearest vectors, BM25 over the bank's own statistics and the lemma
   * prior, fused by reciprocal rank (for the built-in model and a user's ONNX model alike), then the
   * fused pool re-ranked for lemma coverage (coverage.ts). The query text is the statement plus,
   * when given, the goal and the names from Lean's errors (see query.ts).
   */
  async retrieve(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedProof[]> {
    signal?.throwIfAborted();
    if (k <= 0) return [];
    const bank = await this.open();
    if (bank.size === 0) return [];
    const { text, fused, lexicalRows } = await this.fuse(bank, query, k, signal);
    const { ordered, same } = sameClaimFirst(fused, lexicalRows.slice(0, SAME_CLAIM_CANDIDATES), query.statement, (row) => bank.read(row).statement);
    const first = (this.coverageOrder(bank, text, ordered, k, same) ?? ordered).slice(0, k);
    return first.map(({ id: row, score }) => {
      const r = bank.read(row);
      const out: RetrievedProof = { id: r.id, statement: r.statement, proof: r.proof, source: r.source, score };
      if (r.name) out.name = r.name;
      return out;
    });
  }

  /**
   * The fused ranking of every candidate (best first; equal scores keep the BM25 order, which
   * favours exact name matches), scores scaled so that a proof first in every ranking scores 1.
   */
  async fuse(bank: ProofBank, query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<{ text: string; fused: { id: number; score: number }[]; lexicalRows: number[] }> {
    const text = queryText(query);
    const vector = await this.embedQuery(text);
    signal?.throwIfAborted();
    const pool = Math.max(POOL_MIN, POOL_FACTOR * k);
    const exclude = { name: query.excludeName, file: query.excludeFile };
    const dense = await bank.search(vector, pool, exclude);
    const lexical = await this.lexicalIndex(bank, signal);
    const filter = bank.exclusion(exclude);
    const candidates = () => dense.map((r) => bank.read(r.row));
    let lexicalRows: number[];
    if (lexical.index.searchable) {
      lexicalRows = lexical.index.search(text, pool, filter?.test).map((r) => r.row);
    } else {
      const scores = lexical.index.score(text, candidates().map(embeddingText));
      lexicalRows = byScore(dense, scores);
    }
    const rankings = [
      { ids: lexicalRows, weight: FUSION_WEIGHTS.lexical },
      { ids: dense.map((r) => r.row), weight: lexical.lemmas ? FUSION_WEIGHTS.dense : FUSION_WEIGHTS.lexical },
    ];
    if (lexical.lemmas) {
      const prediction = lexical.lemmas.prior.predict(text);
      const rows = lexical.index.searchable ? lexical.lemmas.search(prediction, pool, filter?.test).map((r) => r.row) : byScore(dense, lexical.lemmas.score(prediction, candidates()));
      rankings.push({ ids: rows, weight: FUSION_WEIGHTS.prior });
    }
    const best = rankings.reduce((sum, r) => sum + r.weight, 0) / (RRF_K + 1);
    return { text, fused: fuseRankings(rankings).map(({ id, score }) => ({ id, score: score / best })), lexicalRows };
  }

  /**
   * The fused ranking with its first `pool` proofs re-ranked for lemma coverage: k picks scored by
   * their gain over the largest pick's (at most 1), then the rest of the pool (score 0) and the
   * proofs past it in fused order (score 0); the first `pinned` (proofs of the very claim asked)
   * stay first. Undefined without a coverage model.
   */
  private coverageOrder(bank: ProofBank, text: string, fused: readonly { id: number; score: number }[], k: number, pinned: number): { id: number; score: number }[] | undefined {
    const model = this.coverageModel();
    if (!model) return undefined;
    if (this.lemmaCache?.bank !== bank) this.lemmaCache = { bank, lemmas: new LRUCache({ max: LEMMA_CACHE_ROWS }) };
    const cache = this.lemmaCache.lemmas;
    const pool = fused.slice(0, model.pool).map(({ id: row }) => {
      let lemmas = cache.get(row);
      if (!lemmas) cache.set(row, (lemmas = candidateLemmas(bank.read(row))));
      return { row, lemmas };
    });
    const prior = this.lemmaPrior();
    const picks = model.rerank(text, pool, k, prior ? priorByLastName(prior, text) : undefined, pinned);
    const top = Math.max(...picks.map((p) => p.gain)) || 1;
    return [...picks.map(({ row, gain }) => ({ id: row, score: gain / top })), ...fused.slice(model.pool).map(({ id }) => ({ id, score: 0 }))];
  }

  /** The coverage re-ranker in use (loading the shipped one on the first call); null when off or unreadable. */
  coverageModel(): CoverageModel | null {
    if (this.coverage === 'shipped') {
      try {
        this.coverage = CoverageModel.load(this.options.modelsDir ?? defaultModelsDir()) ?? null;
      } catch (e) {
        this.options.log?.(`The coverage re-ranker could not be read, so retrieval goes on without it: ${(e as Error).message}`);
        this.coverage = null;
      }
    }
    return this.coverage;
  }

  /**
   * The bank's lexical index, with every row the bank holds by now folded in (removed rows as gaps).
   * One fold at a time; a long one (the first query on a large bank) yields to the event loop every
   * LEXICAL_FOLD_SLICE rows so the host stays responsive.
   */
  private lexicalIndex(bank: ProofBank, signal?: AbortSignal): Promise<{ index: LexicalIndex; lemmas: LemmaIndex | undefined }> {
    if (this.lexical?.bank !== bank) this.lexical = { bank, ...this.startLexical(bank), folding: Promise.resolve() };
    const state = this.lexical;
    const fold = state.folding.then(async () => {
      const { index, lemmas } = state;
      const before = index.size;
      while (index.size < bank.size) {
        const end = Math.min(bank.size, index.size + LEXICAL_FOLD_SLICE);
        for (let row = index.size; row < end; row++) {
          const record = bank.isDeleted(row) ? null : bank.read(row);
          index.add(record && embeddingText(record));
          lemmas?.add(record);
        }
        if (end < bank.size) {
          await new Promise((resolve) => setImmediate(resolve));
          signal?.throwIfAborted();
        }
      }
      if (index.size - before >= LEXICAL_SAVE_ROWS) this.saveLexical(bank, index, lemmas);
      return { index, lemmas };
    });
    state.folding = fold.then(
      () => undefined,
      () => undefined,
    );
    return fold;
  }

  /**
   * The lexical index and lemma postings for the bank: the ones saved beside it when they still
   * describe its first rows (so only rows stored since are read), otherwise new ones. Past the
   * postings limit only the statistics are kept.
   */
  private startLexical(bank: ProofBank): { index: LexicalIndex; lemmas: LemmaIndex | undefined } {
    const limit = this.options.lexicalSearchMaxRows ?? LEXICAL_SEARCH_MAX_ROWS;
    const prior = this.lemmaPrior();
    const { saved, problem } = loadLexicalIndex(bank.dir, LEXICAL_BUCKETS);
    const rows = saved?.statistics.rows ?? 0;
    let unusable = problem;
    if (saved && !unusable) {
      if (rows === 0 || rows > bank.size || bank.read(rows - 1).id !== saved.lastId) unusable = 'belongs to other records';
      else if (rows <= limit && bank.size > limit) unusable = 'has postings the grown bank no longer searches';
      else if (rows <= limit && !saved.postings) unusable = 'holds no postings';
      else if (rows <= limit && prior && saved.lemmas?.priorTag !== prior.tag) unusable = 'was made with another lemma prior';
    }
    if (!saved || unusable) {
      if (unusable) this.options.log?.(`proof bank: ${LEXICAL_INDEX_FILE} ${unusable}; indexing the proofs again`);
      // A bank past the limit from the start keeps no postings at all (they would never be searched).
      const postingsLimit = bank.size <= limit ? limit : 0;
      return { index: new LexicalIndex(undefined, postingsLimit), lemmas: prior ? new LemmaIndex(prior, postingsLimit) : undefined };
    }
    this.options.log?.(`proof bank: lexical index of ${rows} proofs taken from ${LEXICAL_INDEX_FILE}`);
    if (rows > limit) {
      const lemmas = prior ? new LemmaIndex(prior, limit) : undefined;
      lemmas?.advance(rows);
      return { index: LexicalIndex.restore(saved.statistics, limit), lemmas };
    }
    return {
      index: LexicalIndex.restore(saved.statistics, limit, saved.postings),
      lemmas: prior ? LemmaIndex.restore(prior, limit, rows, saved.lemmas!.postings) : undefined,
    };
  }

  /** Keep the lexical index for the bank's next opening (a failure only costs time then). */
  private saveLexical(bank: ProofBank, index: LexicalIndex, lemmas: LemmaIndex | undefined): void {
    try {
      const postings = index.postingsSnapshot();
      const lemmaPostings = postings && lemmas?.postingsSnapshot();
      saveLexicalIndex(bank.dir, {
        statistics: index.statistics(),
        lastId: bank.read(index.size - 1).id,
        ...(postings ? { postings } : {}),
        ...(lemmas && lemmaPostings ? { lemmas: { priorTag: lemmas.prior.tag, postings: lemmaPostings } } : {}),
      });
    } catch (e) {
      this.options.log?.(`proof bank: ${LEXICAL_INDEX_FILE} not saved (${(e as Error).message}); the next opening indexes the proofs again`);
    }
  }

  /**
   * The declarations store (statements without proofs) in the same folder, opened on first use;
   * it needs no embedder and creates no file until declarations are added.
   */
  declarations(): Promise<DeclarationStore> {
    this.declarationStore ??= DeclarationStore.open(this.options.storageDir, { log: this.options.log, durable: this.options.durable });
    this.declarationStore.catch(() => {
      this.declarationStore = undefined;
    });
    return this.declarationStore;
  }

  /** Store imported declarations (a name already stored counts as a duplicate). */
  async addDeclarations(records: readonly DeclarationRecord[]): Promise<AddResult> {
    return (await this.declarations()).add(records);
  }

  /**
   * The top-k imported declarations for the same query text as `retrieve` (BM25 over `name : TYPE`,
   * with the store's own statistics), leaving out the target's own name; empty when none were imported.
   */
  async retrieveDeclarations(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<DeclarationHit[]> {
    signal?.throwIfAborted();
    if (k <= 0) return [];
    const store = await this.declarations();
    return store.search(queryText(query), k, query.excludeName);
  }

  /** The lexical (BM25) index over the bank, brought up to date (benchmarks time its search alone). */
  async lexicalSearchIndex(): Promise<LexicalIndex> {
    return (await this.lexicalIndex(await this.open())).index;
  }

  /** Fold a verified proof into the memory (a duplicate is ignored). */
  async remember(proof: VerifiedProof): Promise<void> {
    await this.add([proof]);
  }

  /** Store many proofs at once (one embedding batch, one write). */
  async add(proofs: readonly VerifiedProof[]): Promise<AddResult> {
    const bank = await this.open();
    return bank.add(proofs);
  }

  /** Make the workspace records of `file` exactly `proofs` (re-index after a save). */
  async replaceFile(file: string, proofs: readonly VerifiedProof[]): Promise<AddResult & { removed: number }> {
    const bank = await this.open();
    return bank.replaceFile(file, proofs);
  }

  /** The files the bank holds workspace records of. */
  async workspaceFiles(): Promise<string[]> {
    return (await this.open()).workspaceFiles();
  }

  /** Remove records by id. */
  async forget(ids: readonly string[]): Promise<number> {
    const bank = await this.open();
    return bank.forget(ids);
  }

  async stats(): Promise<MemoryStats> {
    if (!this.bank) return { open: false, records: 0 };
    const bank = await this.bank;
    return { open: true, records: bank.liveCount, dim: bank.embedder.dim, embedder: bank.embedder.fingerprint, openReport: bank.report };
  }

  /** Close the files and release the embedder and search sessions. */
  async close(): Promise<void> {
    const pending = this.bank;
    this.bank = undefined;
    this.queryCache.clear();
    this.lexical = undefined;
    this.lemmaCache = undefined;
    const declarations = this.declarationStore;
    this.declarationStore = undefined;
    await (await declarations?.catch(() => undefined))?.close();
    if (!pending) return;
    const bank = await pending.catch(() => undefined);
    if (!bank) return;
    await bank.close();
    await bank.embedder.dispose();
  }
}
