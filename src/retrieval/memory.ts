// The Retriever port over a workspace's proof bank: retrieve the top-k stored proofs for a
// statement, remember every proof the user accepts. The bank (and the embedder) open on first use,
// so activating the extension costs nothing until a proof job or an import needs them.
import { LRUCache } from 'lru-cache';
import { normalizeStatement } from '../core/source';
import type { RetrievalQuery, RetrievedProof, Retriever, VerifiedProof } from '../core/types';
import { ProofBank, embeddingText, type AddResult, type OpenReport } from './bank';
import type { Embedder } from './embedder';
import { fuseRankings, LexicalIndex, RRF_K } from './lexical';
import { queryText } from './query';

/** Candidates each ranking contributes to the fusion: this many per result wanted, at least POOL_MIN. */
const POOL_FACTOR = 8;
const POOL_MIN = 64;
/** Above this many stored proofs the lexical stage re-scores the vector candidates instead of searching every proof. */
export const LEXICAL_SEARCH_MAX_ROWS = 200_000;
/** Rows folded into the lexical index between two yields to the event loop. */
const LEXICAL_FOLD_SLICE = 2_000;

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
}

export interface MemoryStats {
  open: boolean;
  records: number;
  dim?: number;
  embedder?: string;
  openReport?: OpenReport;
}

export class MemoryBank implements Retriever {
  private bank: Promise<ProofBank> | undefined;
  private readonly queryCache: LRUCache<string, Float32Array>;
  /** BM25 over the bank's own proofs, brought up to date before each search. */
  private lexical: { bank: ProofBank; index: LexicalIndex; folding: Promise<void> } | undefined;

  constructor(private readonly options: MemoryBankOptions) {
    this.queryCache = new LRUCache({ max: options.queryCacheSize ?? 512 });
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
   * Hybrid top-k: the embedder's nearest vectors and BM25 over the bank's own statistics, fused by
   * reciprocal rank (for the built-in model and a user's ONNX model alike). The query text is the
   * statement plus, when given, the goal and the names from Lean's errors (see query.ts).
   */
  async retrieve(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedProof[]> {
    signal?.throwIfAborted();
    if (k <= 0) return [];
    const bank = await this.open();
    if (bank.size === 0) return [];
    const text = queryText(query);
    const vector = await this.embedQuery(text);
    signal?.throwIfAborted();
    const pool = Math.max(POOL_MIN, POOL_FACTOR * k);
    const exclude = { name: query.excludeName, file: query.excludeFile };
    const dense = await bank.search(vector, pool, exclude);
    const lexical = await this.lexicalIndex(bank, signal);
    const filter = bank.exclusion(exclude);
    let lexicalRows: number[];
    if (lexical.searchable) {
      lexicalRows = lexical.search(text, pool, filter?.test).map((r) => r.row);
    } else {
      const scores = lexical.score(text, dense.map((r) => embeddingText(bank.read(r.row))));
      lexicalRows = dense.map((r, i) => ({ row: r.row, score: scores[i]! })).sort((a, b) => b.score - a.score).map((r) => r.row);
    }
    // Equal fused scores keep the BM25 order (the first ranking), which favours exact name matches.
    const fused = fuseRankings([
      { ids: lexicalRows, weight: 1 },
      { ids: dense.map((r) => r.row), weight: 1 },
    ]).slice(0, k);
    // Scaled so that a proof first in both rankings scores 1.
    const best = 2 / (RRF_K + 1);
    return fused.map(({ id: row, score }) => {
      const r = bank.read(row);
      const out: RetrievedProof = { id: r.id, statement: r.statement, proof: r.proof, source: r.source, score: score / best };
      if (r.name) out.name = r.name;
      return out;
    });
  }

  /**
   * The bank's lexical index, with every row the bank holds by now folded in (removed rows as gaps).
   * One fold at a time; a long one (the first query on a large bank) yields to the event loop every
   * LEXICAL_FOLD_SLICE rows so the host stays responsive.
   */
  private lexicalIndex(bank: ProofBank, signal?: AbortSignal): Promise<LexicalIndex> {
    if (this.lexical?.bank !== bank) this.lexical = { bank, index: new LexicalIndex(undefined, LEXICAL_SEARCH_MAX_ROWS), folding: Promise.resolve() };
    const state = this.lexical;
    const fold = state.folding.then(async () => {
      const index = state.index;
      while (index.size < bank.size) {
        const end = Math.min(bank.size, index.size + LEXICAL_FOLD_SLICE);
        for (let row = index.size; row < end; row++) index.add(bank.isDeleted(row) ? null : embeddingText(bank.read(row)));
        if (end < bank.size) {
          await new Promise((resolve) => setImmediate(resolve));
          signal?.throwIfAborted();
        }
      }
      return index;
    });
    state.folding = fold.then(
      () => undefined,
      () => undefined,
    );
    return fold;
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
    if (!pending) return;
    const bank = await pending.catch(() => undefined);
    if (!bank) return;
    await bank.close();
    await bank.embedder.dispose();
  }
}
