// The editor's context: one object that wires the wings into the core for VS Code (as the CLI's
// ports.ts does for the command line). It reads `oprover.*` settings through resolveConfig, the
// API key from SecretStorage (or OPROVER_API_KEY when SecretStorage has none), and builds per
// project, on first use, the Verifier (a Lean server), the Retriever (the project's memory bank)
// and the Model (the configured endpoints). Nothing starts at activation, and nothing starts at all
// in an untrusted workspace.
import path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError, DEFAULT_CONFIG, type OProverConfig } from './config';
import { prove, type ProverPorts } from './core/prover';
import { ActionableError, type RetrievalQuery, type RetrievedProof, type Retriever, type Verifier, type VerifiedProof } from './core/types';
import { EndpointModel } from './endpoint/client';
import { ThreadedReplyReader } from './endpoint/reply-reader';
import { EditorGoals, goalSource } from './lean/editor-goals';
import { LeanVerifier } from './lean/verifier';
import { tacticGoalsFactory } from './lean/tactic-goals';
import { statesSource } from './lean/states';
import type { StatesSource } from './core/optimize/states';
import { memoryFromSettings, type MemoryBank } from './retrieval/memory';
import { JobManager } from './ui/jobs';
import { configFromSettings } from './ui/settings';
import { findProjectRoot } from './lean/project';

export const API_KEY_SECRET = 'oprover.apiKey';

export type EndpointState = { kind: 'none' } | { kind: 'unknown' } | { kind: 'reachable'; detail: string } | { kind: 'unreachable'; detail: string };

/** Retrieval is a help, not a requirement: a bank that cannot open (no embedder runtime) yields nothing. */
class TolerantRetriever implements Retriever {
  private warned = false;
  constructor(
    private readonly bank: MemoryBank,
    private readonly log: vscode.LogOutputChannel,
  ) {}
  async retrieve(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedProof[]> {
    try {
      return await this.bank.retrieve(query, k, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!this.warned) this.log.warn(`memory bank unavailable, proving without retrieval: ${err instanceof Error ? err.message : String(err)}`);
      this.warned = true;
      return [];
    }
  }
  async remember(proof: VerifiedProof): Promise<void> {
    await this.bank.remember(proof);
  }
}

export class OProverContext implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly jobs: JobManager;
  config: OProverConfig = structuredClone(DEFAULT_CONFIG);
  /** The settings problem, worded as what to fix; undefined when the settings are valid. */
  configProblem: string | undefined;
  endpointState: EndpointState = { kind: 'unknown' };
  private readonly verifiers = new Map<string, Promise<LeanVerifier>>();
  private readonly banks = new Map<string, MemoryBank>();
  private model: EndpointModel | undefined;
  /** Replies are read on a worker thread (dist/reply-worker.js), never on the extension host's. */
  private readonly replyReader = ThreadedReplyReader.bundled(__dirname);
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('OProver', { log: true });
    this.jobs = new JobManager((target, options) => this.runProof(target, options));
    this.reloadConfig();
    this.disposables.push(
      this.log,
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('oprover')) {
          this.reloadConfig();
          void this.resetPorts();
        }
      }),
      // Restricted settings (endpoint, Lean paths) only take their workspace values once trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.reloadConfig();
        void this.resetPorts();
      }),
    );
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** False (after saying why) in an untrusted workspace: no process starts and nothing is sent. */
  requireTrust(what: string): boolean {
    if (this.trusted) return true;
    const why = `${what} is off in an untrusted workspace: it would start Lean and send file contents to the endpoint. Trust the workspace to use it.`;
    this.log.warn(why); // the notification fades; the log keeps what was refused
    void vscode.window
      .showWarningMessage(`OProver: ${why}`, 'Manage Workspace Trust')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  reloadConfig(): void {
    const settings = vscode.workspace.getConfiguration('oprover');
    try {
      // What the user set, else the manifest's default; a setting with no default (the sampling
      // values, which come from the prompt profile) stays unset instead of a typed zero.
      this.config = configFromSettings((key) => {
        const i = settings.inspect(key);
        // (VS Code gives a setting without a manifest default a typed zero as its default; every
        // manifest default equals DEFAULT_CONFIG's, which resolveConfig applies to what is unset.)
        const unset = i !== undefined && [i.globalValue, i.workspaceValue, i.workspaceFolderValue, i.globalLanguageValue, i.workspaceLanguageValue, i.workspaceFolderLanguageValue].every((v) => v === undefined);
        return unset ? undefined : settings.get(key);
      });
      this.configProblem = undefined;
    } catch (err) {
      this.config = structuredClone(DEFAULT_CONFIG);
      this.configProblem = err instanceof ConfigError ? `${err.message} (using the defaults until it is fixed)` : String(err);
      this.log.error(`settings: ${this.configProblem}`);
      const key = err instanceof ConfigError ? err.key.replace(/\[.*$/, '') : '';
      void vscode.window.showErrorMessage(`OProver settings: ${this.configProblem}`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', `oprover.${key}`);
      });
    }
    this.endpointState = this.config.endpoints.length === 0 ? { kind: 'none' } : { kind: 'unknown' };
    this.changed.fire();
  }

  setEndpointState(state: EndpointState): void {
    this.endpointState = state;
    this.changed.fire();
  }

  /** SecretStorage first; the OPROVER_API_KEY environment variable when it holds none (CI, tests). */
  async apiKey(): Promise<string | undefined> {
    const stored = await this.extension.secrets.get(API_KEY_SECRET);
    if (stored) return stored;
    const env = process.env.OPROVER_API_KEY;
    return env && env.trim() ? env.trim() : undefined;
  }

  endpointDescription(): string {
    return this.config.endpoints.map((e) => `${e.baseUrl}${e.model ? ` (${e.model})` : ''}`).join(', ');
  }

  /** The project's memory bank (shared with the CLI: `.oprover/bank` under the project root). */
  bank(projectRoot: string): MemoryBank {
    let bank = this.banks.get(projectRoot);
    if (!bank) {
      const config = this.config;
      bank = memoryFromSettings(path.join(projectRoot, '.oprover', 'bank'), config, (m) => this.log.info(m));
      this.banks.set(projectRoot, bank);
    }
    return bank;
  }

  /** One Lean verifier per project; it starts its server on the first check, not here. */
  private verifier(projectRoot: string): Promise<LeanVerifier> {
    let v = this.verifiers.get(projectRoot);
    if (!v) {
      v = Promise.resolve(new LeanVerifier({ projectRoot, config: this.config, log: (m) => this.log.info(m) }));
      this.verifiers.set(projectRoot, v);
    }
    return v;
  }

  async ports(projectRoot: string): Promise<ProverPorts & { states: StatesSource }> {
    if (!this.trusted) throw new ActionableError('the workspace is not trusted: OProver starts no Lean process and sends nothing', 'untrusted');
    if (this.configProblem) throw new ActionableError(`fix the settings first: ${this.configProblem}`, 'bad-settings');
    const verifier = await this.verifier(projectRoot);
    // One model for all jobs, so what it learns about endpoints (health, `n` support) carries over.
    if (this.config.endpoints.length > 0 && !this.model) {
      this.model = new EndpointModel({ endpoints: this.config.endpoints, apiKey: await this.apiKey(), config: this.config, log: (level, message) => this.log[level](message) });
    }
    const model = this.config.endpoints.length > 0 ? this.model : undefined;
    // Goals from vscode-lean4's client for the file when it runs, else from the verifier's own server.
    const goals = new EditorGoals({ extensions: vscode.extensions, fallback: verifier.goalAt.bind(verifier), termFallback: (root, text, position, file) => verifier.goalAt(root, text, position, file, undefined, true), timeoutMs: 5000, log: (m) => this.log.info(m) });
    return {
      verifier,
      model,
      retriever: new TolerantRetriever(this.bank(projectRoot), this.log),
      goal: goalSource(goals, (file) => vscode.Uri.file(file).toString()),
      readReply: this.replyReader?.read,
      search: tacticGoalsFactory(verifier, this.config),
      states: statesSource(verifier),
    };
  }

  private async runProof(target: Parameters<typeof prove>[0], options: Parameters<typeof prove>[3]) {
    const ports = await this.ports(target.projectRoot || findProjectRoot(target.file).root);
    this.log.info(`proving ${target.declaration.fullName ?? target.declaration.name ?? 'example'} (${vscode.workspace.asRelativePath(target.file)}:${target.sorry.range.start.line + 1})`);
    const result = await prove(target, this.config, ports, options);
    const line = `${result.status}: ${result.reason} (${result.rounds} round${result.rounds === 1 ? '' : 's'}, ${(result.elapsedMs / 1000).toFixed(1)} s)`;
    if (result.status === 'proved') this.log.info(line);
    else if (result.status === 'error') this.log.error(line);
    else this.log.warn(line);
    if (result.status === 'error' && /endpoint|ECONNREFUSED|fetch failed|connect/i.test(result.reason) && this.config.endpoints.length > 0) {
      this.setEndpointState({ kind: 'unreachable', detail: `endpoint unreachable at ${this.endpointDescription()}: run OProver: Test Connection` });
    }
    return result;
  }

  /** Stops every Lean server and forgets the wiring; the next job builds it again from the settings. */
  async resetPorts(): Promise<void> {
    const verifiers = [...this.verifiers.values()];
    this.verifiers.clear();
    this.model = undefined;
    const banks = [...this.banks.values()];
    this.banks.clear();
    await Promise.all([
      ...verifiers.map((v) => v.then((x) => x.dispose()).catch(() => undefined)),
      ...banks.map((b) => b.close().catch(() => undefined)),
    ]);
  }

  fireChanged(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.jobs.cancelAll();
    void this.resetPorts();
    void this.replyReader?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
