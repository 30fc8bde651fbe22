// "OProver: Prove All Sorries in File": one job per declaration with a sorry, at most
// oprover.batchConcurrency at a time, each within oprover.batchTimeLimitMs, under a cancellable
// progress notification ("n of N, proved so far"). What happens to proofs follows oprover.insertMode;
// at the end a report (proved, failed, skipped, each with its reason and a link to its timeline)
// goes to the panel and the log.
//
// Resume after a reload: each finished target (proved with its verified body, or failed after the
// whole budget) goes into the project's resume file (`.oprover/state.json`, the CLI's too) as it
// finishes, next to a marker for the running batch. A batch that completes, or that the user cancels,
// removes its marker; one cut off by a reload or a crash keeps it, and the next activation offers to
// resume it: only unfinished targets run again, and proofs from the earlier run are screened again
// and inserted through the same checked edit, only where the statement is unchanged.
import fs from 'node:fs';
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import type { Candidate } from '../core/types';
import { currentOwner, keyPath, runningElsewhere, stateFilePath, StateStore, type BatchMarker, type FinishedEntry } from '../state/resume';
import { batchProgress, batchTargets, keyTargets, resumeDecisions, type KeyedTarget, type ResumeDecision } from './batch-targets';
import { insertProof, insertVerifiedProof, showDiff, type InsertOutcome, type ProposedContent } from './edits';
import { runBounded } from '../core/bounded';
import type { JobRecord } from './jobs';
import type { PanelProvider } from './panel';
import { findProjectRoot } from '../lean/project';
import type { BatchReport, BatchReportEntry } from './protocol';
import { targetFromDocument } from './targets';

let batchCounter = 0;

/** Project roots where a batch has run, so activation knows where to look for interrupted ones. */
const BATCH_ROOTS_KEY = 'oprover.batchRoots';
/** Command (not in the palette) that resumes the interrupted batch of a file: argument its URI. */
export const RESUME_BATCH_COMMAND = 'oprover.resumeBatch';

export interface BatchOptions {
  /** The marker of an interrupted batch on this file: finished targets are taken from the resume file. */
  resume?: BatchMarker;
  /** For Show Diff in the ask-mode questions. */
  proposals?: ProposedContent;
}

/** The resume file of the document's project; undefined (after saying why) when there is none. */
class BatchResume {
  private constructor(
    private readonly ctx: OProverContext,
    readonly store: StateStore,
    readonly relFile: string,
  ) {}

  static open(ctx: OProverContext, document: vscode.TextDocument): BatchResume | undefined {
    if (document.uri.scheme !== 'file') return undefined;
    const root = findProjectRoot(document.uri.fsPath).root;
    try {
      const store = StateStore.open(stateFilePath(root));
      if (store.warning) ctx.log.warn(store.warning);
      const roots = ctx.extension.workspaceState.get<string[]>(BATCH_ROOTS_KEY) ?? [];
      if (!roots.includes(root)) void ctx.extension.workspaceState.update(BATCH_ROOTS_KEY, [...roots, root]);
      return new BatchResume(ctx, store, keyPath(root, document.uri.fsPath));
    } catch (err) {
      ctx.log.warn(`the resume file of ${root} cannot be used (${err instanceof Error ? err.message : String(err)}); this batch cannot be resumed after a reload`);
      return undefined;
    }
  }

  /** Writes never stop a batch: a failed write only costs the resume. */
  private write(what: string, change: () => void): void {
    try {
      change();
    } catch (err) {
      this.ctx.log.warn(`could not ${what} in the resume file: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  mark(marker: BatchMarker): void {
    this.write('mark the batch', () => this.store.markBatch(marker));
  }

  clear(): void {
    this.write('clear the batch marker', () => this.store.clearBatch(this.relFile));
  }

  record(key: string, entry: FinishedEntry): void {
    this.write('record a finished target', () => this.store.record(key, entry));
  }
}

function originLabel(c: Candidate): string {
  switch (c.origin.kind) {
    case 'tactic':
      return `pre-pass: tactic ${c.origin.tactic}`;
    case 'replay':
      return `pre-pass: replay of ${c.origin.proofId}`;
    case 'model':
      return `model: round ${c.origin.round}, sample ${c.origin.sample + 1}`;
  }
}

export async function proveAllInFile(ctx: OProverContext, panel: PanelProvider, document: vscode.TextDocument, options: BatchOptions = {}): Promise<BatchReport | undefined> {
  const text = document.getText();
  const { targets: sorries, skipped } = batchTargets(text);
  const resume = BatchResume.open(ctx, document);
  if (sorries.length === 0) {
    if (options.resume) resume?.clear();
    void vscode.window.showInformationMessage(`OProver: no sorry to prove in ${vscode.workspace.asRelativePath(document.uri)}`);
    return undefined;
  }
  const targets = keyTargets(resume?.relFile ?? '', text, sorries);
  const config = ctx.config;
  const batchId = `batch-${Date.now().toString(36)}-${++batchCounter}`;
  const startedAt = Date.now();
  // A resumed batch keeps the first run's start: its finished targets count, older results do not.
  const markerStart = options.resume?.startedAt ?? new Date(startedAt).toISOString();
  const decisions: ResumeDecision[] = options.resume && resume ? resumeDecisions(targets, (k) => resume.store.get(k), markerStart, { allowNativeDecide: config.allowNativeDecide }) : targets.map(() => ({ kind: 'prove' }));
  resume?.mark({ file: resume.relFile, startedAt: markerStart, targets: targets.map((t) => ({ key: t.key, declarationName: t.declarationName, line: t.line })), owner: currentOwner() });

  const entries: BatchReportEntry[] = skipped.map(({ sorry, reason }) => ({
    declarationName: sorry.declaration?.fullName ?? sorry.declaration?.name ?? '(top level)',
    line: sorry.range.start.line + 1,
    outcome: 'skipped',
    reason,
  }));
  /** How to insert each proved entry's proof (`ask` mode asks at the end). */
  const inserters = new Map<BatchReportEntry, () => Promise<InsertOutcome>>();
  /** The verified proof body of each proved entry, for the ask-mode question. */
  const bodies = new Map<BatchReportEntry, string>();
  const jobs: JobRecord[] = [];
  const toProve: KeyedTarget[] = [];
  let done = 0;
  let proved = 0;
  panel.addBatch({ id: batchId, file: document.uri.toString(), startedAt, total: targets.length + skipped.length });
  void panel.reveal({ reportId: batchId });
  const resumedNote = options.resume ? ` (resumed: ${decisions.filter((d) => d.kind !== 'prove').length} finished earlier)` : '';
  ctx.log.info(`batch over ${vscode.workspace.asRelativePath(document.uri)}: ${targets.length} target(s)${resumedNote}, concurrency ${config.batchConcurrency}, ${config.batchTimeLimitMs / 1000} s each, insert mode ${config.insertMode}`);

  const insertNow = async (entry: BatchReportEntry, insert: () => Promise<InsertOutcome>, jobId?: string): Promise<void> => {
    const outcome = await insert();
    entry.inserted = outcome.ok;
    if (!outcome.ok) entry.reason = `${entry.reason}; ${outcome.message}`;
    if (jobId) panel.addNote({ jobId, level: outcome.ok ? 'info' : 'warn', text: outcome.message, inserted: outcome.ok });
    else ctx.log[outcome.ok ? 'info' : 'warn'](outcome.message);
  };

  // Targets the earlier run finished: reported (and proofs inserted) without running the loop again.
  for (const [i, t] of targets.entries()) {
    const decision = decisions[i]!;
    if (decision.kind === 'prove') {
      if (decision.note) ctx.log.warn(`${t.declarationName}: ${decision.note}; proving it again`);
      toProve.push(t);
      continue;
    }
    done++;
    if (decision.kind === 'failed') {
      entries.push({ declarationName: t.declarationName, line: t.line, outcome: 'failed', reason: `${decision.entry.reason} (in the interrupted run)` });
      continue;
    }
    proved++;
    const entry: BatchReportEntry = { declarationName: t.declarationName, line: t.line, outcome: 'proved', reason: `proved in the interrupted run (${decision.entry.origin ?? decision.entry.reason}); taken from the resume file` };
    const target = targetFromDocument(document, t.sorry, text);
    const insert = () => insertProof(ctx, document.uri.toString(), target, { body: decision.body, declarationText: `${target.declaration.header} ${decision.body}` });
    inserters.set(entry, insert);
    bodies.set(entry, decision.body);
    if (config.insertMode === 'insert-all') await insertNow(entry, insert);
    entries.push(entry);
  }

  let userCancelled = false;
  let cutOff = 0;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'OProver', cancellable: true },
    async (progress, token) => {
      const stop = new AbortController();
      token.onCancellationRequested(() => {
        userCancelled = true;
        stop.abort();
        for (const j of jobs) ctx.jobs.cancel(j.id);
      });
      progress.report({ message: `${done} of ${targets.length} · ${proved} proved`, increment: (100 * done) / targets.length });
      await runBounded(
        toProve,
        config.batchConcurrency,
        async (t) => {
          const jobStarted = Date.now();
          const job = ctx.jobs.start(targetFromDocument(document, t.sorry, text), { uri: document.uri.toString(), rounds: config.rounds, samples: config.samplesPerRound, timeLimitMs: config.batchTimeLimitMs, batchId });
          jobs.push(job);
          const result = await job.done;
          const hitTimeLimit = result.status === 'cancelled' && Date.now() - jobStarted >= config.batchTimeLimitMs;
          // Cancelled by neither the user nor the time limit: the window is going away or the file was closed.
          if (result.status === 'cancelled' && !hitTimeLimit && !stop.signal.aborted) cutOff++;
          done++;
          const entry: BatchReportEntry = {
            jobId: job.id,
            declarationName: t.declarationName,
            line: t.line,
            outcome: result.status === 'proved' ? 'proved' : result.status === 'cancelled' && stop.signal.aborted ? 'cancelled' : 'failed',
            reason: result.reason,
          };
          const finished = { contextHash: t.contextHash, reason: result.reason, rounds: result.rounds, elapsedMs: result.elapsedMs, promptTokens: result.promptTokens, completionTokens: result.completionTokens, finishedAt: new Date().toISOString() };
          if (result.status === 'proved' && result.proof) {
            proved++;
            // A proof that needs the reply's helper lemmas is not kept for a resumed insert without them.
            const keep = result.proof.helpers?.length ? {} : { proof: result.proof.body };
            resume?.record(t.key, { status: 'proved', ...keep, origin: originLabel(result.proof), ...finished });
            inserters.set(entry, () => insertVerifiedProof(ctx, job));
            bodies.set(entry, result.proof.body);
            if (config.insertMode === 'insert-all') await insertNow(entry, inserters.get(entry)!, job.id);
          } else if ((result.status === 'failed' || hitTimeLimit) && config.endpoints.length > 0) {
            // Only a target that spent the whole budget (rounds or time) is finished; without an
            // endpoint only the pre-pass ran, and an errored job may work once the setup is fixed.
            resume?.record(t.key, { status: 'failed', ...finished });
          }
          entries.push(entry);
          progress.report({ message: `${done} of ${targets.length} · ${proved} proved`, increment: 100 / targets.length });
        },
        stop.signal,
      );
      // Targets never started because the batch was cancelled.
      for (const t of toProve.slice(jobs.length)) {
        entries.push({ declarationName: t.declarationName, line: t.line, outcome: 'cancelled', reason: 'the batch was cancelled before this target started' });
      }
    },
  );

  entries.sort((a, b) => a.line - b.line);
  const report: BatchReport = { id: batchId, file: document.uri.toString(), startedAt, finishedAt: Date.now(), entries };
  // The report is there before any question is asked; answers update it.
  panel.addReport(report);
  if (config.insertMode === 'ask') {
    const asked = entries.filter((e) => e.outcome === 'proved' && inserters.has(e) && !e.inserted);
    for (const e of asked) e.pending = true;
    if (asked.length > 0) panel.addReport({ ...report, entries: entries.map((e) => ({ ...e })) });
    for (const [i, entry] of asked.entries()) {
      const job = entry.jobId ? ctx.jobs.get(entry.jobId) : undefined;
      const pick = await askToInsert(entry, i, asked.length, bodies.get(entry), options.proposals && job?.result?.proof ? () => showDiff(ctx, options.proposals!, job, job.result!.proof!, true) : undefined);
      entry.pending = false;
      if (pick === 'Insert') await insertNow(entry, inserters.get(entry)!, entry.jobId);
      if (pick === 'Skip All' || pick === undefined) for (const e of asked) e.pending = false;
      panel.addReport({ ...report, entries: entries.map((e) => ({ ...e })) });
      if (pick === 'Skip All' || pick === undefined) break;
    }
  }

  // The marker goes when the batch ran to its end (questions answered) or the user stopped it; a
  // batch whose jobs were cut off (the window reloading, the file closed) stays resumable. A reload
  // that ends the extension host first never gets here, and the marker stays too.
  if (cutOff === 0 || userCancelled) resume?.clear();
  else ctx.log.info(`batch ${vscode.workspace.asRelativePath(document.uri)}: ${cutOff} target(s) cut off; the batch can be resumed`);

  const counts = { proved: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const e of entries) counts[e.outcome]++;
  const summary = `${counts.proved} proved, ${counts.failed} failed, ${counts.skipped} skipped${counts.cancelled ? `, ${counts.cancelled} cancelled` : ''}`;
  ctx.log.info(`batch ${vscode.workspace.asRelativePath(document.uri)}: ${summary}`);
  for (const e of entries) ctx.log.info(`  line ${e.line} ${e.declarationName}: ${e.outcome}${e.inserted ? ' (inserted)' : ''} — ${e.reason}`);
  void vscode.window.showInformationMessage(`OProver batch: ${summary}`, 'Show Report').then((pick) => pick && panel.reveal({ reportId: batchId }));
  return report;
}

/**
 * One ask-mode question: the proof itself in the dialog, and Show Diff, which opens the diff editor
 * and asks again. Modal, so the questions come one after another without a gap.
 */
async function askToInsert(entry: BatchReportEntry, index: number, count: number, body: string | undefined, diff: (() => Promise<unknown>) | undefined): Promise<'Insert' | 'Skip' | 'Skip All' | undefined> {
  const shown = body && body.length > 1500 ? `${body.slice(0, 1500)}\n…` : body;
  const buttons = diff ? ['Insert', 'Show Diff', 'Skip', 'Skip All'] : ['Insert', 'Skip', 'Skip All'];
  for (;;) {
    const pick = await vscode.window.showInformationMessage(
      `OProver proved ${entry.declarationName} (line ${entry.line})${count > 1 ? ` — ${index + 1} of ${count}` : ''}. Insert the proof?`,
      { modal: true, detail: shown ? `Verified by Lean:\n\n${shown}` : entry.reason },
      ...buttons,
    );
    if (pick !== 'Show Diff') return pick as 'Insert' | 'Skip' | 'Skip All' | undefined;
    await diff!();
  }
}

/** Interrupted batches in the workspace's projects: each with its file and how far it got. */
export function interruptedBatches(ctx: OProverContext): { uri: vscode.Uri; root: string; marker: BatchMarker; done: number; total: number }[] {
  const roots = new Set<string>(ctx.extension.workspaceState.get<string[]>(BATCH_ROOTS_KEY) ?? []);
  for (const folder of vscode.workspace.workspaceFolders ?? []) if (folder.uri.scheme === 'file') roots.add(folder.uri.fsPath);
  const found: ReturnType<typeof interruptedBatches> = [];
  for (const root of roots) {
    let store: StateStore;
    try {
      store = StateStore.open(stateFilePath(root));
    } catch {
      continue;
    }
    for (const marker of store.listBatches()) {
      if (runningElsewhere(marker)) {
        ctx.log.info(`the batch on ${marker.file} is running in another window (process ${marker.owner!.pid}); it is not offered here`);
        continue;
      }
      const { done, total } = batchProgress(marker, (k) => store.get(k));
      found.push({ uri: vscode.Uri.joinPath(vscode.Uri.file(root), ...marker.file.split('/')), root, marker, done, total });
    }
  }
  return found;
}

/** Resumes the interrupted batch on `uri`; undefined when there is none (or it was discarded). */
export async function resumeBatch(ctx: OProverContext, panel: PanelProvider, uri: vscode.Uri, proposals?: ProposedContent): Promise<BatchReport | undefined> {
  const found = interruptedBatches(ctx).find((b) => b.uri.toString() === uri.toString());
  if (!found || !ctx.requireTrust('Resuming a batch')) return undefined;
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(uri);
  } catch (err) {
    ctx.log.warn(`the interrupted batch on ${found.marker.file} cannot be resumed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  await vscode.window.showTextDocument(document, { preview: false });
  return proveAllInFile(ctx, panel, document, { resume: found.marker, proposals });
}

/** After activation: offers to resume each batch a reload or crash cut off (trusted workspaces only). */
export async function offerBatchResume(ctx: OProverContext): Promise<void> {
  if (!ctx.trusted) {
    ctx.log.info('resume offer after activation: skipped (untrusted workspace)');
    return;
  }
  const discard = (b: { root: string; marker: BatchMarker }): void => {
    try {
      StateStore.open(stateFilePath(b.root)).clearBatch(b.marker.file);
    } catch (err) {
      ctx.log.warn(`could not discard the batch marker: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const b of interruptedBatches(ctx)) {
    if (!fs.existsSync(b.uri.fsPath)) {
      ctx.log.info(`the interrupted batch on ${b.marker.file} is dropped: the file is gone`);
      discard(b);
      continue;
    }
    const name = b.marker.file.split('/').pop() ?? b.marker.file;
    const pick = await vscode.window.showInformationMessage(`OProver: the batch on ${name} was interrupted (${b.done} of ${b.total} done). Resume it?`, 'Resume', 'Discard');
    if (pick === 'Resume') await vscode.commands.executeCommand(RESUME_BATCH_COMMAND, b.uri);
    else if (pick === 'Discard') discard(b);
  }
}

/** The resume command and the offer after activation. */
export function registerBatchResume(ctx: OProverContext, panel: PanelProvider, proposals?: ProposedContent): vscode.Disposable[] {
  const offer = setTimeout(() => void offerBatchResume(ctx).catch((err: unknown) => ctx.log.warn(`resume offer failed: ${String(err)}`)), 1000);
  return [
    vscode.commands.registerCommand(RESUME_BATCH_COMMAND, (uri: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : typeof uri === 'string' ? vscode.Uri.parse(uri) : undefined;
      return target ? resumeBatch(ctx, panel, target, proposals) : undefined;
    }),
    { dispose: () => clearTimeout(offer) },
  ];
}
