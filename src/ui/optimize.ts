// Proof optimization in the editor: "Optimize proof with OProver" on a complete declaration (a code
// action, the metric chosen in a quick pick, default oprover.optimizeMetric) and "OProver: Optimize
// All Proofs in File" (a batch with a report of gains in the panel). Each runs as a job of the job
// manager, so the panel shows its timeline; Insert and Show diff work as for proofs, and Insert lands
// only over an unchanged declaration (ui/edits.ts), which also puts the rewrite into the memory bank.
import * as vscode from 'vscode';
import { completeDeclarations, declarationTarget } from '../core/optimize/loop';
import { getMetric, isMetricId, METRIC_IDS, type Metric, type MetricId } from '../core/optimize/metrics';
import type { Declaration } from '../core/types';
import { findProjectRoot } from '../lean/project';
import type { CommandFactory, UiParts } from './commands';
import { insertVerifiedProof } from './edits';
import { runBounded } from '../core/bounded';
import type { JobRecord } from './jobs';
import { optimizeRunner } from './optimize-runner';
import type { BatchReport, BatchReportEntry } from './protocol';

export const OPTIMIZE_TITLE = 'Optimize proof with OProver';

const METRIC_DESCRIPTIONS: Record<MetricId, string> = {
  length: 'fewest tactic steps',
  readability: 'most declarative steps (have … :, show, calc), fewest long simp/rw chains',
  characters: 'shortest proof text',
  custom: 'weighted tactic count (oprover.optimizeCustomWeights)',
};

/** The light-bulb entry on a complete declaration (the cursor anywhere in it). */
export class OptimizeCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.RefactorRewrite];
  private cache: { uri: string; version: number; declarations: Declaration[] } | undefined;

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const uri = document.uri.toString();
    if (this.cache?.uri !== uri || this.cache.version !== document.version) this.cache = { uri, version: document.version, declarations: completeDeclarations(document.getText()) };
    const from = document.offsetAt(range.start);
    const to = document.offsetAt(range.end);
    const decl = this.cache.declarations.find((d) => d.start <= from && to <= d.end);
    if (!decl) return [];
    const action = new vscode.CodeAction(OPTIMIZE_TITLE, vscode.CodeActionKind.RefactorRewrite);
    action.command = { command: 'oprover.optimizeAtCursor', title: OPTIMIZE_TITLE, arguments: [document.uri, document.positionAt(decl.start)] };
    return [action];
  }
}

/** The metric: the argument when given, else a quick pick with the setting's metric first. */
async function chooseMetric(parts: UiParts, arg: unknown): Promise<Metric | undefined> {
  const { config } = parts.ctx;
  if (typeof arg === 'string') {
    if (!isMetricId(arg)) {
      void vscode.window.showErrorMessage(`OProver: unknown metric "${arg}"; expected one of ${METRIC_IDS.join(', ')}`);
      return undefined;
    }
    return getMetric(arg, config.optimizeCustomWeights);
  }
  const preferred = isMetricId(config.optimizeMetric) ? config.optimizeMetric : 'length';
  const order = [preferred, ...METRIC_IDS.filter((m) => m !== preferred)];
  const pick = await vscode.window.showQuickPick(
    order.map((id) => ({ label: id, description: METRIC_DESCRIPTIONS[id] + (id === preferred ? ' (default)' : ''), id })),
    { title: 'Optimize proof with OProver', placeHolder: 'Metric to improve (only verified, strictly better rewrites count)' },
  );
  return pick ? getMetric(pick.id, config.optimizeCustomWeights) : undefined;
}

/** The metric of each optimization job, so Retry with More Rounds optimizes again instead of proving. */
const optimizeJobs = new WeakMap<JobRecord, Metric>();

/** Retry with More Rounds on an optimization job: the declaration as it is now, `rounds` rounds, the same metric. */
export async function retryOptimize(parts: UiParts, job: JobRecord, rounds: number): Promise<string | undefined> {
  const metric = optimizeJobs.get(job);
  if (!metric) return undefined;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(job.uri));
  const text = document.getText();
  const name = job.target.declaration.fullName ?? job.target.declaration.name;
  const decl = completeDeclarations(text).find((d) => (d.fullName ?? d.name) === name && d.header === job.target.declaration.header);
  if (!decl) {
    void vscode.window.showInformationMessage(`OProver: ${name ?? 'the declaration'} is no longer a complete proof with the same statement; run Optimize proof with OProver on it again`);
    return undefined;
  }
  const next = startOptimize(parts, document, decl, metric, text, undefined, rounds);
  void parts.panel.reveal({ jobId: next.id });
  return next.id;
}

export function isOptimizeJob(job: JobRecord): boolean {
  return optimizeJobs.has(job);
}

function startOptimize(parts: UiParts, document: vscode.TextDocument, decl: Declaration, metric: Metric, text: string, batchId?: string, rounds?: number): JobRecord {
  const { ctx } = parts;
  const isFile = document.uri.scheme === 'file';
  const file = isFile ? document.uri.fsPath : document.uri.toString();
  const target = declarationTarget(file, isFile ? findProjectRoot(file).root : '', text, document.version, decl);
  const runner = optimizeRunner(ctx.config, metric, (root) => ctx.ports(root || findProjectRoot(target.file).root));
  ctx.log.info(`optimizing ${decl.fullName ?? decl.name ?? 'example'} (${vscode.workspace.asRelativePath(document.uri)}) for ${metric.id}`);
  const job = ctx.jobs.start(target, { uri: document.uri.toString(), rounds: rounds ?? ctx.config.rounds, runner, ...(batchId ? { batchId, timeLimitMs: ctx.config.batchTimeLimitMs } : {}) });
  optimizeJobs.set(job, metric);
  return job;
}

/** `oprover.optimizeAtCursor [uri, position, metric]`: returns the job id. */
export const optimizeAtCursor: CommandFactory = (parts) => async (uriArg?: unknown, positionArg?: unknown, metricArg?: unknown) => {
  const { ctx, panel } = parts;
  let document: vscode.TextDocument;
  let offset: number;
  if (uriArg instanceof vscode.Uri && positionArg instanceof vscode.Position) {
    document = await vscode.workspace.openTextDocument(uriArg);
    offset = document.offsetAt(positionArg);
  } else {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('OProver: open a Lean 4 file first');
      return undefined;
    }
    document = editor.document;
    offset = document.offsetAt(editor.selection.active);
  }
  if (!ctx.requireTrust('Optimizing')) return undefined;
  const text = document.getText();
  const decl = completeDeclarations(text).find((d) => d.start <= offset && offset <= d.end);
  if (!decl) {
    void vscode.window.showInformationMessage('OProver: put the cursor in a theorem with a complete proof (no sorry) to optimize it; for a sorry use Prove with OProver');
    return undefined;
  }
  const metric = await chooseMetric(parts, metricArg);
  if (!metric) return undefined;
  const job = startOptimize(parts, document, decl, metric, text);
  void panel.reveal({ jobId: job.id });
  return job.id;
};

/** `oprover.optimizeAllInFile [metric]`: every complete proof of the active file; returns the report. */
export const optimizeAllInFile: CommandFactory = (parts) => async (metricArg?: unknown) => {
  const { ctx, panel } = parts;
  const editor = vscode.window.activeTextEditor;
  if (!editor || (editor.document.languageId !== 'lean4' && !editor.document.fileName.endsWith('.lean'))) {
    void vscode.window.showWarningMessage('OProver: open a Lean 4 file first');
    return undefined;
  }
  if (!ctx.requireTrust('Optimizing')) return undefined;
  const document = editor.document;
  const text = document.getText();
  const decls = completeDeclarations(text);
  if (decls.length === 0) {
    void vscode.window.showInformationMessage('OProver: this file has no complete proof to optimize');
    return undefined;
  }
  const metric = await chooseMetric(parts, metricArg);
  if (!metric) return undefined;
  const batchId = `optimize-${Date.now().toString(36)}`;
  const startedAt = Date.now();
  const entries: BatchReportEntry[] = new Array(decls.length);
  const jobs: JobRecord[] = [];
  let gain = 0;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `OProver: optimizing ${decls.length} proof(s) for ${metric.id}`, cancellable: true }, async (progress, token) => {
    const stop = new AbortController();
    token.onCancellationRequested(() => {
      stop.abort();
      for (const j of jobs) ctx.jobs.cancel(j.id);
    });
    let done = 0;
    await runBounded(decls, ctx.config.batchConcurrency, async (decl, i) => {
      const job = startOptimize(parts, document, decl, metric, text, batchId);
      jobs.push(job);
      const result = await job.done;
      const name = decl.fullName ?? decl.name ?? 'example';
      const line = document.positionAt(decl.start).line + 1;
      const improved = result.status === 'proved' && result.proof !== undefined;
      if (improved) gain += Math.abs(metric.measure(decl.body.trim()) - metric.measure(result.proof!.body));
      entries[i] = { jobId: job.id, declarationName: name, line, outcome: improved ? 'proved' : result.status === 'cancelled' ? 'cancelled' : 'failed', reason: result.reason };
      done++;
      progress.report({ message: `${done} of ${decls.length}`, increment: 100 / decls.length });
    }, stop.signal);
  });
  const ran = entries.filter(Boolean);
  for (let i = 0; i < decls.length; i++) {
    if (!entries[i]) entries[i] = { declarationName: decls[i]!.fullName ?? decls[i]!.name ?? 'example', line: document.positionAt(decls[i]!.start).line + 1, outcome: 'cancelled', reason: 'cancelled before it started' };
  }
  const report: BatchReport = { id: batchId, file: vscode.workspace.asRelativePath(document.uri), startedAt, finishedAt: Date.now(), entries };
  panel.addReport(report);
  const improved = ran.filter((e) => e.outcome === 'proved');
  const summary = `optimized ${ran.length} of ${decls.length} proof(s) for ${metric.id}: ${improved.length} improved${improved.length ? ` (total gain ${Number(gain.toFixed(3))})` : ''}`;
  ctx.log.info(`${report.file}: ${summary}`);
  for (const e of entries) ctx.log.info(`  ${e.outcome.padEnd(9)} line ${e.line} ${e.declarationName}: ${e.reason}`);
  if (improved.length > 0 && ctx.config.insertMode === 'insert-all') await insertAll(parts, jobs);
  else {
    const pick = await vscode.window.showInformationMessage(`OProver: ${summary}`, ...(improved.length > 0 ? ['Insert All', 'Show Report'] : ['Show Report']));
    if (pick === 'Insert All') await insertAll(parts, jobs);
    if (pick === 'Show Report') void panel.reveal({ reportId: report.id });
  }
  return report;
};

/** Inserts every improved rewrite, each only over its unchanged declaration. */
async function insertAll(parts: UiParts, jobs: JobRecord[]): Promise<void> {
  for (const job of jobs) {
    if (job.result?.status !== 'proved') continue;
    const outcome = await insertVerifiedProof(parts.ctx, job);
    parts.panel.addNote({ jobId: job.id, level: outcome.ok ? 'info' : 'warn', text: outcome.message, inserted: outcome.ok });
  }
}
