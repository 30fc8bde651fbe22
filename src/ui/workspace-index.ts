// The workspace's own theorems in the memory bank: once in the background after activation (with a
// progress item in the status bar, cancellable), again for a file each time it is saved, and a
// deleted file's are forgotten. Each
// file's workspace records are made exactly its current complete proofs, so an edited or deleted
// theorem leaves the bank. Trusted workspaces only; the bank is the one the CLI uses too.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import { findProjectRoot } from '../lean/project';
import { indexFile, indexWorkspace } from '../retrieval/indexer';
import { keyPath } from '../state/resume';

/** Folders never indexed: Lake's build output and packages, our scratch and state. */
const EXCLUDE = '{**/.lake/**,**/lake-packages/**,**/build/**,**/.lean-scratch/**,**/.oprover/**,**/node_modules/**,**/.git/**}';

/** Starts the background pass `delayMs` after activation (activation itself stays fast) and re-indexes on save. */
export function registerWorkspaceIndexing(ctx: OProverContext, delayMs = 2000): vscode.Disposable[] {
  const cancel = new AbortController();
  const timer = setTimeout(() => {
    if (!ctx.trusted || !ctx.config.indexWorkspace) return;
    void indexAll(ctx, cancel.signal).catch((err: unknown) => ctx.log.warn(`indexing the workspace's proofs failed: ${err instanceof Error ? err.message : String(err)}`));
  }, delayMs);
  return [
    { dispose: () => (clearTimeout(timer), cancel.abort()) },
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (!ctx.trusted || !ctx.config.indexWorkspace || document.languageId !== 'lean4' || document.uri.scheme !== 'file') return;
      void reindexSaved(ctx, document).catch((err: unknown) => ctx.log.warn(`re-indexing ${vscode.workspace.asRelativePath(document.uri)} failed: ${err instanceof Error ? err.message : String(err)}`));
    }),
    // A deleted file's theorems go with it (a renamed file is a delete and a create: its save re-adds them).
    vscode.workspace.onDidDeleteFiles((event) => {
      if (!ctx.trusted || !ctx.config.indexWorkspace) return;
      for (const uri of event.files) {
        if (uri.scheme !== 'file' || !uri.fsPath.endsWith('.lean')) continue;
        const root = findProjectRoot(uri.fsPath).root;
        void indexFile(ctx.bank(root), keyPath(root, uri.fsPath), '').catch((err: unknown) => ctx.log.warn(`forgetting the proofs of ${vscode.workspace.asRelativePath(uri)} failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    }),
  ];
}

/** One pass over every Lean file of the workspace, project by project. */
export async function indexAll(ctx: OProverContext, signal?: AbortSignal): Promise<void> {
  const uris = await vscode.workspace.findFiles('**/*.lean', EXCLUDE);
  const byRoot = new Map<string, string[]>();
  for (const uri of uris) {
    if (uri.scheme !== 'file') continue;
    const root = findProjectRoot(uri.fsPath).root;
    byRoot.set(root, [...(byRoot.get(root) ?? []), keyPath(root, uri.fsPath)]);
  }
  if (byRoot.size === 0) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'OProver: indexing proofs' }, async (progress) => {
    for (const [root, files] of byRoot) {
      if (signal?.aborted) return;
      const started = Date.now();
      const r = await indexWorkspace(ctx.bank(root), files, {
        root,
        signal,
        replace: true,
        onProgress: (p) => progress.report({ message: `${p.done}/${p.total} files` }),
      });
      const failed = r.failed.length ? `; could not read ${r.failed.map((f) => f.file).join(', ')}` : '';
      ctx.log.info(`memory bank of ${vscode.workspace.asRelativePath(root)}: ${r.files} files indexed, ${r.theorems} complete proofs (${r.added} new, ${r.removed} changed or gone removed) in ${Date.now() - started} ms${r.cancelled ? ', cancelled' : ''}${failed}`);
    }
  });
}

async function reindexSaved(ctx: OProverContext, document: vscode.TextDocument): Promise<void> {
  const root = findProjectRoot(document.uri.fsPath).root;
  const file = keyPath(root, document.uri.fsPath);
  const r = await indexFile(ctx.bank(root), file, document.getText());
  if (r.added > 0 || r.removed > 0) ctx.log.info(`memory bank: ${file} re-indexed (${r.added} new, ${r.removed} changed or gone removed)`);
}
