// The Verifier port on a local Lean: candidates of one round are spread over K warm scratch slots
// of our own headless Lean server, checked in parallel, and judged by the acceptance gate
// (src/core/gate.ts), the one place that decides "proved".
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { OProverConfig } from '../config';
import { buildCheckDocument, judge, precheck } from '../core/gate';
import { ActionableError, type Candidate, type Position, type Verdict, type Verifier, type VerifyRequest } from '../core/types';
import { DiagnosticSeverity, LeanTag, plainGoalOfTermGoal, type LeanDiagnostic, type PlainGoal } from './protocol';
import { lakeOptionArgs, readLakeOptions } from './lake-options';
import { resolveServerCommand, type Sandbox, type ServerCommand } from './server';
import { SlotPool, type ScratchSlot } from './slots';

export interface LeanVerifierOptions {
  /** Lake project root (or the file's folder); the server runs there. A target with another root gets its own server. */
  projectRoot: string;
  /** Uses verifierSlots, leanPath, lakePath, allowNativeDecide, maxFeedbackErrors. */
  config: OProverConfig;
  log?: (message: string) => void;
  /** Replaces the Lean command entirely (the scripted server in tests). */
  serverCommand?: ServerCommand;
  /** Extra server arguments (`-D` options) after `-Dserver.reportDelayMs=0`. */
  serverArgs?: string[];
  /** `no-network`: run Lean under bubblewrap without network (Linux with `bwrap`). */
  sandbox?: Sandbox;
  /** Environment the server's minimal environment is taken from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Limit for opening a slot: imports plus the file's earlier declarations (default 10 min). */
  openTimeoutMs?: number;
  /** Each cancellation step's limit before the next is tried (default 10 s; a reopen gets at least 3× the longest open measured). */
  recoveryGraceMs?: number;
  /** Re-check every proof the gate accepts in a fresh document before reporting it (default true). */
  recheckWinners?: boolean;
  /** Lean workers to leave memory for beside ours (default 1: the editor's own worker for the file). */
  reservedWorkers?: number;
}

/** Bytes a Lean worker that imports Mathlib takes (about 5 GB measured by others): the default K divides free memory by it. */
export const WORKER_BYTES = 5 * 1024 ** 3;

/**
 * K from settings, else from free memory: one slot per 5 GiB left after `reservedWorkers` workers
 * of the editor's own (vscode-lean4 opens one per Lean file shown), between 1 and min(4, cores).
 */
export function slotCount(config: Pick<OProverConfig, 'verifierSlots'>, freeBytes = os.freemem(), cores = os.cpus().length, reservedWorkers = 1): number {
  if (config.verifierSlots > 0) return config.verifierSlots;
  return Math.max(1, Math.min(4, cores, Math.floor(freeBytes / WORKER_BYTES) - reservedWorkers));
}

export interface VerifierStats {
  serverStarts: number;
  staleDiagnosticsIgnored: number;
  peakRssBytes: number;
  slots: number;
  /** Runaway workers killed at a time limit, slots reopened because imports were rebuilt. */
  workersKilled: number;
  staleReopens: number;
  /** The longest open of a scratch document (imports plus earlier declarations), ms. */
  longestOpenMs: number;
  /** Winners re-checked in a fresh document, and how many of those the fresh check refused. */
  rechecks: number;
  recheckDisagreements: number;
}

export class LeanVerifier implements Verifier {
  private readonly pools = new Map<string, SlotPool>();
  private readonly log: (message: string) => void;
  private rechecks = 0;
  private recheckDisagreements = 0;

  constructor(private readonly options: LeanVerifierOptions) {
    this.log = options.log ?? (() => undefined);
  }

  get description(): string {
    const r = this.resolve(this.options.projectRoot);
    return r.ok ? `Lean (${r.description})` : 'Lean (not found)';
  }

  private resolve(projectRoot: string) {
    const c = this.options.config;
    return resolveServerCommand({ projectRoot, leanPath: c.leanPath, lakePath: c.lakePath, command: this.options.serverCommand, extraArgs: this.options.serverArgs, env: this.options.env });
  }

  async availability(): Promise<{ ok: true; description: string } | { ok: false; reason: string }> {
    const r = this.resolve(this.options.projectRoot);
    return r.ok ? { ok: true, description: `Lean server: ${r.description}` } : { ok: false, reason: r.reason };
  }

  /**
   * The pool for a file of a project: its server gets the Lake options the file's build gets
   * (package and library `leanOptions`) as `-D` arguments, so files with other options get another
   * server. Without a file, the first pool of the project (else the package's options).
   */
  private poolFor(projectRoot: string, file?: string): SlotPool {
    if (file === undefined) {
      const existing = [...this.pools.entries()].find(([key]) => key.split('\0')[0] === projectRoot);
      if (existing) return existing[1];
    }
    const lake = readLakeOptions(projectRoot, file?.startsWith('file:') ? fileURLToPath(file) : file);
    for (const note of lake.notes) this.log(`Lake options: ${note}`);
    const lakeArgs = lakeOptionArgs(lake.options);
    const key = [projectRoot, ...lakeArgs].join('\0');
    let pool = this.pools.get(key);
    if (!pool) {
      const c = this.options.config;
      if (lakeArgs.length > 0) this.log(`Lean options from ${lake.lakefile}${lake.library ? ` (library ${lake.library})` : ''}: ${lakeArgs.join(' ')}`);
      pool = new SlotPool({
        server: {
          projectRoot,
          leanPath: c.leanPath,
          lakePath: c.lakePath,
          command: this.options.serverCommand,
          extraArgs: [...lakeArgs, ...(this.options.serverArgs ?? [])],
          sandbox: this.options.sandbox ?? c.leanSandbox,
          env: this.options.env,
        },
        size: slotCount(c, undefined, undefined, this.options.reservedWorkers),
        openTimeoutMs: this.options.openTimeoutMs,
        recoveryGraceMs: this.options.recoveryGraceMs,
        log: this.log,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  async verify(request: VerifyRequest, signal?: AbortSignal): Promise<Map<string, Verdict>> {
    const { target } = request;
    const config = this.options.config;
    const out = new Map<string, Verdict>();
    const queue: Candidate[] = [];
    for (const candidate of request.candidates) {
      const early = precheck(target, candidate, { allowNativeDecide: config.allowNativeDecide });
      if (early) out.set(candidate.id, early);
      else queue.push(candidate);
    }
    if (queue.length === 0) return out;
    const resolved = this.resolve(target.projectRoot);
    if (!resolved.ok) throw new ActionableError(resolved.reason, 'lean-not-found');
    const pool = this.poolFor(target.projectRoot, target.file);
    let fatal: unknown;
    const worker = async (): Promise<void> => {
      for (;;) {
        const candidate = queue.shift();
        if (!candidate) return;
        if (fatal !== undefined || signal?.aborted) {
          out.set(candidate.id, { kind: 'cancelled', reason: 'cancelled before Lean checked it', messages: [], feedback: '', elapsedMs: 0 });
          continue;
        }
        const slot = await pool.acquire();
        try {
          out.set(candidate.id, await this.checkOne(slot, pool, request, candidate, signal));
        } catch (err) {
          fatal ??= err;
          out.set(candidate.id, { kind: 'infra-error', reason: err instanceof Error ? err.message : String(err), messages: [], feedback: '', elapsedMs: 0 });
        } finally {
          pool.release(slot);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(pool.size, queue.length) }, worker));
    if (fatal instanceof ActionableError) throw fatal;
    if (fatal !== undefined && ![...out.values()].some((v) => v.kind !== 'infra-error' && v.kind !== 'cancelled')) {
      throw new ActionableError(`the Lean verifier failed: ${fatal instanceof Error ? fatal.message : String(fatal)}`, 'lean-failed');
    }
    return out;
  }

  private async checkOne(slot: ScratchSlot, pool: SlotPool, request: VerifyRequest, candidate: Candidate, signal?: AbortSignal): Promise<Verdict> {
    const { target } = request;
    const config = this.options.config;
    const doc = buildCheckDocument(target, candidate);
    const result = await slot.check(doc.text, doc.prefix, request.timeoutMs, signal);
    pool.sampleRss();
    const seconds = Math.round(request.timeoutMs / 1000);
    switch (result.kind) {
      case 'cancelled':
        return { kind: 'cancelled', reason: 'cancelled while Lean was checking it', messages: [], feedback: '', elapsedMs: result.elapsedMs };
      case 'crashed':
        return { kind: 'infra-error', reason: result.message, messages: [], feedback: '', elapsedMs: result.elapsedMs };
      case 'timeout': {
        const reason = `Lean did not finish checking this proof within ${seconds} s (the check was stopped: ${result.recovery})`;
        return { kind: 'timeout', reason, messages: [], feedback: `Lean did not finish checking this proof within ${seconds} s; it is too slow (or loops). Prefer a more direct proof.`, elapsedMs: result.elapsedMs };
      }
      case 'checked': {
        const goals = result.diagnostics ? await this.goalsAtErrors(slot, result.diagnostics, doc.candidateLine, config.maxFeedbackErrors) : undefined;
        // How Lean split the document into commands: the gate accepts only a candidate Lean read as one declaration.
        const symbols = result.diagnostics ? await slot.documentSymbols() : null;
        const verdict = judge({
          symbols,
          target,
          candidate,
          document: doc,
          version: result.version,
          diagnostics: result.diagnostics,
          goals,
          allowNativeDecide: config.allowNativeDecide,
          maxFeedbackErrors: config.maxFeedbackErrors,
          elapsedMs: result.elapsedMs,
        });
        if (verdict.kind !== 'proved' || this.options.recheckWinners === false) return verdict;
        return this.confirmInFreshDocument(slot, request, candidate, verdict, signal);
      }
    }
  }

  /**
   * The winner's second check. Lean's incremental reuse inside an edited document has had bugs that
   * hid errors, so a proof the gate accepted is checked once more in a fresh document (a new worker
   * elaborating the whole text from the first line) and judged again by the same gate; it is
   * reported proved only when both checks agree.
   */
  private async confirmInFreshDocument(slot: ScratchSlot, request: VerifyRequest, candidate: Candidate, first: Verdict, signal?: AbortSignal): Promise<Verdict> {
    const { target } = request;
    const config = this.options.config;
    const doc = buildCheckDocument(target, candidate);
    this.rechecks++;
    const fresh = await slot.recheck(doc.text, doc.prefix, request.timeoutMs, signal);
    const elapsedMs = first.elapsedMs + fresh.elapsedMs;
    const refuse = (kind: Verdict['kind'], why: string, extra: Partial<Verdict> = {}): Verdict => {
      this.recheckDisagreements++;
      this.log(`a proof accepted in the warm document was refused by the fresh re-check: ${why}`);
      return { kind, reason: `accepted in the warm document, but the fresh re-check did not agree: ${why}`, messages: [], feedback: '', ...extra, elapsedMs };
    };
    switch (fresh.kind) {
      case 'cancelled':
        return { kind: 'cancelled', reason: 'cancelled while Lean re-checked it in a fresh document', messages: [], feedback: '', elapsedMs };
      case 'crashed':
        return refuse('infra-error', fresh.message);
      case 'timeout':
        return refuse('timeout', `it did not finish (stopped: ${fresh.recovery})`);
      case 'checked': {
        const symbols = fresh.diagnostics ? await slot.documentSymbols() : null;
        const second = judge({
          symbols,
          target,
          candidate,
          document: doc,
          version: fresh.version,
          diagnostics: fresh.diagnostics,
          allowNativeDecide: config.allowNativeDecide,
          maxFeedbackErrors: config.maxFeedbackErrors,
          elapsedMs,
        });
        if (second.kind === 'proved') return { ...first, reason: `${first.reason}; confirmed in a fresh document`, elapsedMs };
        return refuse(second.kind, second.reason, { rule: second.rule, messages: second.messages, feedback: second.feedback, axioms: second.axioms });
      }
    }
  }

  /** The goal at each of the first errors of the candidate whose message does not already show it. */
  private async goalsAtErrors(slot: ScratchSlot, diagnostics: LeanDiagnostic[], fromLine: number, max: number): Promise<Map<number, string>> {
    const goals = new Map<number, string>();
    let asked = 0;
    for (let i = 0; i < diagnostics.length && asked < max; i++) {
      const d = diagnostics[i]!;
      const range = d.fullRange ?? d.range;
      if (d.severity !== DiagnosticSeverity.Error || range.start.line < fromLine) continue;
      if (d.leanTags?.includes(LeanTag.unsolvedGoals) || d.message.startsWith('unsolved goals')) continue;
      asked++;
      const goal = await slot.goal(range.start);
      if (goal !== undefined) goals.set(i, goal);
    }
    return goals;
  }

  /**
   * The goal at a position of a document (e.g. at a `sorry`), through our own server: the text is
   * opened in a scratch slot as it is, checked, and `$/lean/plainGoal` is asked there; where Lean has
   * no tactic goal (a term proof such as `:= sorry` or `fun n => sorry`), `$/lean/plainTermGoal`.
   * With `termFirst` (a hole that stands for a term inside a tactic, `exact ⟨h, sorry⟩`), the term's
   * expected type is asked first: the tactic goal there is the enclosing tactic's.
   */
  async goalAt(projectRoot: string, text: string, position: Position, file?: string, timeoutMs = 60_000, termFirst = false): Promise<PlainGoal | null> {
    const pool = this.poolFor(projectRoot, file);
    const slot = await pool.acquire();
    try {
      const result = await slot.check(text, text, timeoutMs);
      if (result.kind !== 'checked') return null;
      if (termFirst) {
        const term = await slot.plainTermGoal(position, 5000);
        if (term) return plainGoalOfTermGoal(term);
      }
      const goal = await slot.plainGoal(position, 5000);
      if (goal) return goal;
      const term = await slot.plainTermGoal(position, 5000);
      return term ? plainGoalOfTermGoal(term) : null;
    } finally {
      pool.release(slot);
    }
  }

  /** Runs `fn` on one warm scratch slot of the project's server (the proof-state search's probes). */
  async withSlot<T>(projectRoot: string, fn: (slot: ScratchSlot) => Promise<T>): Promise<T> {
    const resolved = this.resolve(projectRoot);
    if (!resolved.ok) throw new ActionableError(resolved.reason, 'lean-not-found');
    const pool = this.poolFor(projectRoot);
    const slot = await pool.acquire();
    try {
      return await fn(slot);
    } finally {
      pool.release(slot);
    }
  }

  /**
   * The goals at several positions of one document (Chain-of-States): the text is checked once in a
   * scratch slot, then `$/lean/plainGoal` is asked at each position; undefined where Lean gave none.
   */
  async goalsAt(projectRoot: string, text: string, positions: Position[], timeoutMs = 60_000): Promise<(PlainGoal | undefined)[]> {
    return this.withSlot(projectRoot, async (slot) => {
      const result = await slot.check(text, text, timeoutMs);
      if (result.kind !== 'checked') return positions.map(() => undefined);
      const out: (PlainGoal | undefined)[] = [];
      for (const position of positions) out.push((await slot.plainGoal(position, 5000)) ?? undefined);
      return out;
    });
  }

  /** Scratch slots the project's server has (probes that can run at once). */
  slotsFor(projectRoot: string): number {
    return this.poolFor(projectRoot).size;
  }

  stats(): VerifierStats {
    let serverStarts = 0;
    let staleDiagnosticsIgnored = 0;
    let peakRssBytes = 0;
    let slots = 0;
    let workersKilled = 0;
    let staleReopens = 0;
    let longestOpenMs = 0;
    for (const p of this.pools.values()) {
      p.sampleRss();
      serverStarts += p.serverStarts;
      staleDiagnosticsIgnored += p.staleIgnored;
      peakRssBytes = Math.max(peakRssBytes, p.peakRssBytes);
      slots = Math.max(slots, p.size);
      workersKilled += p.workersKilled;
      staleReopens += p.staleReopens;
      longestOpenMs = Math.max(longestOpenMs, p.longestOpenMs);
    }
    return { serverStarts, staleDiagnosticsIgnored, peakRssBytes, slots, workersKilled, staleReopens, longestOpenMs, rechecks: this.rechecks, recheckDisagreements: this.recheckDisagreements };
  }

  async dispose(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.dispose()));
  }
}
