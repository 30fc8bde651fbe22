// The panel's extension side: a webview view in OProver's activity-bar container. Jobs live in the
// JobManager, not in the page, so closing the panel loses nothing: a reopened page says `ready` and
// gets the whole story again. Events are batched (one postMessage per 50 ms) while models stream.
import * as vscode from 'vscode';
import type { JobEvent } from '../core/events';
import type { JobManager, JobRecord } from './jobs';
import { nonce, panelHtml } from './panel-html';
import { PANEL_VIEW_ID, parseFromWebview, type BatchInfo, type BatchReport, type FromWebview, type JobMeta, type JobNote, type SetupInfo, type ToWebview } from './protocol';

export function jobMeta(job: JobRecord): JobMeta {
  return { jobId: job.id, rounds: job.rounds, samples: job.samples, batchId: job.batchId, targetKind: job.targetKind };
}

export class PanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private queue: JobEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly notes: JobNote[] = [];
  private readonly reports: BatchReport[] = [];
  private readonly batches: BatchInfo[] = [];
  private setup: SetupInfo | undefined;
  private pendingFocus: ToWebview | undefined;
  private readonly noted = new vscode.EventEmitter<JobNote>();
  /** Every note the panel gets (inserted, refused, undone…), for the editor's markers. */
  readonly onDidNote = this.noted.event;
  private readonly cleared = new vscode.EventEmitter<void>();
  /** Finished jobs were cleared (the status item's context keys change). */
  readonly onDidClear = this.cleared.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly jobs: JobManager,
    private readonly onMessage: (message: FromWebview) => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    const script = view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString();
    const style = view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString();
    const codicons = view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'codicon.css')).toString();
    view.webview.html = panelHtml(view.webview.cspSource, script, style, nonce(), codicons);
    view.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseFromWebview(raw);
      if (!message) return;
      if (message.type === 'ready') {
        this.queue = [];
        this.post({
          type: 'reset',
          events: this.jobs.allEvents(),
          notes: this.notes.filter((n) => this.jobs.get(n.jobId)),
          reports: this.reports,
          meta: this.jobs.list().map(jobMeta),
          batches: this.batches,
          setup: this.setup,
        });
        if (this.pendingFocus) this.post(this.pendingFocus);
        this.pendingFocus = undefined;
        return;
      }
      this.onMessage(message);
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  private post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  pushEvent(event: JobEvent, job?: JobRecord): void {
    if (!this.view) return;
    this.queue.push(event);
    if (event.type === 'job-started' && job) {
      this.flushNow();
      this.post({ type: 'meta', meta: jobMeta(job) });
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const events = this.queue;
      this.queue = [];
      if (events.length) this.post({ type: 'events', events });
    }, 50);
  }

  addNote(note: JobNote): void {
    this.noted.fire(note);
    this.notes.push(note);
    if (this.notes.length > 200) this.notes.splice(0, this.notes.length - 200);
    this.flushNow();
    this.post({ type: 'note', note });
  }

  addReport(report: BatchReport): void {
    const known = this.reports.findIndex((r) => r.id === report.id);
    if (known >= 0) this.reports.splice(known, 1);
    this.reports.unshift(report);
    if (this.reports.length > 10) this.reports.pop();
    this.flushNow();
    this.post({ type: 'report', report });
  }

  /** A batch starts: its jobs get their own header until the report replaces it. */
  addBatch(batch: BatchInfo): void {
    this.batches.unshift(batch);
    if (this.batches.length > 10) this.batches.pop();
    this.flushNow();
    this.post({ type: 'batch', batch });
  }

  setSetup(setup: SetupInfo): void {
    this.setup = setup;
    this.post({ type: 'setup', setup });
  }

  /**
   * Removes finished jobs from the page, and every report or batch header none of whose jobs still
   * runs (its links would lead nowhere).
   */
  clearFinished(): void {
    const jobIds = this.jobs.clearFinished();
    const runningBatches = new Set([...this.jobs.running().map((j) => j.batchId), ...this.batches.filter((b) => !this.reports.some((r) => r.id === b.id)).map((b) => b.id)]);
    const reportIds = [...new Set([...this.reports.map((r) => r.id), ...this.batches.map((b) => b.id)])].filter((id) => !runningBatches.has(id));
    for (const list of [this.reports, this.batches]) {
      for (let i = list.length - 1; i >= 0; i--) if (reportIds.includes(list[i]!.id)) list.splice(i, 1);
    }
    this.post({ type: 'forget', jobIds, reportIds });
    this.cleared.fire();
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const events = this.queue;
    this.queue = [];
    if (events.length) this.post({ type: 'events', events });
  }

  /** Shows the panel (opening its container) and scrolls to a job or a report. */
  async reveal(focus?: { jobId?: string; reportId?: string }): Promise<void> {
    const message: ToWebview | undefined = focus ? { type: 'focus', ...focus } : undefined;
    if (this.view) {
      this.view.show(true);
      this.flushNow();
      if (message) this.post(message);
      return;
    }
    this.pendingFocus = message;
    await vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`);
  }

  dispose(): void {
    this.noted.dispose();
    this.cleared.dispose();
    if (this.timer) clearTimeout(this.timer);
  }
}
