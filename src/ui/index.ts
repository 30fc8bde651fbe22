// Registers the editor face: commands, the code action, the panel, the diff documents, the status
// bar, and the wiring from job events to the panel and the log. Returns what must be disposed.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import type { JobEvent } from '../core/events';
import { testConnection } from '../endpoint/client';
import { ProveCodeActions } from './code-actions';
import { OptimizeCodeActions } from './optimize';
import { COMMANDS, handlePanelMessage, type UiParts } from './commands';
import { registerBatchResume } from './batch';
import { PROPOSED_SCHEME, ProposedContent } from './edits';
import { PanelProvider } from './panel';
import { PANEL_VIEW_ID } from './protocol';
import { SetupTracker } from './setup';
import { createStatusItem } from './status';
import { registerEditorSync } from './sync';
import { registerWorkspaceIndexing } from './workspace-index';

export function registerUi(ctx: OProverContext): vscode.Disposable[] {
  const proposals = new ProposedContent();
  const parts = {} as UiParts;
  const panel = new PanelProvider(ctx.extension.extensionUri, ctx.jobs, (message) => void handlePanelMessage(parts, message));
  const setup = new SetupTracker(ctx, panel);
  Object.assign(parts, { ctx, panel, proposals, setup } satisfies UiParts);

  const disposables: vscode.Disposable[] = [
    panel,
    setup,
    vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, panel),
    vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposals),
    vscode.languages.registerCodeActionsProvider({ language: 'lean4' }, new ProveCodeActions(), { providedCodeActionKinds: ProveCodeActions.kinds }),
    vscode.languages.registerCodeActionsProvider({ language: 'lean4' }, new OptimizeCodeActions(), { providedCodeActionKinds: OptimizeCodeActions.kinds }),
    createStatusItem(ctx, panel.onDidClear),
    ctx.jobs.onEvent((event, job) => {
      panel.pushEvent(event, job);
      logEvent(ctx, event);
    }),
    // Closing a file cancels its jobs: their edits could not land anyway.
    // The document event can come long after the tab closed, so closed tabs count too.
    vscode.workspace.onDidCloseTextDocument((document) => cancelClosed(ctx, document.uri)),
    vscode.window.tabGroups.onDidChangeTabs((change) => {
      // A preview tab replaced by the next file the user glances at is not a closed file.
      const closed = change.closed.filter((t) => !t.isPreview).flatMap((t) => tabUris(t));
      if (closed.length === 0) return;
      const open = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => tabUris(t).map((u) => u.toString())));
      for (const uri of closed) if (!open.has(uri.toString())) cancelClosed(ctx, uri);
    }),
  ];
  for (const [id, factory] of Object.entries(COMMANDS)) disposables.push(vscode.commands.registerCommand(id, factory(parts)));
  disposables.push(...registerBatchResume(ctx, panel, proposals));
  disposables.push(...registerWorkspaceIndexing(ctx));
  disposables.push(...registerEditorSync(ctx, panel));
  void setup.refresh();
  const probe = setTimeout(() => void probeOnStart(ctx, setup), 1500);
  disposables.push({ dispose: () => clearTimeout(probe) });
  return disposables;
}

function cancelClosed(ctx: OProverContext, uri: vscode.Uri): void {
  const n = ctx.jobs.cancelForUri(uri.toString());
  if (n > 0) ctx.log.info(`${vscode.workspace.asRelativePath(uri)} closed: ${n} job(s) cancelled`);
}

function tabUris(tab: vscode.Tab): vscode.Uri[] {
  const input = tab.input;
  if (input instanceof vscode.TabInputText) return [input.uri];
  if (input instanceof vscode.TabInputTextDiff) return [input.original, input.modified];
  return [];
}

/** The loop's story in the log: decisions at info, per-candidate detail at debug, streaming never. */
function logEvent(ctx: OProverContext, event: JobEvent): void {
  switch (event.type) {
    case 'log':
      ctx.log[event.level](`${event.jobId}: ${event.message}`);
      break;
    case 'round-started':
      ctx.log.debug(`${event.jobId}: round ${event.round} (${event.kind}) started`);
      break;
    case 'retrieved':
      ctx.log.debug(`${event.jobId}: round ${event.round}: ${event.proofs.length} retrieved proof(s): ${event.proofs.map((p) => p.name ?? p.id).join(', ')}`);
      break;
    case 'attempt':
      if (event.problem) ctx.log.debug(`${event.jobId}: round ${event.round} sample ${event.sample + 1}: ${event.problem}`);
      break;
    case 'verdict':
      ctx.log.debug(`${event.jobId}: round ${event.round} sample ${event.sample + 1}: ${event.verdict.kind}: ${event.verdict.reason}`);
      break;
    case 'usage':
      ctx.log.trace(`${event.jobId}: round ${event.round}: ${event.promptTokens} prompt + ${event.completionTokens} completion tokens`);
      break;
    default:
      break;
  }
}

/** One quiet look at the endpoint after activation, for the status bar; no file content is sent. */
async function probeOnStart(ctx: OProverContext, setup: SetupTracker): Promise<void> {
  if (!ctx.trusted) {
    ctx.log.info('endpoint check after activation: skipped (untrusted workspace)');
    return;
  }
  if (ctx.configProblem || ctx.config.endpoints.length === 0) return;
  const key = await ctx.apiKey();
  const results = await Promise.all(ctx.config.endpoints.map((e) => testConnection(e, key, 5000)));
  const detail = results.map((r, i) => `${ctx.config.endpoints[i]!.baseUrl}: ${r.message}`).join('; ');
  setup.recordConnection(results);
  ctx.setEndpointState(results.every((r) => r.ok) ? { kind: 'reachable', detail } : { kind: 'unreachable', detail: `${detail} — run OProver: Test Connection` });
  if (!results.every((r) => r.ok)) ctx.log.warn(`endpoint check: ${detail}`);
}
