// `oprover optimize`: every complete proof (theorem, lemma, example without `sorry`) under the given
// paths, rewritten by the optimization loop to improve a metric; a rewrite counts only when Lean
// verified it through the gate and the metric strictly improved. Resumable through the state file,
// reported as JSON, optionally written back over unchanged declarations, and every verified
// improvement goes into the memory bank.
import fs from 'node:fs';
import type { OProverConfig } from '../config';
import { hashText } from '../core/extract';
import { completeDeclarations, declarationTarget, optimize, type OptimizeResult } from '../core/optimize/loop';
import { formatChange, getMetric, type Metric, type MetricId } from '../core/optimize/metrics';
import { screenBody } from '../core/screen';
import type { ProofTarget, VerifiedProof } from '../core/types';
import { ResumeKeys, StateStore, declarationLabel, keyPath, stateFilePath, type FinishedEntry } from '../state/resume';
import { collectInputs, walkLeanFiles } from './discover';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { insertProofs, type ProofEdit } from './insert';
import type { Progress } from './progress';
import type { ProveRunOptions, RunPorts } from './prove-run';
import { reportHeader, runJobs, type Missing } from './report';

/**
 * improved: a verified rewrite strictly better by the metric. unchanged: the proof verified, no
 * rewrite beat it. unverified: the current proof does not pass the gate, so it is not optimized.
 * blocked: no checker or no endpoint. error: the checker or endpoint failed. cancelled: interrupted.
 */
export type OptimizeStatus = 'improved' | 'unchanged' | 'unverified' | 'blocked' | 'error' | 'cancelled';

export interface OptimizeItem {
  file: string;
  line: number;
  declaration: string;
  status: OptimizeStatus;
  metric: MetricId;
  /** The metric of the proof in the file; null when it was not measured on a verified proof. */
  before: number | null;
  /** The metric of the best verified proof (the file's own when nothing improved). */
  after: number | null;
  /** Whether `after` belongs to a proof Lean accepted through the gate in this or an earlier run. */
  verified: boolean;
  /** "12 → 5 steps" when improved. */
  change?: string;
  /** The improved proof body (`:= by ...`). */
  proof?: string;
  rounds: number;
  timeMs: number;
  tokens: { prompt: number; completion: number };
  reason: string;
  resumed: boolean;
  inserted?: boolean;
  insertSkipped?: string;
  /** For the progress line. */
  origin?: string;
}

export interface OptimizeTotals {
  declarations: number;
  improved: number;
  unchanged: number;
  unverified: number;
  blocked: number;
  error: number;
  cancelled: number;
  resumed: number;
  inserted: number;
  /** Sum over improved declarations of |before − after|. */
  gain: number;
  promptTokens: number;
  completionTokens: number;
}

export interface OptimizeReport {
  tool: 'oprover';
  command: 'optimize';
  metric: MetricId;
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
  root: string;
  files: number;
  settings: { verifier: string; endpoints: string[]; rounds: number; samplesPerRound: number; retrievalK: number; concurrency: number };
  missing: Missing[];
  interrupted: boolean;
  totals: OptimizeTotals;
  exitCode: ExitCodeValue;
  items: OptimizeItem[];
}

/** What a `prove` run takes, with the metric and without search mode. */
export interface OptimizeRunOptions extends Omit<ProveRunOptions, 'searchOnly'> {
  metric: MetricId;
}

interface OptimizeJob {
  key: string;
  file: string;
  relFile: string;
  line: number;
  declarationName: string;
  target: ProofTarget;
}

/** The complete proofs of one file: theorem-like declarations with a `:=` body and no `sorry`. */
export function optimizeJobs(root: string, file: string, text: string, metric: MetricId): OptimizeJob[] {
  const relFile = keyPath(root, file);
  const keys = new ResumeKeys(relFile);
  const jobs: OptimizeJob[] = [];
  for (const d of completeDeclarations(text)) {
    const { key } = keys.next(d);
    // The key names the metric and the proof as it is: an edited proof is optimized again.
    jobs.push({
      key: `optimize:${metric}:${key}:${hashText(d.body.trim())}`,
      file,
      relFile,
      line: text.slice(0, d.start).split('\n').length,
      declarationName: declarationLabel(d),
      target: declarationTarget(file, root, text, 0, d),
    });
  }
  return jobs;
}

function baseItem(job: OptimizeJob, metric: MetricId): OptimizeItem {
  return { file: job.relFile, line: job.line, declaration: job.declarationName, status: 'blocked', metric, before: null, after: null, verified: false, rounds: 0, timeMs: 0, tokens: { prompt: 0, completion: 0 }, reason: '', resumed: false };
}

function fromResult(item: OptimizeItem, result: OptimizeResult, metric: Metric): OptimizeItem {
  const out: OptimizeItem = { ...item, rounds: result.rounds, timeMs: result.elapsedMs, tokens: { prompt: result.promptTokens, completion: result.completionTokens }, reason: result.reason };
  if (Number.isFinite(result.before)) {
    out.before = result.before;
    out.after = result.after;
    out.verified = true;
  }
  out.status = result.status;
  if (result.status === 'improved' && result.proof) {
    out.proof = result.proof.body;
    out.change = formatChange(metric, result.before, result.after);
    out.origin = out.change;
  }
  return out;
}

/** An item from the state file; the metric values are recomputed from the proofs (metrics are pure). */
function fromState(job: OptimizeJob, entry: FinishedEntry, metric: Metric): OptimizeItem {
  const before = metric.measure(job.target.declaration.body.trim());
  const item: OptimizeItem = { ...baseItem(job, metric.id), status: entry.status === 'proved' ? 'improved' : 'unchanged', before, after: before, verified: true, rounds: entry.rounds, timeMs: entry.elapsedMs, tokens: { prompt: entry.promptTokens, completion: entry.completionTokens }, reason: entry.reason, resumed: true };
  if (entry.status === 'proved' && entry.proof !== undefined) {
    item.proof = entry.proof;
    item.after = metric.measure(entry.proof);
    item.change = formatChange(metric, before, item.after);
    item.origin = item.change;
  }
  return item;
}

export function optimizeTotals(items: readonly OptimizeItem[]): OptimizeTotals {
  const t: OptimizeTotals = { declarations: items.length, improved: 0, unchanged: 0, unverified: 0, blocked: 0, error: 0, cancelled: 0, resumed: 0, inserted: 0, gain: 0, promptTokens: 0, completionTokens: 0 };
  for (const i of items) {
    t[i.status]++;
    if (i.resumed) t.resumed++;
    if (i.inserted) t.inserted++;
    if (i.status === 'improved' && i.before !== null && i.after !== null) t.gain += Math.abs(i.before - i.after);
    t.promptTokens += i.tokens.prompt;
    t.completionTokens += i.tokens.completion;
  }
  return t;
}

/** Interrupted first, then setup problems, then infrastructure failures, then proofs that do not verify. */
export function optimizeExitCode(t: OptimizeTotals, interrupted: boolean): ExitCodeValue {
  if (interrupted) return ExitCode.Interrupted;
  if (t.blocked > 0) return ExitCode.SetupIncomplete;
  if (t.error > 0) return ExitCode.Infrastructure;
  if (t.unverified > 0 || t.cancelled > 0) return ExitCode.Unproved;
  return ExitCode.Ok;
}

export async function runOptimize(options: OptimizeRunOptions): Promise<OptimizeReport> {
  const started = Date.now();
  const { config, signal } = options;
  const metric = getMetric(options.metric, config.optimizeCustomWeights);
  const inputs = collectInputs(options.paths);
  const root = inputs.root;
  const texts = new Map<string, string>();
  const jobs: OptimizeJob[] = [];
  for (const file of inputs.files) {
    const text = fs.readFileSync(file, 'utf8');
    texts.set(file, text);
    jobs.push(...optimizeJobs(root, file, text, metric.id));
  }

  const state = StateStore.open(options.statePath ?? stateFilePath(root));
  const progress = options.progress(jobs.length);
  if (state.warning) progress.log(`warning: ${state.warning}`);
  const itemByKey = new Map<string, OptimizeItem>();
  const pending: OptimizeJob[] = [];
  for (const job of jobs) {
    const entry = options.fresh ? undefined : state.get(job.key);
    if (entry && !(entry.status === 'failed' && options.retryFailed)) {
      const item = fromState(job, entry, metric);
      itemByKey.set(job.key, item);
      progress.finished(job.key, item);
    } else pending.push(job);
  }

  const ports = pending.length > 0 ? await options.ports(root, inputs.isLakeProject) : undefined;
  const missing = ports?.missing ?? [];
  let interrupted = false;
  try {
    if (ports && options.index && ports.indexProject) {
      try {
        progress.log(await ports.indexProject(root, inputs.isLakeProject ? walkLeanFiles(root) : inputs.files, signal));
      } catch (err) {
        progress.log(`warning: the memory bank could not be updated: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const runJob = async (job: OptimizeJob): Promise<OptimizeItem> => {
      const item = baseItem(job, metric.id);
      const label = `${job.relFile}:${job.line} ${job.declarationName}`;
      progress.started(job.key, label);
      if (!ports?.verifier) {
        item.before = metric.measure(job.target.declaration.body.trim());
        const what = missing.map((m) => (m.what === 'lean' ? 'no Lean toolchain' : m.what === 'checker' ? 'no checker' : 'no endpoint'));
        item.reason = `not checked: ${what.join(', ')} (the proof as written: ${metric.format(item.before)})`;
        return item;
      }
      const result = await optimize(job.target, config, { verifier: ports.verifier, model: ports.model, retriever: ports.retriever, states: ports.states }, {
        metric,
        signal,
        onEvent: (e) => {
          if (e.type === 'round-started') progress.activity(job.key, `${label}: ${e.kind === 'prepass' ? 'checking the current proof' : `round ${e.round}`}`);
        },
      });
      const out = fromResult(item, result, metric);
      if (result.status === 'unchanged' && !ports.model) {
        out.status = 'blocked';
        out.reason = `the current proof verifies (${metric.format(result.before)}); optimization rounds need an inference endpoint`;
      }
      if (out.status === 'improved' && result.proof && ports.retriever) {
        const proof: VerifiedProof = { statement: job.target.declaration.header, proof: result.proof.declarationText, source: { kind: 'accepted', file: job.relFile, line: job.line } };
        if (job.target.declaration.fullName) proof.name = job.target.declaration.fullName;
        await ports.retriever.remember(proof).catch(() => undefined);
      }
      if (out.status === 'improved' || out.status === 'unchanged') {
        const entry: FinishedEntry = { status: out.status === 'improved' ? 'proved' : 'failed', reason: out.reason, rounds: out.rounds, elapsedMs: out.timeMs, promptTokens: out.tokens.prompt, completionTokens: out.tokens.completion, finishedAt: new Date().toISOString() };
        if (out.proof !== undefined) entry.proof = out.proof;
        if (out.change !== undefined) entry.origin = out.change;
        // A run cut short keeps its best rewrite, but is not recorded as finished: a re-run goes on.
        if (!signal.aborted) state.record(job.key, entry);
      }
      return out;
    };
    await runJobs(pending, {
      limit: config.batchConcurrency,
      signal,
      items: itemByKey,
      run: runJob,
      outcome: (job, outcome) => ({ ...baseItem(job, metric.id), ...outcome }),
      finished: (job, item) => progress.finished(job.key, item),
    });
    interrupted = signal.aborted;
  } finally {
    progress.end();
    await ports?.dispose().catch(() => undefined);
  }

  if (options.insert) insertImproved(jobs, itemByKey, texts, config);

  const items = jobs.map((j) => itemByKey.get(j.key)!).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const totals = optimizeTotals(items);
  return {
    ...reportHeader('optimize', { started, root, files: inputs.files.length, config, verifier: ports?.verifierDescription ?? 'not needed (every declaration finished in an earlier run)' }),
    metric: metric.id,
    missing,
    interrupted,
    totals,
    exitCode: optimizeExitCode(totals, interrupted),
    items,
  };
}

/** Writes improved proofs over their declarations, only where the declaration is unchanged (cli/insert.ts). */
function insertImproved(jobs: OptimizeJob[], itemByKey: Map<string, OptimizeItem>, texts: Map<string, string>, config: OProverConfig): void {
  const byFile = new Map<string, ProofEdit[]>();
  for (const job of jobs) {
    const item = itemByKey.get(job.key);
    if (item?.status !== 'improved' || item.proof === undefined) continue;
    // A proof from the state file was verified by an earlier run; screen it again before it is written.
    const screened = item.resumed ? screenBody(item.proof, { allowNativeDecide: config.allowNativeDecide }) : { ok: true as const };
    if (!screened.ok) {
      item.inserted = false;
      item.insertSkipped = `the proof recorded in the state file is refused: ${screened.reason}`;
      continue;
    }
    const d = job.target.declaration;
    const edit: ProofEdit = { key: job.key, declStart: d.start, bodyStart: d.bodyStart, declEnd: d.end, originalDecl: job.target.text.slice(d.start, d.end), body: item.proof };
    byFile.set(job.file, [...(byFile.get(job.file) ?? []), edit]);
  }
  for (const [file, edits] of byFile) {
    const outcome = insertProofs(file, texts.get(file)!, edits);
    for (const key of outcome.applied) itemByKey.get(key)!.inserted = true;
    for (const s of outcome.skipped) {
      const item = itemByKey.get(s.key)!;
      item.inserted = false;
      item.insertSkipped = s.reason;
    }
  }
}

/** The closing text: one line per declaration, the totals, what is missing. */
export function optimizeSummary(report: OptimizeReport, reportPath?: string): string {
  const out: string[] = [];
  for (const i of report.items) {
    const extra = i.status === 'improved' ? ` — ${i.change}${i.resumed ? ' (earlier run)' : ''}${i.inserted ? ', inserted' : i.insertSkipped ? `, not inserted: ${i.insertSkipped}` : ''}` : ` — ${i.reason}`;
    out.push(`  ${i.status.padEnd(10)} ${i.file}:${i.line} ${i.declaration}${extra}`);
  }
  const t = report.totals;
  out.push('');
  const parts = [`${t.improved} improved`, `${t.unchanged} unchanged`];
  for (const k of ['unverified', 'blocked', 'error', 'cancelled'] as const) if (t[k]) parts.push(`${t[k]} ${k}`);
  out.push(`${t.declarations} complete proof${t.declarations === 1 ? '' : 's'} in ${report.files} file${report.files === 1 ? '' : 's'} (metric: ${report.metric}): ${parts.join(', ')}${t.improved ? `; total gain ${Number(t.gain.toFixed(3))}` : ''}${t.resumed ? `; ${t.resumed} from an earlier run` : ''}${t.inserted ? `; ${t.inserted} inserted` : ''}`);
  if (report.missing.length > 0) {
    out.push('');
    out.push('Setup incomplete — to go further:');
    for (const m of report.missing) out.push(`  - ${m.message}`);
  }
  if (report.interrupted) out.push('Interrupted: finished declarations are saved; run the same command again to continue.');
  if (reportPath) out.push(`Report: ${reportPath}`);
  out.push(`exit ${report.exitCode}`);
  return out.join('\n');
}
