// The JSON report of a `prove` run, its totals, the exit code they imply, and the human summary.
import type { OProverConfig } from '../config';
import { runBounded } from '../core/bounded';
import { ExitCode, type ExitCodeValue } from './exit-codes';

/**
 * proved: Lean accepted a proof. failed: the whole budget ran without one. blocked: a prerequisite
 * (Lean, a checker, an endpoint) is missing, so it was not attempted fully. error: the checker or
 * endpoint failed. cancelled: interrupted. skipped: not a proof target.
 */
export type ItemStatus = 'proved' | 'failed' | 'blocked' | 'error' | 'cancelled' | 'skipped';

export interface ReportItem {
  file: string;
  line: number;
  declaration: string;
  status: ItemStatus;
  rounds: number;
  timeMs: number;
  tokens: { prompt: number; completion: number };
  /** The verified proof body (`:= by ...`). */
  proof?: string;
  /** How the proof was found: `tactic omega`, `replay of ...`, `round 2, sample 3`. */
  origin?: string;
  reason: string;
  /** Sorries in the declaration (all closed by one proof). */
  sorries: number;
  /** Taken from the state file of an earlier run instead of proved again. */
  resumed: boolean;
  /** Retrieved proofs and pre-pass candidates prepared for this target (local work without Lean). */
  retrieved?: { name?: string; score: number; source?: string }[];
  prepassCandidates?: number;
  inserted?: boolean;
  insertSkipped?: string;
  /** The proof-state search of round 0, when it ran: its outcome, Lean probes, nodes and time. */
  search?: { status: string; probes: number; nodes: number; timeMs: number };
}

export interface Missing {
  what: 'lean' | 'checker' | 'endpoint';
  message: string;
}

export interface Totals {
  sorries: number;
  targets: number;
  proved: number;
  failed: number;
  blocked: number;
  error: number;
  cancelled: number;
  skipped: number;
  resumed: number;
  inserted: number;
  promptTokens: number;
  completionTokens: number;
}

export interface ProveReport {
  tool: 'oprover';
  command: 'prove';
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
  root: string;
  files: number;
  settings: { verifier: string; endpoints: string[]; rounds: number; samplesPerRound: number; retrievalK: number; concurrency: number; bank?: string; bankProofs?: number };
  missing: Missing[];
  interrupted: boolean;
  totals: Totals;
  exitCode: ExitCodeValue;
  items: ReportItem[];
}

export function totalsOf(items: readonly ReportItem[]): Totals {
  const t: Totals = { sorries: 0, targets: 0, proved: 0, failed: 0, blocked: 0, error: 0, cancelled: 0, skipped: 0, resumed: 0, inserted: 0, promptTokens: 0, completionTokens: 0 };
  for (const i of items) {
    t.sorries += i.sorries;
    if (i.status !== 'skipped') t.targets++;
    t[i.status]++;
    if (i.resumed) t.resumed++;
    if (i.inserted) t.inserted++;
    t.promptTokens += i.tokens.prompt;
    t.completionTokens += i.tokens.completion;
  }
  return t;
}

/** Interrupted first, then setup problems (fix them before anything else), then failures. */
export function exitCodeFor(totals: Totals, interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.Interrupted;
  if (totals.blocked > 0) return ExitCode.SetupIncomplete;
  if (totals.error > 0) return ExitCode.Infrastructure;
  if (totals.failed > 0 || totals.cancelled > 0) return ExitCode.Unproved;
  return ExitCode.Ok;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The closing text of a run: one line per target, totals, what is missing and how to fix it. */
export function summaryText(report: ProveReport, reportPath?: string): string {
  const out: string[] = [];
  const t = report.totals;
  for (const i of report.items) {
    const where = `${i.file}:${i.line}`;
    const label = i.declaration ? ` ${i.declaration}` : '';
    const extra = i.status === 'proved' ? ` — ${i.origin ?? 'proved'}${i.resumed ? ' (earlier run)' : ''}${i.inserted ? ', inserted' : i.insertSkipped ? `, not inserted: ${i.insertSkipped}` : ''}` : ` — ${i.reason}`;
    const search = i.search ? ` [search: ${i.search.probes} probes, ${i.search.nodes} nodes, ${seconds(i.search.timeMs)}]` : '';
    out.push(`  ${i.status.padEnd(9)} ${where}${label}${extra}${search}`);
    if (i.status === 'blocked' && i.retrieved && i.retrieved.length > 0) {
      out.push(`            retrieved ${i.retrieved.length} proof${i.retrieved.length === 1 ? '' : 's'} to replay: ${i.retrieved.map((r) => `${r.name ?? '?'} (${r.score.toFixed(2)})`).join(', ')}`);
    }
  }
  out.push('');
  const parts = [`${t.proved} proved`, `${t.failed} failed`];
  if (t.blocked) parts.push(`${t.blocked} blocked`);
  if (t.error) parts.push(`${t.error} errors`);
  if (t.cancelled) parts.push(`${t.cancelled} cancelled`);
  if (t.skipped) parts.push(`${t.skipped} skipped`);
  out.push(
    `${t.targets} target${t.targets === 1 ? '' : 's'} (${t.sorries} sorr${t.sorries === 1 ? 'y' : 'ies'}) in ${report.files} file${report.files === 1 ? '' : 's'}: ${parts.join(', ')}` +
      `${t.resumed ? `; ${t.resumed} from an earlier run` : ''}${t.inserted ? `; ${t.inserted} inserted` : ''} — ${seconds(report.elapsedMs)}` +
      `${t.completionTokens ? `, ${t.promptTokens + t.completionTokens} tokens` : ''}`,
  );
  if (report.missing.length > 0) {
    out.push('');
    out.push(t.blocked > 0 ? 'Setup incomplete — what ran locally is above; to go further:' : 'Not needed this time, but not set up:');
    for (const m of report.missing) out.push(`  - ${m.message}`);
  }
  if (report.interrupted) out.push('Interrupted: finished sorries are saved; run the same command again to continue.');
  if (reportPath) out.push(`Report: ${reportPath}`);
  out.push(`exit ${report.exitCode}`);
  return out.join('\n');
}

/** The fields every run's report opens with (`prove` and `optimize` alike). */
export function reportHeader<C extends string>(command: C, run: { started: number; root: string; files: number; config: OProverConfig; verifier: string }) {
  return {
    tool: 'oprover' as const,
    command,
    startedAt: new Date(run.started).toISOString(),
    finishedAt: new Date().toISOString(),
    elapsedMs: Date.now() - run.started,
    root: run.root,
    files: run.files,
    settings: reportSettings(run.config, run.verifier),
  };
}

/** The settings a run's report records (the same for `prove` and `optimize`). */
export function reportSettings(config: OProverConfig, verifier: string): { verifier: string; endpoints: string[]; rounds: number; samplesPerRound: number; retrievalK: number; concurrency: number } {
  return {
    verifier,
    endpoints: config.endpoints.map((e) => `${e.baseUrl}${e.model ? ` (${e.model})` : ''}`),
    rounds: config.rounds,
    samplesPerRound: config.samplesPerRound,
    retrievalK: config.retrievalK,
    concurrency: config.batchConcurrency,
  };
}

/** What a job that threw comes to: cancelled when the run was stopped, else an error with its message. */
export function thrownOutcome(err: unknown, signal: AbortSignal): { status: 'cancelled' | 'error'; reason: string } {
  if (signal.aborted) return { status: 'cancelled', reason: 'cancelled' };
  return { status: 'error', reason: err instanceof Error ? err.message : String(err) };
}

/**
 * A batch's pending jobs through the bounded pool, each job's item stored in `items` and handed to
 * `finished` as it ends (a job that throws gets `thrownOutcome`); when the run is interrupted, every
 * job that never started gets a cancelled item.
 */
export async function runJobs<J extends { key: string }, I>(
  pending: readonly J[],
  options: {
    limit: number;
    signal: AbortSignal;
    items: Map<string, I>;
    run: (job: J) => Promise<I>;
    /** The job's item with this outcome (a thrown job, or one that never started). */
    outcome: (job: J, outcome: { status: 'cancelled' | 'error'; reason: string }) => I;
    finished: (job: J, item: I) => void;
  },
): Promise<void> {
  const { signal, items } = options;
  const started = new Set<string>();
  await runBounded(
    pending,
    options.limit,
    async (job) => {
      started.add(job.key);
      let item: I;
      try {
        item = await options.run(job);
      } catch (err) {
        item = options.outcome(job, thrownOutcome(err, signal));
      }
      items.set(job.key, item);
      options.finished(job, item);
    },
    signal,
  );
  for (const job of pending) if (!started.has(job.key)) items.set(job.key, options.outcome(job, { status: 'cancelled', reason: 'interrupted before it started' }));
}
