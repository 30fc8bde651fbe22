// The Retriever port over a workspace's proof bank: retrieve the top-k stored proofs for a
// statement, remember every proof the user accepts. The bank (and the embedder) open on first use,
// so activating the extension costs nothing until a proof job or an import needs them.
import { LRUCache } from 'lru-cache';
import { normalizeStatement } from '../core/source';
import type { RetrievalQuery, RetrievedProof, Retriever, VerifiedProof } from '../core/types';
import { ProofBank, embeddingText, type AddResult, type OpenReport } from './bank';
import type { Embedder } from './embedder';

/** Candidates re-ranked per result wanted, and at most in all (the exact vector search feeds them). */
const RERANK_POOL_FACTOR = 16;
const RERANK_POOL_MAX = 128;

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

  async retrieve(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedProof[]> {
    signal?.throwIfAborted();
    if (k <= 0) return [];
    const bank = await this.open();
    if (bank.size === 0) return [];
    const vector = await this.embedQuery(query.statement);
    signal?.throwIfAborted();
    const rescore = bank.embedder.rescore?.bind(bank.embedder);
    // With a lexical second stage, the nearest vectors are a candidate pool re-ranked by it.
    const pool = rescore ? Math.max(k, Math.min(RERANK_POOL_MAX, RERANK_POOL_FACTOR * k)) : k;
    const rows = await bank.search(vector, pool, { name: query.excludeName, file: query.excludeFile });
    const records = rows.map(({ row }) => bank.read(row));
    let scores = rows.map((r) => r.score);
    if (rescore) {
      const lexical = rescore(query.statement, records.map(embeddingText));
      // The cosine (at most 1) breaks ties and ranks candidates that share no feature with the query.
      scores = scores.map((cosine, i) => lexical[i]! + cosine);
    }
    const order = records.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    return order.slice(0, k).map((i) => {
      const r = records[i]!;
      const out: RetrievedProof = { id: r.id, statement: r.statement, proof: r.proof, source: r.source, score: scores[i]! };
      if (r.name) out.name = r.name;
      return out;
    });
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
    if (!pending) return;
    const bank = await pending.catch(() => undefined);
    if (!bank) return;
    await bank.close();
    await bank.embedder.dispose();
  }
}
