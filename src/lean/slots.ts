// Warm scratch documents. Each slot is a `file:` URI under `<projectRoot>/.lean-scratch/` (the
// file never exists on disk and never reaches the editor's Problems panel) holding the user's file
// up to the target declaration. A candidate is one ranged `didChange` that replaces only the part
// of the text that differs, at version+1, then `textDocument/waitForDiagnostics` for that version;
// only diagnostics published for that exact version are read. A runaway check is stopped by killing
// that slot's Lean worker (its process tree) and reopening the document in a fresh worker; where the
// worker cannot be told apart, by sending the next version, then reopening, then restarting the
// server. Crashes restart what died and the check is retried once. A rebuilt import (or a changed
// `lake-manifest.json` / `lean-toolchain`) reopens the slot (or restarts the server) before a check.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc/node';
import { fileHeader } from '../core/header';
import { codeTokens, offsetToPosition } from '../core/source';
import { ActionableError } from '../core/types';
import { changedOutputs, importsFingerprint, projectFingerprint, sourceUriOf } from './import-outputs';
import { findFileWorker, isAlive, killTreeAndWait } from './process-tree';
import * as P from './protocol';
import { LeanServer, ServerExitedError, type LeanServerOptions } from './server';

export const SCRATCH_DIR = '.lean-scratch';

/** The smallest ranged change turning `oldText` into `newText`, or undefined when they are equal. */
export function minimalChange(oldText: string, newText: string): P.TextDocumentContentChangeEvent | undefined {
  if (oldText === newText) return undefined;
  const max = Math.min(oldText.length, newText.length);
  let start = 0;
  while (start < max && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
  // Never split a surrogate pair or a \r\n: positions must name whole characters and lines.
  const splits = (text: string, at: number): boolean => {
    if (at <= 0 || at >= text.length) return false;
    const before = text.charCodeAt(at - 1);
    const after = text.charCodeAt(at);
    return (before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) || (before === 13 && after === 10);
  };
  while (start > 0 && (splits(oldText, start) || splits(newText, start))) start--;
  let suffix = 0;
  while (suffix < max - start && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  while (suffix > 0 && (splits(oldText, oldText.length - suffix) || splits(newText, newText.length - suffix))) suffix--;
  const oldEnd = oldText.length - suffix;
  return {
    range: { start: offsetToPosition(oldText, start), end: offsetToPosition(oldText, oldEnd) },
    text: newText.slice(start, newText.length - suffix),
  };
}

/** The file's header (`module`, `prelude`, `import` lines): changing it makes Lean restart the worker. */
export function importHeader(text: string): string {
  return text.slice(0, fileHeader(text).end);
}

/** How a runaway check was stopped: its worker killed and replaced, the next version, a reopen, a server restart. */
export type Recovery = 'worker-killed' | 'next-version' | 'reopened' | 'restarted';

export type SlotCheck =
  | { kind: 'checked'; version: number; diagnostics: P.LeanDiagnostic[] | undefined; elapsedMs: number }
  | { kind: 'timeout'; version: number; elapsedMs: number; recovery: Recovery }
  | { kind: 'crashed'; message: string; elapsedMs: number }
  | { kind: 'cancelled'; elapsedMs: number };

export interface SlotPoolOptions {
  server: LeanServerOptions;
  /** Number of scratch documents (Lean workers) at most. */
  size: number;
  /** Limit for opening a slot (imports and the user's earlier declarations), ms. */
  openTimeoutMs?: number;
  /** How long each cancellation step may take before the next one is tried, ms. */
  recoveryGraceMs?: number;
  log?: (message: string) => void;
}

function isWorkerCrash(err: unknown): boolean {
  return err instanceof ResponseError && (err.code === P.LeanErrorCode.WorkerCrashed || err.code === P.LeanErrorCode.WorkerExited);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Outcome = { kind: 'done' } | { kind: 'timeout' } | { kind: 'aborted' } | { kind: 'crashed'; message: string; worker: boolean };

/** One scratch document in the pool's server. */
export class ScratchSlot {
  /** The text the server holds for this document (undefined: not open). */
  text: string | undefined;
  version = 0;
  /** The pid of this document's Lean worker, when it could be told (see process-tree.ts). */
  workerPid: number | undefined;
  /** Build outputs of the imports when the document was opened (import-outputs.ts). */
  private importsStamp: Map<string, string> | undefined;
  private held: { version: number; diagnostics: P.LeanDiagnostic[] } | undefined;

  constructor(
    private readonly pool: SlotPool,
    readonly index: number,
    readonly uri: string,
  ) {}

  /** Called for every `publishDiagnostics` of this URI: keeps only the version last sent. */
  accept(params: P.LeanPublishDiagnosticsParams): void {
    if (params.version !== this.version) {
      this.pool.staleIgnored++;
      return;
    }
    if (params.isIncremental && this.held?.version === params.version) this.held.diagnostics.push(...params.diagnostics);
    else this.held = { version: params.version, diagnostics: [...params.diagnostics] };
  }

  /** Diagnostics published for exactly `version`, or undefined when none were. */
  heldFor(version: number): P.LeanDiagnostic[] | undefined {
    const held = this.held;
    return held && held.version === version ? held.diagnostics : undefined;
  }

  markClosed(): void {
    this.text = undefined;
    this.held = undefined;
    this.workerPid = undefined;
    this.importsStamp = undefined;
  }

  private async waitFor(server: LeanServer, version: number, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    const wait = server.waitForDiagnostics(this.uri, version);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await Promise.race<Outcome>([
        wait.promise.then(
          (): Outcome => ({ kind: 'done' }),
          (err): Outcome => ({ kind: 'crashed', message: describe(err), worker: isWorkerCrash(err) }),
        ),
        new Promise<Outcome>((resolve) => {
          timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
        }),
        new Promise<Outcome>((resolve) => {
          if (!signal) return;
          if (signal.aborted) resolve({ kind: 'aborted' });
          onAbort = () => resolve({ kind: 'aborted' });
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      wait.cancel();
    }
  }

  /**
   * didOpen with `text` at a fresh version (closing the document first when it is open, so a new
   * worker elaborates it from scratch) and waits up to `limitMs`. The time an open takes is
   * measured, so that a later reopen is given the time it needs.
   */
  private async openFor(server: LeanServer, text: string, limitMs: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.text !== undefined) await server.close(this.uri);
    this.markClosed();
    this.version += 1;
    this.text = text;
    const started = Date.now();
    const header = importHeader(text);
    this.importsStamp = importsFingerprint(this.pool.projectRoot, header);
    await server.open(this.uri, text, this.version, 'never');
    const outcome = await this.waitFor(server, this.version, limitMs, signal);
    if (outcome.kind === 'done') {
      this.pool.noteOpen(Date.now() - started);
      this.workerPid = this.pool.workerOf(this, server);
    }
    return outcome;
  }

  /** Opens the slot with `text`; throws ActionableError when Lean cannot load the imports. */
  private async open(server: LeanServer, text: string): Promise<void> {
    const limit = this.pool.openTimeoutMs;
    const outcome = await this.openFor(server, text, limit);
    if (outcome.kind === 'timeout') throw new ActionableError(`Lean did not finish loading the imports and earlier declarations within ${Math.round(limit / 1000)} s; build the project (\`lake build\`) and try again`, 'lean-open-timeout');
    if (outcome.kind === 'crashed') throw new SlotCrash(outcome.message, outcome.worker);
    this.pool.checkHeader(this.heldFor(this.version) ?? [], text);
  }

  /**
   * Whether the imports were rebuilt since the document was opened. If so, Lean is told which
   * `.lean` files changed (when it registered a watcher for them) and the document is closed, so
   * the next open loads the new build outputs in a new worker.
   */
  private async dropIfStale(server: LeanServer): Promise<void> {
    if (this.text === undefined || !this.importsStamp) return;
    const changed = changedOutputs(this.importsStamp, importsFingerprint(this.pool.projectRoot, importHeader(this.text)));
    if (changed.length === 0) return;
    this.pool.log(`slot ${this.index}: imports were rebuilt (${changed.map((f) => path.basename(f)).join(', ')}); reopening the document`);
    const sources = [...new Set(changed.map(sourceUriOf).filter((u): u is string => u !== undefined))];
    await server.leanFilesChanged(sources);
    await server.close(this.uri);
    this.markClosed();
    this.pool.staleReopens++;
  }

  /**
   * Checks one document text (prefix + candidate + `#print axioms`) within `timeoutMs`. `base`
   * is the text the slot falls back to when a check must be cancelled (the prefix alone).
   */
  async check(text: string, base: string, timeoutMs: number, signal?: AbortSignal): Promise<SlotCheck> {
    const started = Date.now();
    try {
      return await this.checkOnce(text, base, timeoutMs, signal, started);
    } catch (err) {
      if (!(err instanceof SlotCrash)) throw err;
      this.pool.log(`slot ${this.index}: ${err.message}; recovering and retrying once`);
      await this.pool.recover(this, err.worker);
      try {
        return await this.checkOnce(text, base, timeoutMs, signal, started);
      } catch (again) {
        if (!(again instanceof SlotCrash)) throw again;
        await this.pool.recover(this, again.worker);
        return { kind: 'crashed', message: `Lean crashed twice on this candidate: ${again.message}`, elapsedMs: Date.now() - started };
      }
    }
  }

  private async checkOnce(text: string, base: string, timeoutMs: number, signal: AbortSignal | undefined, started: number): Promise<SlotCheck> {
    const server = await this.pool.ensureServer();
    try {
      await this.dropIfStale(server);
      if (this.text === undefined || importHeader(this.text) !== importHeader(text)) await this.open(server, base);
      const change = minimalChange(this.text!, text);
      if (change) {
        this.version += 1;
        this.held = undefined;
        await server.change(this.uri, this.version, [change]);
        this.text = text;
      }
      // Unchanged text: no new version (servers ignore empty changes); the barrier of the current
      // version answers at once and its diagnostics are still held.
    } catch (err) {
      if (err instanceof ServerExitedError) throw new SlotCrash(err.message, false);
      throw err;
    }
    const version = this.version;
    // The limit covers the candidate only: opening the slot (imports) has its own limit.
    const outcome = await this.waitFor(server, version, timeoutMs, signal);
    if (outcome.kind === 'done') {
      const diagnostics = this.heldFor(version);
      return { kind: 'checked', version, diagnostics, elapsedMs: Date.now() - started };
    }
    if (outcome.kind === 'crashed') throw new SlotCrash(outcome.message, outcome.worker);
    const recovery = await this.cancel(base);
    if (outcome.kind === 'aborted') return { kind: 'cancelled', elapsedMs: Date.now() - started };
    return { kind: 'timeout', version, elapsedMs: Date.now() - started, recovery };
  }

  /**
   * Checks `text` once more in a fresh document: the slot is closed and opened with the whole text,
   * so a new worker elaborates it from the first line with nothing reused from earlier versions.
   * The limit is the candidate's plus the time an open takes here (measured).
   */
  async recheck(text: string, base: string, timeoutMs: number, signal?: AbortSignal): Promise<SlotCheck> {
    const started = Date.now();
    let server: LeanServer;
    let outcome: Outcome;
    try {
      server = await this.pool.ensureServer();
      outcome = await this.openFor(server, text, timeoutMs + this.pool.reopenLimitMs(), signal);
    } catch (err) {
      if (err instanceof ServerExitedError) return { kind: 'crashed', message: err.message, elapsedMs: Date.now() - started };
      throw err;
    }
    const version = this.version;
    if (outcome.kind === 'done') return { kind: 'checked', version, diagnostics: this.heldFor(version), elapsedMs: Date.now() - started };
    if (outcome.kind === 'crashed') {
      await this.pool.recover(this, outcome.worker);
      return { kind: 'crashed', message: outcome.message, elapsedMs: Date.now() - started };
    }
    const recovery = await this.cancel(base);
    if (outcome.kind === 'aborted') return { kind: 'cancelled', elapsedMs: Date.now() - started };
    return { kind: 'timeout', version, elapsedMs: Date.now() - started, recovery };
  }

  /**
   * Stops a runaway check. A compiled loop does not look at Lean's cancellation, so a newer version
   * alone can leave its worker busy: where this slot's worker is known, its process tree is killed
   * and the document reopened in a fresh worker (only this slot pays; the server and the other slots
   * stay). Else: the next version, then a reopen, then a restart of the whole server.
   */
  private async cancel(base: string): Promise<Recovery> {
    const grace = this.pool.recoveryGraceMs;
    const server = this.pool.current;
    if (server && !server.exited) {
      const worker = this.pool.workerOf(this, server);
      if (worker !== undefined) {
        this.pool.log(`slot ${this.index}: killing its Lean worker (pid ${worker}) and what it started; reopening the document`);
        const stopped = await killTreeAndWait(worker, grace);
        this.pool.workersKilled++;
        if (stopped && (await this.reopenAfterKill(server, base))) return 'worker-killed';
      } else {
        try {
          const change = this.text === undefined ? undefined : minimalChange(this.text, base);
          if (change) {
            this.version += 1;
            this.held = undefined;
            await server.change(this.uri, this.version, [change]);
            this.text = base;
            if ((await this.waitFor(server, this.version, grace)).kind === 'done') return 'next-version';
          }
          this.pool.log(`slot ${this.index}: the next version did not cancel the check; reopening the document`);
          if ((await this.openFor(server, base, this.pool.reopenLimitMs())).kind === 'done') return 'reopened';
        } catch {
          // fall through to the restart
        }
      }
    }
    this.pool.log(`slot ${this.index}: the document could not be reopened; restarting the Lean server`);
    await this.pool.restart();
    return 'restarted';
  }

  /**
   * Reopens the document after its worker was killed. The server may still answer a request of
   * the new document with the old worker's crash (-32902) if it notices that crash late: the barrier
   * is asked once more then.
   */
  private async reopenAfterKill(server: LeanServer, base: string): Promise<boolean> {
    try {
      const limit = this.pool.reopenLimitMs();
      let outcome = await this.openFor(server, base, limit);
      if (outcome.kind === 'crashed' && outcome.worker) {
        outcome = await this.waitFor(server, this.version, limit);
        if (outcome.kind === 'done') this.workerPid = this.pool.workerOf(this, server);
      }
      return outcome.kind === 'done';
    } catch {
      return false;
    }
  }

  /** `$/lean/plainGoal` at a document position of the version last checked; undefined if none. */
  async goal(position: P.Position, timeoutMs = 3000): Promise<string | undefined> {
    const result = await this.plainGoal(position, timeoutMs);
    return result && result.goals.length > 0 ? result.goals.join('\n\n') : undefined;
  }

  /** Lean's document symbols for the version last checked; null when Lean did not answer in time. */
  async documentSymbols(timeoutMs = 10_000): Promise<P.DocumentSymbol[] | null> {
    return this.ask((server) => server.documentSymbol(this.uri), timeoutMs);
  }

  async plainGoal(position: P.Position, timeoutMs = 3000): Promise<P.PlainGoal | null> {
    return this.ask((server) => server.plainGoal(this.uri, position), timeoutMs);
  }

  /** `$/lean/plainTermGoal`: the expected type of the term at a position (where `plainGoal` is null: term proofs). */
  async plainTermGoal(position: P.Position, timeoutMs = 3000): Promise<P.PlainTermGoal | null> {
    return this.ask((server) => server.plainTermGoal(this.uri, position), timeoutMs);
  }

  private async ask<R>(send: (server: LeanServer) => { promise: Promise<R | null>; cancel: () => void }, timeoutMs: number): Promise<R | null> {
    const server = this.pool.current;
    if (!server || server.exited || this.text === undefined) return null;
    const req = send(server);
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    try {
      return await Promise.race([req.promise, new Promise<null>((r) => (timer = setTimeout(() => ((gaveUp = true), r(null)), timeoutMs)))]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      if (gaveUp) req.cancel();
    }
  }
}

class SlotCrash extends Error {
  constructor(
    message: string,
    readonly worker: boolean,
  ) {
    super(message);
  }
}

/** K scratch slots over one Lean server, handed out one candidate at a time. */
export class SlotPool {
  private server: LeanServer | undefined;
  private starting: Promise<LeanServer> | undefined;
  private readonly slots: ScratchSlot[] = [];
  private readonly free: ScratchSlot[] = [];
  private readonly waiters: ((slot: ScratchSlot) => void)[] = [];
  private disposed = false;
  serverStarts = 0;
  staleIgnored = 0;
  peakRssBytes = 0;
  /** Runaway workers killed (one slot each), slots reopened for rebuilt imports, the longest open, ms. */
  workersKilled = 0;
  staleReopens = 0;
  longestOpenMs = 0;
  /** `lake-manifest.json` and `lean-toolchain` when the current server started. */
  private projectStamp: string | undefined;
  readonly openTimeoutMs: number;
  readonly recoveryGraceMs: number;
  readonly log: (message: string) => void;

  constructor(private readonly options: SlotPoolOptions) {
    this.openTimeoutMs = options.openTimeoutMs ?? 600_000;
    this.recoveryGraceMs = options.recoveryGraceMs ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  get size(): number {
    return Math.max(1, this.options.size);
  }

  get current(): LeanServer | undefined {
    return this.server;
  }

  get projectRoot(): string {
    return this.options.server.projectRoot;
  }

  /** Records how long an open took (imports plus earlier declarations). */
  noteOpen(ms: number): void {
    if (ms > this.longestOpenMs) this.longestOpenMs = ms;
  }

  /**
   * The limit for reopening a document during recovery: the recovery grace, or three times the
   * longest open measured here when that is longer (a Mathlib worker takes seconds to load its
   * imports), never more than the open limit.
   */
  reopenLimitMs(): number {
    return Math.min(this.openTimeoutMs, Math.max(this.recoveryGraceMs, 3 * this.longestOpenMs));
  }

  /** The pid of `slot`'s Lean worker under `server`, or undefined when it cannot be told. */
  workerOf(slot: ScratchSlot, server: LeanServer): number | undefined {
    if (server.pid === undefined) return undefined;
    if (slot.workerPid !== undefined && isAlive(slot.workerPid)) return slot.workerPid;
    const claimed = new Set(this.slots.filter((s) => s !== slot && s.workerPid !== undefined).map((s) => s.workerPid!));
    return findFileWorker(server.pid, slot.uri, claimed);
  }

  uriFor(index: number): string {
    return pathToFileURL(path.join(this.options.server.projectRoot, SCRATCH_DIR, `Scratch${index + 1}.lean`)).href;
  }

  async ensureServer(): Promise<LeanServer> {
    if (this.disposed) throw new Error('the Lean verifier was disposed');
    if (this.server && !this.server.exited && this.projectStamp !== projectFingerprint(this.projectRoot)) {
      this.log('lake-manifest.json or lean-toolchain changed; restarting the Lean server');
      await this.restart();
    }
    if (this.server && !this.server.exited) return this.server;
    if (!this.starting) {
      this.starting = (async () => {
        for (const s of this.slots) s.markClosed();
        this.projectStamp = projectFingerprint(this.projectRoot);
        const server = await LeanServer.start({ ...this.options.server, log: this.options.log });
        this.serverStarts++;
        server.onDiagnostics((p) => this.slots.find((s) => s.uri === p.uri)?.accept(p));
        server.whenExited().then(() => {
          // Only the current server's exit closes the slots; an old one's may come after a restart.
          if (this.server !== server) return;
          this.server = undefined;
          for (const s of this.slots) s.markClosed();
        });
        this.server = server;
        return server;
      })().finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  /** Records the server's resident memory, for benchmarks. */
  sampleRss(): number | undefined {
    const rss = this.server?.rssBytes();
    if (rss !== undefined && rss > this.peakRssBytes) this.peakRssBytes = rss;
    return rss;
  }

  /** Kills the server and its workers (all slots are reopened on their next check). */
  async restart(): Promise<void> {
    const old = this.server;
    this.server = undefined;
    for (const s of this.slots) s.markClosed();
    if (old) {
      old.kill();
      await Promise.race([old.whenExited(), new Promise((r) => setTimeout(r, 5000).unref())]);
    }
  }

  /** After a crash: a dead server is restarted on the next check; a dead worker gets its document reopened. */
  async recover(slot: ScratchSlot, workerOnly: boolean): Promise<void> {
    const server = this.server;
    if (!server || server.exited) {
      this.server = undefined;
      for (const s of this.slots) s.markClosed();
      return;
    }
    if (workerOnly && slot.text !== undefined) {
      try {
        await server.close(slot.uri);
      } catch {
        // the next check reopens it anyway
      }
    }
    slot.markClosed();
  }

  /** Throws ActionableError when the diagnostics of a freshly opened slot show that the imports cannot be loaded. */
  checkHeader(diagnostics: P.LeanDiagnostic[], text: string): void {
    const outOfDate = diagnostics.find((d) => P.IMPORTS_OUT_OF_DATE.test(d.message));
    if (outOfDate) {
      throw new ActionableError(
        `Lean reports that the imports are out of date: run \`lake build\` in ${this.options.server.projectRoot}, then try again (${outOfDate.message.split('\n')[0]})`,
        'lean-imports-out-of-date',
      );
    }
    const headerLines = importHeader(text).split('\n').length;
    const headerError = diagnostics.find((d) => d.severity === P.DiagnosticSeverity.Error && (d.fullRange ?? d.range).start.line < headerLines && importHeader(text) !== '');
    if (headerError) {
      throw new ActionableError(
        `Lean cannot load this file's imports: ${headerError.message.split('\n')[0]}. Build the project (\`lake build\` in ${this.options.server.projectRoot}) and check its lakefile`,
        'lean-imports',
      );
    }
  }

  async acquire(): Promise<ScratchSlot> {
    const slot = this.free.pop();
    if (slot) return slot;
    if (this.slots.length < this.size) {
      const created = new ScratchSlot(this, this.slots.length, this.uriFor(this.slots.length));
      this.slots.push(created);
      return created;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(slot: ScratchSlot): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(slot);
    else this.free.push(slot);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const server = this.server;
    this.server = undefined;
    if (server) await server.stop();
  }
}
