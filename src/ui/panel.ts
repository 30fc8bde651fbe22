// The panel's extension side: a webview view in OProver's activity-bar container. Jobs live in the
// JobManager, not in the page, so closing the panel loses nothing: a reopened page says `ready` and
// gets the whole story again. Events are batched (one postMessage per 50 ms) while models stream.
import * as vscode from 'vscode';
import type { JobEvent } from '../core/events';
import type { JobManager } from './jobs';
import { nonce, panelHtml } from './panel-html';
import { PANEL_VIEW_ID, parseFromWebview, type BatchReport, type FromWebview, type JobNote, type ToWebview } from './protocol';

export class PanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private queue: JobEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly notes: JobNote[] = [];
  private readonly reports: BatchReport[] = [];
  private pendingFocus: ToWebview | undefined;

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
    view.webview.html = panelHtml(view.webview.cspSource, script, style, nonce());
    view.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseFromWebview(raw);
      if (!message) return;
      if (message.type === 'ready') {
        this.queue = [];
        this.post({ type: 'reset', events: this.jobs.allEvents(), notes: this.notes.filter((n) => this.jobs.get(n.jobId)), reports: this.reports });
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

  pushEvent(event: JobEvent): void {
    if (!this.view) return;
    this.queue.push(event);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const events = this.queue;
      this.queue = [];
      if (events.length) this.post({ type: 'events', events });
    }, 50);
  }

  addNote(note: JobNote): void {
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

  forget(jobIds: string[]): void {
    this.post({ type: 'forget', jobIds });
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
    if (this.timer) clearTimeout(this.timer);
  }
}
