// What a first run needs, for the panel's empty-state checklist: an endpoint, maybe an API key, a
// connection that answers, a Lean to check proofs with. Kept up to date as settings change and as
// Test Connection (or the quiet check after start-up) reports; it also learns the model the
// endpoint serves, so the panel can name it instead of "(first served model)".
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import type { ConnectionReport } from '../endpoint/client';
import { leanServerEnv, resolveServerCommand } from '../lean/server';
import type { PanelProvider } from './panel';
import type { SetupInfo } from './protocol';

export class SetupTracker implements vscode.Disposable {
  private servedModel: string | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly ctx: OProverContext,
    private readonly panel: PanelProvider,
  ) {
    this.subscription = ctx.onDidChange(() => void this.refresh());
  }

  /** Results of one check of every endpoint, in the order of `ctx.config.endpoints` (call before setEndpointState). */
  recordConnection(results: readonly ConnectionReport[]): void {
    const first = this.ctx.config.endpoints[0];
    // With oprover.model empty the client asks the first model the server lists.
    this.servedModel = first && !first.model ? results[0]?.models[0] : undefined;
  }

  async info(): Promise<SetupInfo> {
    const { ctx } = this;
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    let lean: SetupInfo['lean'];
    if (!ctx.trusted) lean = { found: false, detail: 'not looked for in an untrusted workspace' };
    else if (folder) {
      const found = resolveServerCommand({ projectRoot: folder, leanPath: ctx.config.leanPath, lakePath: ctx.config.lakePath, env: leanServerEnv(process.env) });
      lean = found.ok ? { found: true, detail: found.description } : { found: false, detail: found.reason };
    } else lean = { found: false, detail: 'open the folder of a Lean project' };
    const e = ctx.endpointState;
    // A settings change resets the state to unknown: an earlier test says nothing about the new endpoint.
    const connection: Pick<SetupInfo, 'connection' | 'connectionDetail' | 'servedModel'> =
      e.kind === 'reachable' ? { connection: 'ok', connectionDetail: e.detail, servedModel: this.servedModel } : e.kind === 'unreachable' ? { connection: 'failed', connectionDetail: e.detail } : { connection: 'untested' };
    return { endpoint: ctx.config.endpoints.length > 0, apiKey: (await ctx.apiKey()) !== undefined, lean, ...connection };
  }

  async refresh(): Promise<void> {
    this.panel.setSetup(await this.info());
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
