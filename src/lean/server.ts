// A headless Lean language server owned by the verifier: `lake serve --` in a Lake project, else
// `lean --server`, spoken to over vscode-jsonrpc on the child's stdio. It is spawned detached, with a
// minimal environment (no API keys), and initialized for automated checking: no edit delay, no report
// delay, silent diagnostics. Lean starts its file workers in sessions of their own, so the server is
// ended by killing its whole process tree (process-tree.ts), never by its process group alone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection, type NotificationType } from 'vscode-jsonrpc/node';
import type { LeanSandboxSetting } from '../config';
import { descendants, killTree, killTreeAndWait, processTable, treeRssBytes, waitGone } from './process-tree';
import { isLakeProject } from './project';
import * as P from './protocol';

export interface ServerCommand {
  command: string;
  args: string[];
}

export type Sandbox = LeanSandboxSetting;

export interface LeanServerOptions {
  projectRoot: string;
  /** `lean` executable (empty: `lean` on PATH, then elan's bin folder). */
  leanPath?: string;
  /** `lake` executable (empty: next to `lean`, then on PATH, then elan's bin folder). */
  lakePath?: string;
  /** Replaces the whole command (the scripted server in tests, or a wrapper). */
  command?: ServerCommand;
  /** Extra `-D` options and arguments after the defaults. */
  extraArgs?: string[];
  /**
   * `no-network` runs the server under bubblewrap without network access (Linux, fails without a
   * working `bwrap`); `auto` (default) does so where bubblewrap works and says when it cannot.
   */
  sandbox?: Sandbox;
  /** Environment to filter (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** `initializationOptions.editDelay` in ms (Lean's default is 200; 1 suits automated checks). */
  editDelay?: number;
  log?: (message: string) => void;
  /** Limit for process start plus `initialize`. */
  startTimeoutMs?: number;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `name` in one of the PATH folders (with Windows extensions), else undefined. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

/** `name` on PATH or in elan's bin folder. */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  return onPath(name, envPath) ?? onPath(name, path.join(os.homedir(), '.elan', 'bin'));
}

function resolveExecutable(configured: string | undefined, name: string, envPath: string): string | undefined {
  const p = configured?.trim();
  if (!p) return findExecutable(name, envPath);
  if (p.includes('/') || p.includes('\\')) return isExecutable(path.resolve(p)) ? path.resolve(p) : undefined;
  return findExecutable(p, envPath);
}

export const INSTALL_HINT = 'install elan (https://github.com/leanprover/elan) so that `lean` and `lake` are on PATH, or set oprover.leanPath (and oprover.lakePath)';

/** Arguments every server gets: report diagnostics at once instead of after 200 ms. */
export const SERVER_DEFAULT_ARGS = ['-Dserver.reportDelayMs=0'];

export type CommandResolution = { ok: true; command: ServerCommand; description: string } | { ok: false; reason: string };

/** The command that starts the server for a project, or what the user must do to get one. */
export function resolveServerCommand(options: Pick<LeanServerOptions, 'projectRoot' | 'leanPath' | 'lakePath' | 'command' | 'extraArgs' | 'env'>): CommandResolution {
  const extra = options.extraArgs ?? [];
  if (options.command) {
    return { ok: true, command: { command: options.command.command, args: [...options.command.args, ...extra] }, description: `${options.command.command} (configured command)` };
  }
  const envPath = (options.env ?? process.env).PATH ?? '';
  const lean = resolveExecutable(options.leanPath, 'lean', envPath);
  if (options.leanPath?.trim() && !lean) return { ok: false, reason: `oprover.leanPath "${options.leanPath}" is not an executable file; ${INSTALL_HINT}` };
  if (isLakeProject(options.projectRoot)) {
    const nextToLean = lean ? path.join(path.dirname(lean), process.platform === 'win32' ? 'lake.exe' : 'lake') : undefined;
    const lake = options.lakePath?.trim()
      ? resolveExecutable(options.lakePath, 'lake', envPath)
      : nextToLean && isExecutable(nextToLean)
        ? nextToLean
        : findExecutable('lake', envPath);
    if (!lake) return { ok: false, reason: `${options.projectRoot} is a Lake project but no \`lake\` was found; ${INSTALL_HINT}` };
    return { ok: true, command: { command: lake, args: ['serve', '--', ...SERVER_DEFAULT_ARGS, ...extra] }, description: `${lake} serve` };
  }
  if (!lean) return { ok: false, reason: `no Lean toolchain found: ${INSTALL_HINT}` };
  return { ok: true, command: { command: lean, args: ['--server', ...SERVER_DEFAULT_ARGS, ...extra] }, description: `${lean} --server` };
}

/** Variables a Lean toolchain needs; everything else (API keys above all) stays out of its environment. */
const ENV_KEEP = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TMPDIR', 'TMP', 'TEMP', 'TZ', 'SystemRoot', 'SYSTEMROOT', 'windir', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'HOMEDRIVE', 'HOMEPATH', 'PATHEXT', 'ComSpec', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'GIT_DIR']);
const ENV_KEEP_PREFIXES = ['LC_', 'LEAN_', 'LAKE_', 'ELAN_'];
const ENV_SECRET = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|OPENAI|OPROVER/i;

export function leanServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || ENV_SECRET.test(k)) continue;
    if (k === 'GIT_DIR') continue;
    if (ENV_KEEP.has(k) || ENV_KEEP_PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  }
  const elanBin = path.join(os.homedir(), '.elan', 'bin');
  if (fs.existsSync(elanBin) && !(out.PATH ?? '').split(path.delimiter).includes(elanBin)) {
    out.PATH = out.PATH ? `${out.PATH}${path.delimiter}${elanBin}` : elanBin;
  }
  return out;
}

/**
 * Wraps a command in bubblewrap: no network, the file system read-only except the project, the
 * temp folder and the Lean toolchain's caches, and its own PID namespace (when the sandbox goes, every
 * process in it goes). It does not hide files from reading, nor limit CPU or memory. No
 * `--new-session`: the server is already spawned detached (a new session without a terminal), and
 * staying in that process group keeps group kills and the group's RSS covering the sandboxed processes.
 */
export function sandboxCommand(command: ServerCommand, projectRoot: string, bwrap: string): ServerCommand {
  const writable = [projectRoot, os.tmpdir(), path.join(os.homedir(), '.elan'), path.join(os.homedir(), '.cache')].filter((p) => fs.existsSync(p));
  const args = ['--unshare-net', '--unshare-pid', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const p of writable) args.push('--bind', p, p);
  args.push('--chdir', projectRoot, '--', command.command, ...command.args);
  return { command: bwrap, args };
}

let bubblewrapProbe: { ok: true; bwrap: string } | { ok: false; reason: string } | undefined;

/**
 * Whether bubblewrap can actually make a sandbox here: being installed is not enough (user
 * namespaces may be disabled or restricted). Probed once per process.
 */
export function bubblewrap(): { ok: true; bwrap: string } | { ok: false; reason: string } {
  if (bubblewrapProbe) return bubblewrapProbe;
  const bwrap = process.platform === 'linux' ? findExecutable('bwrap') : undefined;
  if (!bwrap) {
    bubblewrapProbe = { ok: false, reason: process.platform === 'linux' ? 'bubblewrap (`bwrap`) is not installed (Debian/Ubuntu: apt install bubblewrap)' : `the sandbox needs bubblewrap, which is Linux-only (this is ${process.platform})` };
    return bubblewrapProbe;
  }
  const probe = spawnSync(bwrap, ['--unshare-net', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', 'sh', '-c', ':'], { encoding: 'utf8', timeout: 10_000 });
  bubblewrapProbe =
    probe.status === 0
      ? { ok: true, bwrap }
      : { ok: false, reason: `${bwrap} cannot create a sandbox here (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0]}); user namespaces may be disabled` };
  return bubblewrapProbe;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the server wrote to stderr. */
  stderr: string;
}

export class ServerExitedError extends Error {
  constructor(readonly exit: ServerExit) {
    super(`the Lean server exited (${exit.signal ?? `code ${exit.code}`})${exit.stderr ? `: ${exit.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    this.name = 'ServerExitedError';
  }
}

const liveServers = new Set<number>();
let exitHookInstalled = false;
function trackServer(pid: number): void {
  liveServers.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached servers and their workers would outlive us: kill what is left when this process exits.
  process.on('exit', () => {
    for (const pid of liveServers) killServerTree(pid);
  });
}

/** Kills the server's whole tree (its workers run in sessions of their own) and its process group. */
function killServerTree(pid: number): void {
  killTree(pid);
  if (process.platform === 'win32') return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

export class LeanServer {
  private exitInfo: ServerExit | undefined;
  private readonly exitPromise: Promise<ServerExit>;
  private stderrTail = '';
  private readonly diagnosticsListeners = new Set<(p: P.LeanPublishDiagnosticsParams) => void>();
  private readonly progressListeners = new Set<(p: P.LeanFileProgressParams) => void>();
  private readonly watchedGlobs: string[] = [];
  readonly startedAt = Date.now();

  private constructor(
    private readonly child: ChildProcess,
    readonly connection: MessageConnection,
    readonly description: string,
    private readonly log: (m: string) => void,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', async (code, signal) => {
        // Let the last stderr lines (the reason for a crash) arrive first.
        await new Promise<void>((r) => {
          if (!child.stderr || child.stderr.readableEnded) return r();
          child.stderr.once('end', () => r());
          setTimeout(r, 100).unref();
        });
        this.exitInfo = { code, signal, stderr: this.stderrTail };
        if (child.pid !== undefined) liveServers.delete(child.pid);
        this.log(`lean server ${child.pid} exited (${signal ?? `code ${code}`})`);
        connection.dispose();
        resolve(this.exitInfo);
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    connection.onNotification(P.publishDiagnostics, (p) => {
      for (const l of this.diagnosticsListeners) l(p);
    });
    connection.onNotification(P.fileProgress, (p) => {
      for (const l of this.progressListeners) l(p);
    });
    // Lean registers its file watchers here: remember the globs, so we only send changes it asked for.
    connection.onRequest(P.registerCapability, (params) => {
      for (const r of params.registrations ?? []) {
        if (r.method !== P.didChangeWatchedFiles.method) continue;
        for (const w of r.registerOptions?.watchers ?? []) this.watchedGlobs.push(typeof w.globPattern === 'string' ? w.globPattern : w.globPattern.pattern);
      }
      return null;
    });
    // Other requests the server may send (workspace/configuration, …): answer harmlessly.
    connection.onRequest(() => null);
    connection.onNotification(() => undefined);
  }

  /**
   * Spawns and initializes a server; rejects with a readable reason if it cannot start. Lean
   * versions that do not know `server.reportDelayMs` refuse to start with it: they are started
   * again without it.
   */
  static async start(options: LeanServerOptions): Promise<LeanServer> {
    const resolved = resolveServerCommand(options);
    if (!resolved.ok) throw new Error(resolved.reason);
    try {
      return await LeanServer.startWith(options, resolved.command, resolved.description);
    } catch (err) {
      if (!(err instanceof ServerExitedError) || !/unknown configuration option 'server\.reportDelayMs'/.test(err.exit.stderr)) throw err;
      options.log?.('this Lean has no server.reportDelayMs option; starting it without');
      const command = { command: resolved.command.command, args: resolved.command.args.filter((a) => !a.startsWith('-Dserver.reportDelayMs')) };
      return LeanServer.startWith(options, command, resolved.description);
    }
  }

  private static async startWith(options: LeanServerOptions, resolvedCommand: ServerCommand, description: string): Promise<LeanServer> {
    const log = options.log ?? (() => undefined);
    let command = resolvedCommand;
    const sandbox = options.sandbox ?? 'auto';
    if (sandbox !== 'off') {
      const probe = bubblewrap();
      if (probe.ok) command = sandboxCommand(command, options.projectRoot, probe.bwrap);
      else if (sandbox === 'no-network') throw new Error(`oprover.leanSandbox is "no-network" but ${probe.reason}`);
      else log(`Lean runs without the no-network sandbox: ${probe.reason}`);
    }
    const env = leanServerEnv(options.env ?? process.env);
    log(`starting ${command.command} ${command.args.join(' ')} in ${options.projectRoot}`);
    const child = spawn(command.command, command.args, {
      cwd: options.projectRoot,
      env,
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`cannot start ${command.command}: ${err.message}`))));
    spawnError.catch(() => undefined);
    if (child.pid !== undefined) trackServer(child.pid);
    child.stdin!.on('error', () => undefined); // EPIPE after a crash; the exit handler reports it
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const server = new LeanServer(child, connection, description, log);
    connection.listen();
    const startTimeout = options.startTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        spawnError,
        server.request<P.InitializeResult>(P.initialize.method, {
          // in the sandbox's PID namespace our pid names no process (or another one): LSP servers that
          // watch their client would exit, so say there is none to watch
          processId: command === resolvedCommand ? process.pid : null,
          rootUri: pathToFileURL(options.projectRoot).href,
          capabilities: { lean: { silentDiagnosticSupport: true } },
          initializationOptions: { editDelay: options.editDelay ?? 1, hasWidgets: false },
          clientInfo: { name: 'oprover' },
        } satisfies P.InitializeParams).promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the Lean server did not answer \`initialize\` within ${Math.round(startTimeout / 1000)} s`)), startTimeout);
        }),
      ]);
    } catch (err) {
      server.kill();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    await connection.sendNotification(P.initialized, {});
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): ServerExit | undefined {
    return this.exitInfo;
  }

  /** Resolves when the process exits (crash, kill or shutdown). */
  whenExited(): Promise<ServerExit> {
    return this.exitPromise;
  }

  onDiagnostics(listener: (p: P.LeanPublishDiagnosticsParams) => void): () => void {
    this.diagnosticsListeners.add(listener);
    return () => this.diagnosticsListeners.delete(listener);
  }

  onFileProgress(listener: (p: P.LeanFileProgressParams) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  async open(uri: string, text: string, version: number, dependencyBuildMode: P.DependencyBuildMode = 'never'): Promise<void> {
    await this.notify(P.didOpen, { textDocument: { uri, languageId: 'lean4', version, text }, dependencyBuildMode });
  }

  async change(uri: string, version: number, changes: P.TextDocumentContentChangeEvent[]): Promise<void> {
    await this.notify(P.didChange, { textDocument: { uri, version }, contentChanges: changes });
  }

  async close(uri: string): Promise<void> {
    await this.notify(P.didClose, { textDocument: { uri } });
  }

  /** Whether the server registered a file watcher for `.lean` files (current Lean does). */
  get watchesLeanFiles(): boolean {
    return this.watchedGlobs.some((g) => /\*\.lean$/.test(g));
  }

  /** Tells the server that these `.lean` files changed on disk, if it asked to be told (else nothing is sent). */
  async leanFilesChanged(uris: string[]): Promise<boolean> {
    if (uris.length === 0 || !this.watchesLeanFiles) return false;
    await this.notify(P.didChangeWatchedFiles, { changes: uris.map((uri) => ({ uri, type: P.FileChangeType.Changed })) });
    return true;
  }

  private async notify<T>(type: NotificationType<T>, params: T): Promise<void> {
    if (this.exitInfo) throw new ServerExitedError(this.exitInfo);
    await this.connection.sendNotification(type, params);
  }

  /**
   * Sends a request that fails with ServerExitedError if the process dies first, and is cancelled
   * (`$/cancelRequest`) when the returned `cancel` is called.
   */
  request<R>(method: string, params: unknown): { promise: Promise<R>; cancel: () => void } {
    if (this.exitInfo) return { promise: Promise.reject(new ServerExitedError(this.exitInfo)), cancel: () => undefined };
    const source = new CancellationTokenSource();
    const promise = Promise.race([
      (this.connection.sendRequest(method, params, source.token) as Promise<R>).catch((err: unknown) => {
        // A request that fails because the process died reports the exit, not the closed pipe.
        if (this.exitInfo) throw new ServerExitedError(this.exitInfo);
        throw err;
      }),
      this.exitPromise.then((e) => Promise.reject(new ServerExitedError(e))),
    ]);
    promise.catch(() => undefined).finally(() => source.dispose());
    // No `$/cancelRequest` to a process that exited: its pipe is closed.
    return { promise, cancel: () => (this.exitInfo ? undefined : source.cancel()) };
  }

  waitForDiagnostics(uri: string, version: number): { promise: Promise<unknown>; cancel: () => void } {
    return this.request(P.waitForDiagnostics.method, { uri, version } satisfies P.WaitForDiagnosticsParams);
  }

  /** `textDocument/documentSymbol`: the declarations (and namespaces) Lean read in the document. */
  documentSymbol(uri: string): { promise: Promise<P.DocumentSymbol[] | null>; cancel: () => void } {
    return this.request<P.DocumentSymbol[] | null>(P.documentSymbol.method, { textDocument: { uri } } satisfies P.DocumentSymbolParams);
  }

  plainGoal(uri: string, position: P.Position): { promise: Promise<P.PlainGoal | null>; cancel: () => void } {
    return this.request<P.PlainGoal | null>(P.plainGoal.method, { textDocument: { uri }, position } satisfies P.TextDocumentPositionParams);
  }

  plainTermGoal(uri: string, position: P.Position): { promise: Promise<P.PlainTermGoal | null>; cancel: () => void } {
    return this.request<P.PlainTermGoal | null>(P.plainTermGoal.method, { textDocument: { uri }, position } satisfies P.TextDocumentPositionParams);
  }

  /** Resident memory of the server and its workers (the whole process tree), in bytes; undefined where it cannot be read. */
  rssBytes(): number | undefined {
    return this.child.pid === undefined || this.exitInfo ? undefined : treeRssBytes(this.child.pid);
  }

  /** `shutdown` + `exit`, then the process tree is killed (always: workers may outlive the watchdog). */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exitInfo) return;
    // Workers still running after the watchdog exits are no longer below it: note them first.
    const table = this.child.pid === undefined ? undefined : processTable();
    const below = table ? descendants(this.child.pid!, table) : [];
    const { promise } = this.request(P.shutdown.method, null);
    const grace = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([promise.catch(() => undefined), grace]);
    if (!this.exitInfo) {
      await this.connection.sendNotification(P.exit).catch(() => undefined);
      await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    this.kill();
    // Only a process that still runs the same command is ours (a pid may have been reused meanwhile);
    // one whose command can no longer be read is exiting: it is waited for, not signalled.
    const now = new Map((below.length > 0 ? (processTable() ?? []) : []).map((p) => [p.pid, p.command]));
    await Promise.all([
      ...below.filter((p) => now.get(p.pid) === p.command).map((p) => killTreeAndWait(p.pid, graceMs)),
      waitGone(below.filter((p) => now.get(p.pid) === '').map((p) => p.pid), graceMs),
    ]);
    await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  /** Kills the whole process tree (watchdog, workers and what they started) and the process group. */
  kill(): void {
    if (this.child.pid !== undefined) killServerTree(this.child.pid);
  }
}
