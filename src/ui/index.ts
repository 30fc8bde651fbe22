// Registers the editor face: commands, the code action, the panel, the diff documents, the status
// bar, and the wiring from job events to the panel and the log. Returns what must be disposed.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import { ProveCodeActions } from './code-actions';
import { COMMANDS, handlePanelMessage, type UiParts } from './commands';
import { PROPOSED_SCHEME, ProposedContent } from './edits';
import { PanelProvider } from './panel';
import { PANEL_VIEW_ID } from './protocol';
import { createStatusItem } from './status';

export function registerUi(ctx: OProverContext): vscode.Disposable[] {
  const proposals = new ProposedContent();
  const parts = {} as UiParts;
  const panel = new PanelProvider(ctx.extension.extensionUri, ctx.jobs, (message) => void handlePanelMessage(parts, message));
  Object.assign(parts, { ctx, panel, proposals });

  const disposables: vscode.Disposable[] = [
    panel,
    vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, panel),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposals),
    vscode.languages.registerCodeActionsProvider({ language: 'lean4' }, new ProveCodeActions(), { providedCodeActionKinds: ProveCodeActions.kinds }),
    createStatusItem(ctx),
    ctx.jobs.onEvent((event) => {
      panel.pushEvent(event);
      if (event.type === 'log') ctx.log[event.level === 'warn' ? 'warn' : event.level](`${event.jobId}: ${event.message}`);
    }),
    // Closing a file cancels its jobs: their edits could not land anyway.
    vscode.workspace.onDidCloseTextDocument((document) => {
      const n = ctx.jobs.cancelForUri(document.uri.toString());
      if (n > 0) ctx.log.info(`${vscode.workspace.asRelativePath(document.uri)} closed: ${n} job(s) cancelled`);
    }),
  ];
  for (const [id, factory] of Object.entries(COMMANDS)) disposables.push(vscode.commands.registerCommand(id, factory(parts)));
  return disposables;
}
