// The commands, each a small factory: it takes the context (and the panel) and returns the function
// VS Code calls. extension.ts registers the table; nothing else knows command ids.
import * as vscode from 'vscode';
import { API_KEY_SECRET, type OProverContext } from '../context';
import { importCorpus, importDeclarations } from '../retrieval/indexer';
import { proveAllInFile } from './batch';
import { testConnection as probeEndpoint } from '../endpoint/client';
import { insertVerifiedProof, locate, showDiff, type ProposedContent } from './edits';
import { sorryAt } from './insert';
import type { JobRecord } from './jobs';
import type { PanelProvider } from './panel';
import { settingNamed, type FromWebview, type SetupStep } from './protocol';
import type { SetupTracker } from './setup';
import { findProjectRoot } from '../lean/project';
import { targetFromDocument } from './targets';
import { isOptimizeJob, optimizeAllInFile, optimizeAtCursor, retryOptimize } from './optimize';

export interface UiParts {
  ctx: OProverContext;
  panel: PanelProvider;
  proposals: ProposedContent;
  setup: SetupTracker;
}

export type CommandFactory = (parts: UiParts) => (...args: unknown[]) => unknown;

function leanEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || (editor.document.languageId !== 'lean4' && !editor.document.fileName.endsWith('.lean'))) {
    void vscode.window.showWarningMessage('OProver: open a Lean 4 file first');
    return undefined;
  }
  return editor;
}

/** Starts one job for the sorry at (or nearest to) a position, and shows it in the panel. */
function startAt(parts: UiParts, document: vscode.TextDocument, position: vscode.Position, rounds?: number, searchOnly = false): JobRecord | undefined {
  const { ctx, panel } = parts;
  if (!ctx.requireTrust('Proving')) return undefined;
  const text = document.getText();
  const sorry = sorryAt(text, document.offsetAt(position));
  if (!sorry) {
    void vscode.window.showInformationMessage('OProver: no sorry here. Put the cursor on a sorry (or inside a declaration that has one).');
    return undefined;
  }
  const running = ctx.jobs.running().find((j) => j.uri === document.uri.toString() && j.target.declaration.start === sorry.declaration!.start && j.target.text === text);
  if (running) {
    void panel.reveal({ jobId: running.id });
    return running;
  }
  const job = ctx.jobs.start(targetFromDocument(document, sorry, text), { uri: document.uri.toString(), rounds: rounds ?? ctx.config.rounds, samples: ctx.config.samplesPerRound, ...(searchOnly ? { searchOnly } : {}) });
  void panel.reveal({ jobId: job.id });
  return job;
}

export const proveAtCursor: CommandFactory = (parts) => async (uriArg?: unknown, positionArg?: unknown) => startFromArgs(parts, uriArg, positionArg, false);

/** Search for a Proof: round 0 only (the pre-pass, then the proof-state search), no model call. */
export const searchAtCursor: CommandFactory = (parts) => async (uriArg?: unknown, positionArg?: unknown) => {
  if (parts.ctx.config.searchBudget <= 0) {
    void vscode.window.showInformationMessage('OProver: the proof-state search is off (oprover.searchBudget is 0); set a budget such as 96 to use it.');
    return undefined;
  }
  return startFromArgs(parts, uriArg, positionArg, true);
};

async function startFromArgs(parts: UiParts, uriArg: unknown, positionArg: unknown, searchOnly: boolean): Promise<string | undefined> {
  let document: vscode.TextDocument;
  let position: vscode.Position;
  if (uriArg instanceof vscode.Uri && positionArg instanceof vscode.Position) {
    document = await vscode.workspace.openTextDocument(uriArg);
    position = positionArg;
  } else {
    const editor = leanEditor();
    if (!editor) return undefined;
    document = editor.document;
    position = editor.selection.active;
  }
  return startAt(parts, document, position, undefined, searchOnly)?.id;
}

export const proveAllInFileCommand: CommandFactory = (parts) => async () => {
  const editor = leanEditor();
  if (!editor || !parts.ctx.requireTrust('Proving')) return undefined;
  return proveAllInFile(parts.ctx, parts.panel, editor.document, { proposals: parts.proposals });
};

export const cancel: CommandFactory = (parts) => async (jobIdArg?: unknown) => {
  const { ctx } = parts;
  if (typeof jobIdArg === 'string') return ctx.jobs.cancel(jobIdArg);
  const running = ctx.jobs.running();
  if (running.length === 0) {
    void vscode.window.showInformationMessage('OProver: no proof job is running');
    return false;
  }
  if (running.length === 1) return ctx.jobs.cancel(running[0]!.id);
  const items = [
    { label: 'Cancel all', id: '*' },
    ...running.map((j) => ({ label: j.target.declaration.fullName ?? j.target.declaration.name ?? 'example', description: `${vscode.workspace.asRelativePath(j.target.file)}:${j.target.sorry.range.start.line + 1}`, id: j.id })),
  ];
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Cancel which proof job?' });
  if (!pick) return false;
  if (pick.id === '*') return ctx.jobs.cancelAll() > 0;
  return ctx.jobs.cancel(pick.id);
};

export const showPanel: CommandFactory = (parts) => async (jobIdArg?: unknown) => {
  await parts.panel.reveal(typeof jobIdArg === 'string' ? { jobId: jobIdArg } : undefined);
};

export const setApiKey: CommandFactory = (parts) => async () => {
  const value = await vscode.window.showInputBox({
    title: 'OProver: API key for the inference endpoint',
    prompt: 'Stored in VS Code SecretStorage, never in settings. Leave empty to remove the stored key.',
    password: true,
    ignoreFocusOut: true,
  });
  if (value === undefined) return;
  if (value.trim() === '') {
    await parts.ctx.extension.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage('OProver: API key removed');
  } else {
    await parts.ctx.extension.secrets.store(API_KEY_SECRET, value.trim());
    void vscode.window.showInformationMessage('OProver: API key stored in SecretStorage');
  }
  parts.ctx.log.info('API key updated (the key itself is never logged)');
  await parts.ctx.resetPorts();
  await parts.setup.refresh();
};

export const testConnection: CommandFactory = (parts) => async () => {
  const { ctx } = parts;
  if (!ctx.requireTrust('Testing the connection')) return false;
  if (ctx.configProblem) {
    void vscode.window.showErrorMessage(`OProver settings: ${ctx.configProblem}`);
    return false;
  }
  if (ctx.config.endpoints.length === 0) {
    ctx.setEndpointState({ kind: 'none' });
    void vscode.window.showWarningMessage('OProver: no endpoint configured. Set oprover.endpoint to the base URL of an OpenAI-compatible server (vLLM, SGLang), e.g. http://gpu-box:8000/v1', 'Open Settings').then((pick) => pick && vscode.commands.executeCommand('workbench.action.openSettings', 'oprover.endpoint'));
    return false;
  }
  const key = await ctx.apiKey();
  const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'OProver: testing the endpoint…' }, () =>
    Promise.all(ctx.config.endpoints.map((e) => probeEndpoint(e, key, Math.min(ctx.config.requestTimeoutMs, 15_000)))),
  );
  const ok = results.every((r) => r.ok);
  for (const [i, r] of results.entries()) (r.ok ? ctx.log.info : ctx.log.warn).call(ctx.log, `test connection ${ctx.config.endpoints[i]!.baseUrl}: ${r.message}`);
  const detail = results.map((r, i) => `${ctx.config.endpoints[i]!.baseUrl}: ${r.message}`).join('; ');
  parts.setup.recordConnection(results);
  ctx.setEndpointState(ok ? { kind: 'reachable', detail } : { kind: 'unreachable', detail });
  if (ok) void vscode.window.showInformationMessage(`OProver: ${detail}`);
  else void vscode.window.showErrorMessage(`OProver: ${detail}`);
  return ok;
};

/**
 * Import a JSONL file into the project's memory: verified proofs into the bank, or (second argument
 * `'declarations'`, or the choice offered when no file is given) a declaration dump, statements only,
 * into the declarations store beside it.
 */
export const importCorpusCommand: CommandFactory = (parts) => async (fileArg?: unknown, kindArg?: unknown) => {
  const { ctx } = parts;
  if (!ctx.requireTrust('Importing a proof corpus')) return undefined;
  let file: vscode.Uri | undefined = fileArg instanceof vscode.Uri ? fileArg : undefined;
  let declarations = kindArg === 'declarations';
  if (!file) {
    const kind = await vscode.window.showQuickPick(
      [
        { label: 'Verified proofs', description: 'OProofs or Batteries-style JSONL (statement and proof)', declarations: false },
        { label: 'Declarations (statements only)', description: 'a Mathlib declaration dump (name and type); listed as lemmas that may help, never as proofs', declarations: true },
      ],
      { placeHolder: 'What does the file hold?' },
    );
    if (!kind) return undefined;
    declarations = kind.declarations;
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: declarations ? 'Import declarations' : 'Import proofs', filters: { [declarations ? 'Declaration dump (JSON Lines)' : 'Proof corpus (JSON Lines)']: ['jsonl'] } });
    file = picked?.[0];
  }
  if (!file) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0];
  const projectRoot = vscode.window.activeTextEditor?.document.uri.scheme === 'file' ? findProjectRoot(vscode.window.activeTextEditor.document.uri.fsPath).root : folder?.uri.fsPath;
  if (!projectRoot) {
    void vscode.window.showWarningMessage('OProver: open a folder (the Lean project) first; the memory bank lives in its .oprover folder');
    return undefined;
  }
  const bank = ctx.bank(projectRoot);
  const what = declarations ? 'declarations' : 'proofs';
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `OProver: importing ${what}`, cancellable: true }, async (progress, token) => {
    const stop = new AbortController();
    token.onCancellationRequested(() => stop.abort());
    let last = 0;
    const options = {
      signal: stop.signal,
      onProgress: (p: { done: number; total: number; message: string }) => {
        const pct = p.total > 0 ? (100 * p.done) / p.total : 0;
        progress.report({ message: p.message, increment: pct - last });
        last = pct;
      },
    };
    return declarations ? importDeclarations(bank, file.fsPath, options) : importCorpus(await bank.open(), file.fsPath, options);
  });
  const msg = `imported ${result.imported} ${declarations ? 'declarations (statements only)' : 'proofs'} (${result.duplicates} already known${result.malformed.length ? `, ${result.malformed.length} malformed lines skipped, first at line ${result.malformed[0]!.line}: ${result.malformed[0]!.error}` : ''})${result.cancelled ? '; cancelled' : ''}`;
  ctx.log.info(`import ${file.fsPath}: ${msg}`);
  void vscode.window.showInformationMessage(`OProver: ${msg}`);
  return result;
};

export const retry: CommandFactory = (parts) => async (jobIdArg?: unknown, extraArg?: unknown) => {
  const { ctx } = parts;
  const finished = ctx.jobs.list().filter((j) => j.status !== 'running' && j.status !== 'queued' && j.status !== 'proved');
  let job = typeof jobIdArg === 'string' ? ctx.jobs.get(jobIdArg) : finished[finished.length - 1];
  if (!job) {
    void vscode.window.showInformationMessage('OProver: no finished job to retry');
    return undefined;
  }
  if (!ctx.requireTrust('Proving')) return undefined;
  const extra = typeof extraArg === 'number' ? extraArg : ctx.config.rounds;
  if (isOptimizeJob(job)) return retryOptimize(parts, job, job.rounds + extra);
  const previous = job.result ?? (await job.done);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(job.uri));
  const text = document.getText();
  const sorry = sorryAt(text, job.target.sorry.offset) ?? undefined;
  if (!sorry || text.slice(sorry.declaration!.start, sorry.declaration!.end) !== job.target.text.slice(job.target.declaration.start, job.target.declaration.end)) {
    // The file changed: a fresh job on the sorry where the declaration now is, with the whole budget.
    const at = document.positionAt(job.target.sorry.offset);
    job = startAt(parts, document, at, job.rounds + extra);
  } else if (previous?.lastFailure) {
    // The same statement: `extra` more rounds that go on from the last failed attempt and its feedback.
    job = ctx.jobs.start(targetFromDocument(document, sorry, text), { uri: job.uri, rounds: extra, samples: ctx.config.samplesPerRound, continueFrom: previous.lastFailure });
    void parts.panel.reveal({ jobId: job.id });
  } else {
    job = ctx.jobs.start(targetFromDocument(document, sorry, text), { uri: job.uri, rounds: job.rounds + extra, samples: ctx.config.samplesPerRound });
    void parts.panel.reveal({ jobId: job.id });
  }
  return job?.id;
};

/** What the panel's buttons do. */
export async function handlePanelMessage(parts: UiParts, message: FromWebview): Promise<void> {
  const { ctx, panel } = parts;
  if (message.type === 'clear-finished') {
    panel.clearFinished();
    return;
  }
  if (message.type === 'setup') {
    await runSetupStep(message.step);
    return;
  }
  if (message.type !== 'action') return;
  const job = ctx.jobs.get(message.jobId);
  if (!job) return;
  const note = (level: 'info' | 'warn' | 'error', text: string, inserted?: boolean) => panel.addNote({ jobId: job.id, level, text, inserted });
  try {
    switch (message.action) {
      case 'insert': {
        const outcome = await insertVerifiedProof(ctx, job);
        note(outcome.ok ? 'info' : 'warn', outcome.message, outcome.ok);
        if (!outcome.ok) void vscode.window.showWarningMessage(`OProver: ${outcome.message}`);
        break;
      }
      case 'diff':
      case 'copy': {
        const candidate = ctx.jobs.candidate(job.id, message.attempt);
        if (!candidate) {
          note('warn', 'this attempt has no proof to show');
          break;
        }
        const verified = message.attempt === undefined ? job.result?.status === 'proved' : job.result?.proof?.id === candidate.id;
        if (message.action === 'copy') {
          await vscode.env.clipboard.writeText(candidate.declarationText);
          note('info', verified ? 'verified proof copied' : 'attempt copied (not verified by Lean)');
        } else {
          const outcome = await showDiff(ctx, parts.proposals, job, candidate, verified);
          if (outcome.message !== 'diff shown') note('info', outcome.message);
        }
        break;
      }
      case 'locate':
        await locate(job);
        break;
      case 'cancel':
        ctx.jobs.cancel(job.id);
        break;
      case 'retry':
        await vscode.commands.executeCommand('oprover.retry', job.id);
        break;
      case 'settings':
        await openSettings(settingNamed(job.result?.reason ?? lastReason(job)) ?? 'oprover');
        break;
    }
  } catch (err) {
    note('error', err instanceof Error ? err.message : String(err));
  }
}

function openSettings(query: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** The reason of a job's job-finished event (a job that could not start has no result yet). */
function lastReason(job: JobRecord): string | undefined {
  for (let i = job.events.length - 1; i >= 0; i--) {
    const e = job.events[i]!;
    if (e.type === 'job-finished') return e.reason;
  }
  return undefined;
}

/** The empty panel's checklist links. */
async function runSetupStep(step: SetupStep): Promise<void> {
  switch (step) {
    case 'endpoint':
      await openSettings('oprover.endpoint');
      break;
    case 'api-key':
      await vscode.commands.executeCommand('oprover.setApiKey');
      break;
    case 'test-connection':
      await vscode.commands.executeCommand('oprover.testConnection');
      break;
    case 'lean':
      await openSettings('oprover.leanPath');
      break;
  }
}

/** The job an editor-side action (CodeLens, diff title) names: its id, or the one behind a proposed document. */
function jobArgument(parts: UiParts, arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return parts.proposals.jobOf(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  return active ? parts.proposals.jobOf(active) : undefined;
}

/** Insert a job's verified proof from outside the panel (the CodeLens, the diff editor's title). */
export const insertProofCommand: CommandFactory = (parts) => async (arg?: unknown) => {
  const jobId = jobArgument(parts, arg);
  if (!jobId || !parts.ctx.jobs.get(jobId)) {
    void vscode.window.showInformationMessage('OProver: this proof is no longer known (the job was cleared); run the job again');
    return;
  }
  await handlePanelMessage(parts, { type: 'action', action: 'insert', jobId });
};

export const showProofDiffCommand: CommandFactory = (parts) => async (arg?: unknown) => {
  const jobId = jobArgument(parts, arg);
  if (jobId) await handlePanelMessage(parts, { type: 'action', action: 'diff', jobId });
};

export const clearFinished: CommandFactory = (parts) => () => parts.panel.clearFinished();

export const cancelAll: CommandFactory = (parts) => () => parts.ctx.jobs.cancelAll();

export const COMMANDS: Record<string, CommandFactory> = {
  'oprover.proveAtCursor': proveAtCursor,
  'oprover.proveAllInFile': proveAllInFileCommand,
  'oprover.cancel': cancel,
  'oprover.showPanel': showPanel,
  'oprover.setApiKey': setApiKey,
  'oprover.testConnection': testConnection,
  'oprover.importCorpus': importCorpusCommand,
  'oprover.retry': retry,
  'oprover.insertProof': insertProofCommand,
  'oprover.showProofDiff': showProofDiffCommand,
  'oprover.clearFinished': clearFinished,
  'oprover.cancelAll': cancelAll,
  'oprover.searchAtCursor': searchAtCursor,
  'oprover.optimizeAtCursor': optimizeAtCursor,
  'oprover.optimizeAllInFile': optimizeAllInFile,
};
