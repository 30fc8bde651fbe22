// Tier 2: mocha inside a real VS Code extension host, through @vscode/test-electron's runTests.
// On a machine with desktop VS Code the same suite runs in it; here runTests is given a stand-in
// executable (test/vscode-host/code-shim) that runs the suite in code-server's extension host.
// Two windows, one after the other: suite/ in a trusted workspace, restricted/ in a workspace opened
// in Restricted Mode (workspace trust on, the folder not trusted).
// usage: node --import tsx test/vscode/run.ts        (from scripts/test.mjs: npm run test:vscode)
// Writes {passed, failed, skipped, note?} to the file named by OPROVER_TEST_STATS.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { extensionDir, findCodeServer, lean4LanguageExtension, repoRoot } from '../vscode-host/code-server';
import { recordingLeanBin } from '../vscode-host/fixtures';
import { runTier, type TierContext, type TierCounts } from '../vscode-host/tier';
import { copyFixtureWorkspace } from '../vscode-host/workspace';

const testsDir = path.join(repoRoot, 'test', 'vscode');
const suiteOut = path.join(repoRoot, 'out', 'vscode-tests');
const shim = path.join(repoRoot, 'test', 'vscode-host', 'code-shim');
const overallDeadlineMs = Number(process.env.OPROVER_VSCODE_DEADLINE_MS ?? 420_000);

interface Window {
  /** Folder under test/vscode/ with the *.test.ts files this window runs. */
  suite: 'suite' | 'restricted';
  restricted: boolean;
}

/** Bundles a window's *.test.ts and the runner (suite/index.ts) for the extension host; `vscode` and mocha stay external. */
async function buildSuite(window: Window): Promise<string> {
  const dir = path.join(testsDir, window.suite);
  // output name → source: the runner and the tests side by side in one folder
  const entryPoints: Record<string, string> = { index: path.join(testsDir, 'suite', 'index.ts') };
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts'))) entryPoints[file.replace(/\.ts$/, '')] = path.join(dir, file);
  const outdir = path.join(suiteOut, window.suite);
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(outdir, 'index.js');
}

/** Runs one window's suite in a fresh code-server with a fresh copy of the fixture workspace. */
async function runWindow(tier: TierContext, window: Window): Promise<TierCounts> {
  const testsIndex = await buildSuite(window);
  const scratch = path.join(tier.scratch, window.suite);
  const userData = path.join(scratch, 'user-data');
  const statsFile = path.join(scratch, 'stats.json');
  const workspaceCopy = path.join(scratch, 'workspace');
  // in the project folder: the one place besides caches that Lean's sandbox lets it write
  const launchLog = path.join(workspaceCopy, '.lean-launches.log');
  const fixtures = await tier.fixtures(window.restricted ? { launchLog } : {});
  const workspace = copyFixtureWorkspace(workspaceCopy, fixtures.workspaceSettings);
  const env: Record<string, string> = { ...fixtures.env };
  if (window.restricted) {
    // What the extension must not use here, within its reach anyway: the fixtures in the user's own
    // settings too (which apply in Restricted Mode) and the stand-in lean and lake first on PATH.
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(fixtures.workspaceSettings, null, 2));
    fs.writeFileSync(launchLog, '');
    env.PATH = `${recordingLeanBin}${path.delimiter}${process.env.PATH ?? ''}`;
  }
  let failedToRun = false;
  try {
    await runTests({
      vscodeExecutablePath: shim,
      extensionDevelopmentPath: [extensionDir, lean4LanguageExtension.folder],
      extensionTestsPath: testsIndex,
      launchArgs: [workspace, `--user-data-dir=${userData}`, `--extensions-dir=${path.join(scratch, 'extensions')}`, ...(window.restricted ? ['--enable-workspace-trust'] : [])],
      extensionTestsEnv: {
        ...env,
        OPROVER_VSCODE_STATS: statsFile,
        OPROVER_TEST_USER_DATA_DIR: userData,
        CODE_SERVER_BIN: findCodeServer(),
        VSCODE_TEST_TIMEOUT_MS: String(overallDeadlineMs - 30_000),
      },
    });
  } catch (error) {
    failedToRun = true;
    console.error(`vscode tier (${window.suite}):`, error instanceof Error ? error.message : error);
  }
  if (fs.existsSync(statsFile)) return JSON.parse(fs.readFileSync(statsFile, 'utf8')) as TierCounts;
  return { passed: 0, failed: failedToRun ? 1 : 0, skipped: 0 }; // the host died before mocha reported
}

runTier('vscode', overallDeadlineMs, async (tier) => {
  const totals: TierCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const window of [{ suite: 'suite', restricted: false }, { suite: 'restricted', restricted: true }] as const) {
    const counts = await runWindow(tier, window);
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  }
  return totals;
});
