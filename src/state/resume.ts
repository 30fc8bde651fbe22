// The project's resume file (`.oprover/state.json`), shared by the CLI and the editor: what earlier
// runs finished, keyed by file + declaration + statement hash, and which editor batches were still
// running when their window went away. Every update rewrites the file atomically (write a temporary
// file, then rename) after merging with what is on disk, so a kill at any moment leaves the old or the
// new state. Each change is applied to the file as it is on disk just then, so two writers (the CLI
// and the editor) do not drop each other's keys.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeStatement } from '../core/source';
import type { Declaration } from '../core/types';
import { makeOwnDir, processAlive, withFileLock } from './file-lock';

export const STATE_VERSION = 1;

/** Where a project's resume file lives. */
export function stateFilePath(projectRoot: string): string {
  return path.join(projectRoot, '.oprover', 'state.json');
}

export interface FinishedEntry {
  status: 'proved' | 'failed';
  /** The verified proof body (`:= by ...`) when proved. */
  proof?: string;
  origin?: string;
  reason: string;
  rounds: number;
  elapsedMs: number;
  promptTokens: number;
  completionTokens: number;
  /** ISO time. */
  finishedAt: string;
  /**
   * Hash of the file's text before the declaration when Lean checked the proof (`contextHash`). The
   * editor records it and reuses a proof only under the same text; entries without it (the CLI's)
   * are judged by the statement alone.
   */
  contextHash?: string;
}

/** An editor batch that has started and not yet completed: what a reloaded window offers to resume. */
export interface BatchMarker {
  /** The file, relative to the project root with `/` separators (also the marker's key). */
  file: string;
  /** ISO time the batch first started; a resumed batch keeps it, so work from every run counts. */
  startedAt: string;
  /** The targets' resume keys, in file order. */
  targets: { key: string; declarationName: string; line: number }[];
  /** The process running the batch (a window's extension host), so that another window can tell a running batch from one a reload cut off. */
  owner?: BatchOwner;
}

export interface BatchOwner {
  pid: number;
  host: string;
}

/** This process as a batch owner. */
export function currentOwner(): BatchOwner {
  return { pid: process.pid, host: os.hostname() };
}

/**
 * Whether the batch is still running in another process of this machine (another window): its
 * owner is alive and is not this process. A reload ends the old extension host, so its batches
 * are not running; an owner on another machine cannot be asked, so its batch counts as not running.
 */
export function runningElsewhere(marker: BatchMarker, self: BatchOwner = currentOwner()): boolean {
  const owner = marker.owner;
  if (!owner || owner.host !== self.host || owner.pid === self.pid) return false;
  return processAlive(owner.pid);
}

interface StateFileShape {
  version: number;
  entries: Record<string, FinishedEntry>;
  batches?: Record<string, BatchMarker>;
}

/** The key's statement part: a short hash of the statement with layout normalized away. */
export function statementHash(header: string): string {
  return createHash('sha256').update(normalizeStatement(header)).digest('hex').slice(0, 16);
}

/** Hash of the text a proof was checked after (everything before its declaration). */
export function contextHash(textBefore: string): string {
  return createHash('sha256').update(textBefore).digest('hex').slice(0, 16);
}

export function declarationLabel(decl: Declaration): string {
  return decl.fullName ?? decl.name ?? (decl.kind === 'example' ? 'example' : decl.kind);
}

/**
 * The resume key of a hole (a `sorry` inside a longer proof): the declaration and the hole's number,
 * with a hash of the declaration's whole text, so a result is reused only while the proof around
 * the hole is unchanged.
 */
export function holeResumeKey(relFile: string, decl: Declaration, holeIndex: number, declarationText: string): string {
  return `${relFile}::${declarationLabel(decl)}::${statementHash(decl.header)}::hole-${holeIndex}-${statementHash(declarationText)}`;
}

/** `root`-relative path with `/` separators, as keys and markers name files. */
export function keyPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/**
 * Resume keys for the declarations of one file, in file order: `file::name::hash`, with `#2`, `#3`…
 * for repeats of the same name and statement (two identical `example`s).
 */
export class ResumeKeys {
  private readonly seen = new Map<string, number>();
  constructor(private readonly relFile: string) {}

  next(decl: Declaration): { key: string; hash: string } {
    const hash = statementHash(decl.header);
    let key = `${this.relFile}::${declarationLabel(decl)}::${hash}`;
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    if (n > 0) key += `#${n + 1}`;
    return { key, hash };
  }
}

function parseState(raw: string): StateFileShape {
  const parsed = JSON.parse(raw) as StateFileShape;
  if (parsed.version !== STATE_VERSION || typeof parsed.entries !== 'object' || parsed.entries === null) {
    throw new Error(`unknown state format (version ${String(parsed.version)})`);
  }
  if (parsed.batches !== undefined && (typeof parsed.batches !== 'object' || parsed.batches === null)) throw new Error('unknown state format (batches)');
  return parsed;
}

export class StateStore {
  private entries: Record<string, FinishedEntry>;
  private batches: Record<string, BatchMarker>;
  /** Set when an unreadable state file was moved aside. */
  readonly warning?: string;

  private constructor(
    readonly file: string,
    shape: { entries: Record<string, FinishedEntry>; batches?: Record<string, BatchMarker> },
    warning?: string,
  ) {
    this.entries = shape.entries;
    this.batches = shape.batches ?? {};
    if (warning) this.warning = warning;
  }

  /** Opens the state at `file`; a missing file is an empty state, a corrupt one is moved to `*.corrupt` and reported. */
  static open(file: string): StateStore {
    if (!fs.existsSync(file)) return new StateStore(file, { entries: {} });
    try {
      return new StateStore(file, parseState(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      const aside = `${file}.corrupt`;
      fs.renameSync(file, aside);
      return new StateStore(file, { entries: {} }, `the state file ${file} could not be read (${err instanceof Error ? err.message : String(err)}); moved to ${aside}, starting afresh`);
    }
  }

  get(key: string): FinishedEntry | undefined {
    return this.entries[key];
  }

  get size(): number {
    return Object.keys(this.entries).length;
  }

  record(key: string, entry: FinishedEntry): void {
    this.update((s) => {
      s.entries[key] = entry;
    });
  }

  forget(key: string): void {
    if (!(key in this.entries)) return;
    this.update((s) => {
      delete s.entries[key];
    });
  }

  /** The batch marker of `relFile`, if a batch on it has not completed. */
  batch(relFile: string): BatchMarker | undefined {
    return this.batches[relFile];
  }

  listBatches(): BatchMarker[] {
    return Object.values(this.batches);
  }

  markBatch(marker: BatchMarker): void {
    this.update((s) => {
      s.batches[marker.file] = marker;
    });
  }

  clearBatch(relFile: string): void {
    this.update((s) => {
      delete s.batches[relFile];
    });
  }

  /** Applies one change to the file as it is now (another writer may have changed it) and writes it. */
  /** Read the file, apply `change`, write it back: under the project's lock, so a CLI run and a window never drop each other's writes. */
  private update(change: (s: { entries: Record<string, FinishedEntry>; batches: Record<string, BatchMarker> }) => void): void {
    makeOwnDir(path.dirname(this.file));
    withFileLock(`${this.file}.lock`, () => this.updateLocked(change));
  }

  private updateLocked(change: (s: { entries: Record<string, FinishedEntry>; batches: Record<string, BatchMarker> }) => void): void {
    let current = { entries: this.entries, batches: this.batches };
    try {
      const onDisk = parseState(fs.readFileSync(this.file, 'utf8'));
      current = { entries: onDisk.entries, batches: onDisk.batches ?? {} };
    } catch {
      // Missing or unreadable: what this store holds is the state.
    }
    change(current);
    this.entries = current.entries;
    this.batches = current.batches;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const data: StateFileShape = { version: STATE_VERSION, entries: this.entries };
    if (Object.keys(this.batches).length > 0) data.batches = this.batches;
    fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
