// What fills the memory: the workspace's own theorems with complete proofs, and imported JSONL proof
// corpora (the Batteries dump shape {id, name, statement, proof, decl, source, line}, or the
// OProofs shape {formal_statement, formal_proof}), and declaration dumps (statements without proofs,
// kept apart in the declarations store). All report progress and stop on an AbortSignal; what was
// stored before the stop stays stored.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { codeTokens, findDeclarations, offsetToPosition } from '../core/source';
import type { VerifiedProof } from '../core/types';
import type { AddResult } from './bank';
import { declarationEntry, type DeclarationRecord } from './declarations';

/** Where proofs go: a MemoryBank or a ProofBank. */
export interface ProofSink {
  add(proofs: readonly VerifiedProof[]): Promise<AddResult>;
  /** Replace a workspace file's records (removing theorems that changed or went away). */
  replaceFile?(file: string, proofs: readonly VerifiedProof[]): Promise<AddResult & { removed: number }>;
  /** The files it holds workspace records of. */
  workspaceFiles?(): string[] | Promise<string[]>;
}

export interface Progress {
  /** Work done and total, in the unit of `unit`. */
  done: number;
  total: number;
  unit: 'bytes' | 'files';
  message: string;
}

export interface RunOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Proofs embedded and written per batch (default 256). */
  batchSize?: number;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  /** Lines that could not be used: 1-based line number and why. */
  malformed: { line: number; error: string }[];
  cancelled: boolean;
}

export interface IndexResult {
  files: number;
  theorems: number;
  added: number;
  duplicates: number;
  /** Records of the indexed files removed because their theorem changed or went away (`replace`). */
  removed: number;
  /** Files that could not be read. */
  failed: { file: string; error: string }[];
  cancelled: boolean;
}

/** True when the proof text uses `sorry` or `admit` as code (not in a comment or string). */
export function hasSorry(text: string): boolean {
  return codeTokens(text).some((t) => t.kind === 'ident' && (t.text === 'sorry' || t.text === 'admit'));
}

const PROVABLE_KINDS = new Set(['theorem', 'lemma']);

/** The theorems of a Lean file whose proofs are complete (no sorry/admit), as bank entries. */
export function proofsFromLeanFile(text: string, file: string): VerifiedProof[] {
  const out: VerifiedProof[] = [];
  for (const d of findDeclarations(text)) {
    if (!PROVABLE_KINDS.has(d.kind) || d.bodyStart >= d.end) continue;
    if (!/^\s*(:=|\||where)/.test(d.body) || hasSorry(d.body)) continue;
    out.push({
      name: d.fullName ?? d.name,
      statement: d.header,
      proof: text.slice(d.start, d.end),
      source: { kind: 'workspace', file, line: offsetToPosition(text, d.start).line + 1 },
    });
  }
  return out;
}

/**
 * Index workspace Lean files. `files` are paths (read from disk) or {file, text} pairs (an
 * editor's unsaved text); `file` is what results show as the source, so pass workspace-relative paths.
 */
export async function indexWorkspace(
  bank: ProofSink,
  files: readonly (string | { file: string; text: string })[],
  options: RunOptions & {
    root?: string;
    /**
     * Make each file's workspace records exactly its current theorems (as after a save), instead of
     * only adding; and clear the records of files that no longer exist under `root`.
     */
    replace?: boolean;
  } = {},
): Promise<IndexResult> {
  const result: IndexResult = { files: 0, theorems: 0, added: 0, duplicates: 0, removed: 0, failed: [], cancelled: false };
  const batchSize = options.batchSize ?? 256;
  let pending: VerifiedProof[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const r = await bank.add(pending);
    result.added += r.added;
    result.duplicates += r.duplicates;
    pending = [];
  };
  for (const entry of files) {
    if (options.signal?.aborted) {
      result.cancelled = true;
      break;
    }
    const file = typeof entry === 'string' ? entry : entry.file;
    let text: string;
    try {
      text = typeof entry === 'string' ? await fs.promises.readFile(options.root ? path.resolve(options.root, file) : file, 'utf8') : entry.text;
    } catch (error) {
      result.failed.push({ file, error: (error as Error).message });
      continue;
    }
    result.files++;
    if (options.replace) {
      const r = await indexFile(bank, file, text);
      result.theorems += r.theorems;
      result.added += r.added;
      result.duplicates += r.duplicates;
      result.removed += r.removed;
    } else {
      const proofs = proofsFromLeanFile(text, file);
      result.theorems += proofs.length;
      pending.push(...proofs);
      if (pending.length >= batchSize) await flush();
    }
    options.onProgress?.({ done: result.files + result.failed.length, total: files.length, unit: 'files', message: file });
  }
  await flush();
  if (options.replace && options.root !== undefined && !result.cancelled && bank.workspaceFiles && bank.replaceFile) {
    // A deleted file's theorems went away with it.
    for (const file of await bank.workspaceFiles()) {
      if (fs.existsSync(path.resolve(options.root, file))) continue;
      result.removed += (await bank.replaceFile(file, [])).removed;
    }
  }
  return result;
}

/**
 * Re-index one file after a save: unchanged theorems cost one hash each, new or changed ones are
 * embedded, and (when the sink can) the file's theorems that changed or went away are removed.
 */
export async function indexFile(bank: ProofSink, file: string, text: string): Promise<{ theorems: number; added: number; duplicates: number; removed: number }> {
  const proofs = proofsFromLeanFile(text, file);
  if (bank.replaceFile) return { theorems: proofs.length, ...(await bank.replaceFile(file, proofs)) };
  return { theorems: proofs.length, ...(await bank.add(proofs)), removed: 0 };
}

const DECLARATION_START = /^\s*(?:\/--[\s\S]*?-\/\s*)?(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*(theorem|lemma|example)\b/;

/** Drop a trailing `:= by sorry`, `:= by` or `:=` from a statement written as a task. */
function bareStatement(statement: string): string {
  return statement.replace(/\s*:=\s*(by\s*(sorry)?)?\s*$/, '').trimEnd();
}

/** One corpus line as a bank entry, or the reason it cannot be one. */
export function corpusEntry(value: unknown, corpusName: string, lineNumber: number): VerifiedProof | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof r[key] === 'string' && (r[key] as string).trim() ? (r[key] as string) : undefined);
  let statement: string | undefined;
  let proof: string | undefined;
  if (text('statement') && (text('decl') || text('proof'))) {
    statement = text('statement')!;
    proof = text('decl') ?? `${statement} := ${text('proof')}`;
  } else if (text('formal_statement') && text('formal_proof')) {
    statement = bareStatement(text('formal_statement')!);
    const body = text('formal_proof')!;
    // formal_proof is either the whole declaration or only what follows `:=`.
    proof = DECLARATION_START.test(body) || body.includes(statement.slice(0, 60)) ? body : `${statement} := ${body.replace(/^\s*:=\s*/, '')}`;
  } else {
    return 'expected {statement, proof} or {statement, decl} or {formal_statement, formal_proof} as non-empty strings';
  }
  if (hasSorry(proof)) return 'the proof uses sorry or admit';
  const name = text('name') ?? findDeclarations(proof)[0]?.fullName;
  const source: VerifiedProof['source'] = { kind: 'corpus', file: text('source') ?? corpusName, line: typeof r.line === 'number' ? r.line : lineNumber };
  return name ? { name, statement, proof, source } : { statement, proof, source };
}

/**
 * Reads a JSONL file line by line: each non-blank line's JSON goes to `entry` (which returns what to
 * store, or why the line cannot be used); good entries are stored in batches through `store`.
 * Malformed lines are reported with their 1-based line numbers and skipped. Progress is in bytes.
 */
async function importJsonl<T>(
  filePath: string,
  entry: (value: unknown, lineNumber: number) => T | string,
  store: (batch: T[]) => Promise<AddResult>,
  what: string,
  options: RunOptions & { corpusName?: string },
): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, duplicates: 0, malformed: [], cancelled: false };
  const total = (await fs.promises.stat(filePath)).size;
  const corpusName = options.corpusName ?? path.basename(filePath);
  const batchSize = options.batchSize ?? 256;
  const stream = fs.createReadStream(filePath, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let pending: T[] = [];
  let bytes = 0;
  let lineNumber = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const r = await store(pending);
    result.imported += r.added;
    result.duplicates += r.duplicates;
    pending = [];
    options.onProgress?.({ done: Math.min(bytes, total), total, unit: 'bytes', message: `${result.imported} ${what} imported from ${corpusName}` });
  };
  try {
    for await (const line of lines) {
      lineNumber++;
      bytes += Buffer.byteLength(line, 'utf8') + 1;
      if (options.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        result.malformed.push({ line: lineNumber, error: `invalid JSON: ${(error as Error).message}` });
        continue;
      }
      const got = entry(value, lineNumber);
      if (typeof got === 'string') result.malformed.push({ line: lineNumber, error: got });
      else pending.push(got);
      if (pending.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    lines.close();
    stream.destroy();
  }
  if (!result.cancelled) options.onProgress?.({ done: total, total, unit: 'bytes', message: `${result.imported} ${what} imported from ${corpusName}` });
  return result;
}

/**
 * Import a JSONL proof corpus. Malformed lines are reported (line number and reason) and skipped;
 * every good line is stored. Progress is in bytes of the file.
 */
export async function importCorpus(bank: ProofSink, filePath: string, options: RunOptions & { corpusName?: string } = {}): Promise<ImportResult> {
  const corpusName = options.corpusName ?? path.basename(filePath);
  return importJsonl(filePath, (value, line) => corpusEntry(value, corpusName, line), (batch) => bank.add(batch), 'proofs', options);
}

/** Where declarations go: a MemoryBank or a DeclarationStore. */
export interface DeclarationSink {
  addDeclarations(records: readonly DeclarationRecord[]): Promise<AddResult>;
}

/**
 * Import a JSONL declaration dump (statements without proofs; fields in declarations.ts) into the
 * declarations store, never into the proof bank. `duplicates` counts names already stored (or
 * repeated in the dump: the first one is kept).
 */
export async function importDeclarations(sink: DeclarationSink, filePath: string, options: RunOptions & { corpusName?: string } = {}): Promise<ImportResult> {
  const dumpName = options.corpusName ?? path.basename(filePath);
  return importJsonl(filePath, (value, line) => declarationEntry(value, dumpName, line), (batch) => sink.addDeclarations(batch), 'declarations', { batchSize: 2048, ...options });
}
