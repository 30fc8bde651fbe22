// Activation: build the context, register the UI. Nothing else happens here; no process starts
// and nothing is sent until the user asks for a proof.
import type * as vscode from 'vscode';
import { OProverContext } from './context';
import { registerUi } from './ui';

export function activate(extension: vscode.ExtensionContext): OProverContext {
  const ctx = new OProverContext(extension);
  extension.subscriptions.push(ctx, ...registerUi(ctx));
  ctx.log.info(`OProver activated (${ctx.trusted ? 'trusted workspace' : 'untrusted workspace: no Lean process, nothing sent'})`);
  return ctx;
}

export function deactivate(): void {}
