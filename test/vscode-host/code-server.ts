// Starts and stops code-server (VS Code's own server and web workbench) for the real-VS-Code test tiers,
// and launches the headless Chromium that shows its workbench. code-server runs in a process group of
// its own with HOME, XDG_* and TMPDIR redirected into a throwaway folder, so a run leaves nothing in the
// user's home, and stop() ends every process it started (the extension host included, which code-server
// would otherwise keep alive for hours waiting for the browser to reconnect).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The extension under test: this repository, or OPROVER_EXTENSION_DIR (e.g. an unpacked .vsix). */
export const extensionDir = path.resolve(process.env.OPROVER_EXTENSION_DIR || repoRoot);

/** The folder the install script fills (git-ignored). */
export const defaultHostDir = path.join(repoRoot, '.vscode-host');

/** The code-server launcher: CODE_SERVER_BIN, else the one installed into .vscode-host/, else undefined. */
export function findCodeServer(): string | undefined {
  const candidates = [process.env.CODE_SERVER_BIN, path.join(defaultHostDir, 'node_modules', '.bin', 'code-server')];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/** Debian's chromium: CHROMIUM_PATH, else the usual install locations, else undefined. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/**
 * Stands in for vscode-lean4's language contribution (`.lean` files are the `lean4` language), which
 * every user of this extension has installed and the test VS Code has not.
 */
export const lean4LanguageExtension = { id: 'oprover-test.lean4-language-stand-in-0.0.1', folder: path.join(repoRoot, 'test', 'vscode-host', 'lean4-language') };

/** Why the real-VS-Code tiers cannot run here, or undefined when they can. */
export function missingPrerequisite(): string | undefined {
  if (!findCodeServer()) return 'code-server is not installed (run: bash test/vscode-host/install-code-server.sh .vscode-host)';
  if (!findChromium()) return 'chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)';
  return undefined;
}

/** User settings that keep the workbench quiet and predictable under test. */
export const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'files.hotExit': 'off',
  'window.restoreWindows': 'none',
};

export interface CodeServerOptions {
  /** Throwaway root for user data, extensions, HOME and TMPDIR; created when absent. */
  scratchDir: string;
  /** Where user data and extensions live when not under scratchDir. */
  userDataDir?: string;
  extensionsDir?: string;
  /**
   * Settings written to the user's settings.json, on top of quietSettings and of what a given
   * userDataDir's settings.json already holds.
   */
  settings?: Record<string, unknown>;
  /**
   * true: workspace trust on, as VS Code ships it, with no start-up question, so a folder nobody
   * trusted opens in Restricted Mode. Default false: trust off, every folder trusted.
   */
  workspaceTrust?: boolean;
  /** Extension folders made visible as installed extensions (symlinked into the extensions dir). */
  installExtensions?: { id: string; folder: string }[];
  /** Extra environment for the server and so for the extension host and what it starts. */
  env?: Record<string, string | undefined>;
  /** Longest wait for /healthz. */
  startTimeoutMs?: number;
}

export interface RunningCodeServer {
  port: number;
  baseUrl: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own output so far. */
  log(): string;
  /** Ends code-server's whole process group; safe to call twice. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every started server, so that an exiting test process still ends them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      process.exit(128 + (os.constants.signals[signal] ?? 1));
    });
  }
}

export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  const launcher = findCodeServer();
  if (!launcher) throw new Error(missingPrerequisite());
  const scratch = options.scratchDir;
  const userDataDir = options.userDataDir ?? path.join(scratch, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(scratch, 'extensions');
  const home = path.join(scratch, 'home');
  const serverTmp = path.join(scratch, 'tmp');
  for (const dir of [path.join(userDataDir, 'User'), extensionsDir, home, serverTmp]) fs.mkdirSync(dir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  const existing = fs.existsSync(settingsFile) ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
  const trust = options.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  fs.writeFileSync(settingsFile, JSON.stringify({ ...quietSettings, ...existing, ...trust, ...options.settings }, null, 2));
  for (const ext of options.installExtensions ?? []) {
    const link = path.join(extensionsDir, ext.id);
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(ext.folder, link, 'dir');
  }

  const port = await freePort();
  const args = [
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    TMPDIR: serverTmp, // VS Code puts its ipc/git sockets here
  };
  // The launcher is a script with an env-node shebang; run it with this Node so PATH does not matter.
  const child = spawn(process.execPath, [fs.realpathSync(launcher), ...args], {
    detached: true, // a process group of its own, so stop() reaches the extension host and its children
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  running.add(child);
  installExitHook();
  const output: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d));
  child.stderr?.on('data', (d: Buffer) => output.push(d));
  const log = () => Buffer.concat(output).toString('utf8');

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      killGroup(child, 'SIGTERM');
      for (let i = 0; i < 50 && groupAlive(child); i++) await sleep(100);
      if (groupAlive(child)) killGroup(child, 'SIGKILL');
      running.delete(child);
    })();
    return stopped;
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start (exit ${child.exitCode}):\n${log()}`);
    }
    await sleep(100);
  }
  return { port, baseUrl, userDataDir, extensionsDir, log, stop };
}

export interface BrowserOptions {
  profileDir: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'dark' | 'light';
}

/** Headless Debian Chromium with a fresh profile. Playwright refuses --user-data-dir in args, hence the persistent context. */
export async function launchBrowser(options: BrowserOptions): Promise<BrowserContext> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(missingPrerequisite());
  fs.mkdirSync(options.profileDir, { recursive: true });
  return chromium.launchPersistentContext(options.profileDir, {
    executablePath,
    headless: true,
    viewport: options.viewport ?? { width: 1400, height: 860 },
    colorScheme: options.colorScheme,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Runs `work` with a deadline; the promise rejects with `what` when it is passed. */
export async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
