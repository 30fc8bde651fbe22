// A stand-in for the VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath }).
// Desktop VS Code cannot be downloaded on an offline machine, but code-server (VS Code's server and web
// workbench, from npm) can be installed. This program accepts the arguments runTests passes
// (--extensionDevelopmentPath=, --extensionTestsPath=, --user-data-dir=, --extensions-dir=, a folder to
// open, and Electron-only flags it ignores), starts code-server, opens its workbench in headless Chromium
// with the extension under development and the test runner in the page's `payload` parameter, and exits
// with the code the extension host reports to window.codeAutomationExit. The tests run in code-server's
// Node extension host, the same API as desktop VS Code with a remote folder.
// runTests always passes --disable-workspace-trust; --enable-workspace-trust (a flag of this shim, in
// launchArgs) overrides it, so that a folder nobody trusted opens in Restricted Mode.
//
// Environment: CODE_SERVER_BIN, CHROMIUM_PATH (found automatically when unset), VSCODE_TEST_TIMEOUT_MS
// (default 300000), VSCODE_SHIM_VERBOSE=1 (all workbench log lines), VSCODE_SHIM_ARTIFACTS (folder for a
// screenshot when no result comes back; default test-results/vscode).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { launchBrowser, repoRoot, startCodeServer, type RunningCodeServer } from './code-server';
import type { BrowserContext } from 'playwright-core';

interface ShimArguments {
  developmentPaths: string[];
  testsPath?: string;
  folder?: string;
  userDataDir?: string;
  extensionsDir?: string;
  workspaceTrust: boolean;
}

const callerCwd = process.env.CODE_SHIM_CALLER_CWD ?? process.cwd();
const timeoutMs = Number(process.env.VSCODE_TEST_TIMEOUT_MS ?? 300_000);

function parseArguments(argv: string[]): ShimArguments {
  const parsed: ShimArguments = { developmentPaths: [], workspaceTrust: false };
  const takesValue = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir']);
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!match) {
      parsed.folder = path.resolve(callerCwd, argv[i]);
      continue;
    }
    const [, key, inline] = match;
    if (key === 'enable-workspace-trust') {
      parsed.workspaceTrust = true;
      continue;
    }
    const value = inline ?? (takesValue.has(key) ? argv[++i] : undefined);
    if (value === undefined) continue; // a flag meant for Electron (--no-sandbox, --disable-updates, ...)
    const resolved = path.resolve(callerCwd, value);
    if (key === 'extensionDevelopmentPath') parsed.developmentPaths.push(resolved);
    else if (key === 'extensionTestsPath') parsed.testsPath = resolved;
    else if (key === 'user-data-dir') parsed.userDataDir = resolved;
    else if (key === 'extensions-dir') parsed.extensionsDir = resolved;
  }
  return parsed;
}

/** The folder name VS Code gives an installed extension: publisher.name-version. */
function installedName(folder: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  return `${manifest.publisher}.${manifest.name}-${manifest.version}`;
}

// Workbench log lines that say nothing about the tests.
const noise = [
  /^(Resolving connection|Resolved connection|Creating a socket|\[Service Worker\]|Updating additional)/,
  /ENOTFOUND open-vsx\.org/,
  /vsda/,
  /Ignoring the error while validating workspace folder/,
];

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (!args.testsPath || args.developmentPaths.length === 0) {
    console.error('code-shim: need --extensionDevelopmentPath and --extensionTestsPath');
    return 2;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-code-shim-'));
  let server: RunningCodeServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    // The workbench reads the payload into a Map, so only one extensionDevelopmentPath survives: the
    // first goes there, the others are installed into the extensions folder (as symlinks).
    const [developed, ...alsoInstalled] = args.developmentPaths;
    server = await startCodeServer({
      scratchDir: scratch,
      // runTests' default dirs (.vscode-test/) would carry state from run to run: fresh ones unless given.
      userDataDir: args.userDataDir,
      extensionsDir: args.extensionsDir,
      workspaceTrust: args.workspaceTrust,
      installExtensions: alsoInstalled.map((folder) => ({ id: installedName(folder), folder })),
    });
    browser = await launchBrowser({ profileDir: path.join(scratch, 'chromium') });
    const page = browser.pages()[0] ?? (await browser.newPage());

    let reportExit: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
    // In extension-test mode the workbench forwards its log and the extension host's console here.
    await page.exposeFunction('codeAutomationLog', (type: string, logArgs: unknown[]) => {
      const line = util.format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      if (!process.env.VSCODE_SHIM_VERBOSE && noise.some((n) => n.test(line))) return;
      (type === 'error' ? process.stderr : process.stdout).write(line + '\n');
    });
    page.on('pageerror', (error) => {
      if (process.env.VSCODE_SHIM_VERBOSE) console.error('[page error]', error.message);
    });

    // code-server's client takes location.host as the remote authority.
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(developed!)],
      ['extensionTestsPath', remote(args.testsPath)],
      ['skipWelcome', 'true'],
    ];
    const open = args.folder ? `folder=${encodeURIComponent(args.folder)}` : 'ew=true';
    await page.goto(`${server.baseUrl}/?${open}&payload=${encodeURIComponent(JSON.stringify(payload))}`, { timeout: 60_000 });

    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
    if (code === 'timeout') {
      const artifacts = path.resolve(repoRoot, process.env.VSCODE_SHIM_ARTIFACTS ?? 'test-results/vscode');
      fs.mkdirSync(artifacts, { recursive: true });
      const shot = path.join(artifacts, 'no-result.png');
      await page.screenshot({ path: shot }).catch(() => {});
      console.error(`code-shim: no result from the extension host in ${timeoutMs} ms; screenshot ${path.relative(repoRoot, shot)}`);
      console.error(server.log().split('\n').slice(-30).join('\n'));
      return 124;
    }
    return code;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (!process.env.VSCODE_SHIM_KEEP) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('code-shim:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
