// "OProver: Prove All Sorries in File": one job per declaration with a sorry, at most
// oprover.batchConcurrency at a time, each within oprover.batchTimeLimitMs, under a cancellable
// progress notification ("n of N, proved so far"). What happens to proofs follows oprover.insertMode;
// at the end a report (proved, failed, skipped, each with its reason and a link to its timeline)
// goes to the panel and the log.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import { batchTargets } from './batch-targets';
import { insertVerifiedProof } from './edits';
import { runBounded, type JobRecord } from './jobs';
import type { PanelProvider } from './panel';
import type { BatchReport, BatchReportEntry } from './protocol';
import { targetFromDocument } from './targets';

let batchCounter = 0;

export async function proveAllInFile(ctx: OProverContext, panel: PanelProvider, document: vscode.TextDocument): Promise<BatchReport | undefined> {
  const text = document.getText();
  const { targets, skipped } = batchTargets(text);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(`OProver: no sorry to prove in ${vscode.workspace.asRelativePath(document.uri)}`);
    return undefined;
  }
  const config = ctx.config;
  const batchId = `batch-${Date.now().toString(36)}-${++batchCounter}`;
  const startedAt = Date.now();
  const entries: BatchReportEntry[] = skipped.map(({ sorry, reason }) => ({
    declarationName: sorry.declaration?.fullName ?? sorry.declaration?.name ?? '(top level)',
    line: sorry.range.start.line + 1,
    outcome: 'skipped',
    reason,
  }));
  const jobs: JobRecord[] = [];
  let done = 0;
  let proved = 0;
  void panel.reveal();
  ctx.log.info(`batch over ${vscode.workspace.asRelativePath(document.uri)}: ${targets.length} target(s), concurrency ${config.batchConcurrency}, ${config.batchTimeLimitMs / 1000} s each, insert mode ${config.insertMode}`);

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'OProver', cancellable: true },
    async (progress, token) => {
      const stop = new AbortController();
      token.onCancellationRequested(() => {
        stop.abort();
        for (const j of jobs) ctx.jobs.cancel(j.id);
      });
      progress.report({ message: `0 of ${targets.length} · 0 proved` });
      await runBounded(
        targets,
        config.batchConcurrency,
        async (sorry) => {
          const job = ctx.jobs.start(targetFromDocument(document, sorry, text), { uri: document.uri.toString(), rounds: config.rounds, timeLimitMs: config.batchTimeLimitMs, batchId });
          jobs.push(job);
          const result = await job.done;
          done++;
          const name = sorry.declaration!.fullName ?? sorry.declaration!.name ?? 'example';
          const entry: BatchReportEntry = {
            jobId: job.id,
            declarationName: name,
            line: sorry.range.start.line + 1,
            outcome: result.status === 'proved' ? 'proved' : result.status === 'cancelled' && stop.signal.aborted ? 'cancelled' : 'failed',
            reason: result.reason,
          };
          if (result.status === 'proved') {
            proved++;
            if (config.insertMode === 'insert-all') {
              const outcome = await insertVerifiedProof(ctx, job);
              entry.inserted = outcome.ok;
              if (!outcome.ok) entry.reason = `${result.reason}; ${outcome.message}`;
              panel.addNote({ jobId: job.id, level: outcome.ok ? 'info' : 'warn', text: outcome.message, inserted: outcome.ok });
            }
          }
          entries.push(entry);
          progress.report({ message: `${done} of ${targets.length} · ${proved} proved`, increment: 100 / targets.length });
        },
        stop.signal,
      );
      // Targets never started because the batch was cancelled.
      for (const sorry of targets.slice(jobs.length)) {
        entries.push({ declarationName: sorry.declaration!.fullName ?? sorry.declaration!.name ?? 'example', line: sorry.range.start.line + 1, outcome: 'cancelled', reason: 'the batch was cancelled before this target started' });
      }
    },
  );

  entries.sort((a, b) => a.line - b.line);
  const report: BatchReport = { id: batchId, file: document.uri.toString(), startedAt, finishedAt: Date.now(), entries };
  // The report is there before any question is asked; answers update it.
  panel.addReport(report);
  if (config.insertMode === 'ask') {
    for (const entry of entries) {
      if (entry.outcome !== 'proved' || !entry.jobId) continue;
      const job = ctx.jobs.get(entry.jobId);
      if (!job) continue;
      const pick = await vscode.window.showInformationMessage(`OProver proved ${entry.declarationName} (line ${entry.line}). Insert the proof?`, 'Insert', 'Skip', 'Skip All');
      if (pick === 'Skip All' || pick === undefined) break;
      if (pick !== 'Insert') continue;
      const outcome = await insertVerifiedProof(ctx, job);
      entry.inserted = outcome.ok;
      if (!outcome.ok) entry.reason = `${entry.reason}; ${outcome.message}`;
      panel.addNote({ jobId: job.id, level: outcome.ok ? 'info' : 'warn', text: outcome.message, inserted: outcome.ok });
      panel.addReport({ ...report, entries: [...entries] });
    }
  }

  const counts = { proved: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const e of entries) counts[e.outcome]++;
  const summary = `${counts.proved} proved, ${counts.failed} failed, ${counts.skipped} skipped${counts.cancelled ? `, ${counts.cancelled} cancelled` : ''}`;
  ctx.log.info(`batch ${vscode.workspace.asRelativePath(document.uri)}: ${summary}`);
  for (const e of entries) ctx.log.info(`  line ${e.line} ${e.declarationName}: ${e.outcome}${e.inserted ? ' (inserted)' : ''} — ${e.reason}`);
  void vscode.window.showInformationMessage(`OProver batch: ${summary}`, 'Show Report').then((pick) => pick && panel.reveal({ reportId: batchId }));
  return report;
}
