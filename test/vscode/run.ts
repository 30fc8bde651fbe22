// Tier 2: mocha inside a real VS Code extension host, through @vscode/test-electron's runTests.
// On a machine with desktop VS Code the same suite runs in it; here runTests is given a stand-in
// executable (test/vscode-host/code-shim) that runs the suite in code-server's extension host.
// usage: node --import tsx test/vscode/run.ts        (from scripts/test.mjs: npm run test:vscode)
// Writes {passed, failed, skipped, note?} to the file named by OPROVER_TEST_STATS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { extensionDir, findCodeServer, lean4LanguageExtension, missingPrerequisite, repoRoot } from '../vscode-host/code-server';
import { startFixtures, type RunningFixtures } from '../vscode-host/fixtures';
import { copyFixtureWorkspace, prerequisitesRequired, writeTierStats } from '../vscode-host/workspace';

const suiteOut = path.join(repoRoot, 'out', 'vscode-tests');
const shim = path.join(repoRoot, 'test', 'vscode-host', 'code-shim');
const overallDeadlineMs = Number(process.env.OPROVER_VSCODE_DEADLINE_MS ?? 420_000);

/** Bundles each *.test.ts and the runner for the extension host; `vscode` and mocha stay external. */
async function buildSuite(): Promise<void> {
  const suiteDir = path.join(repoRoot, 'test', 'vscode', 'suite');
  const entryPoints = fs.readdirSync(suiteDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(suiteDir, f));
  fs.rmSync(suiteOut, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
}

async function main(): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) {
    const required = prerequisitesRequired();
    console.log(`vscode tier ${required ? 'cannot run' : 'skipped'}: ${missing}`);
    writeTierStats({ passed: 0, failed: required ? 1 : 0, skipped: 1, note: missing });
    return required ? 1 : 0;
  }
  if (!fs.existsSync(path.join(extensionDir, 'dist', 'extension.js'))) {
    console.log('vscode tier: dist/extension.js is missing; run npm run build first');
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'extension not built' });
    return 1;
  }
  await buildSuite();

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-vscode-tier-'));
  const removeScratch = () => {
    if (!process.env.OPROVER_KEEP_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
  };
  const statsFile = path.join(scratch, 'stats.json');
  const timer = setTimeout(() => {
    console.error(`vscode tier: no result in ${overallDeadlineMs} ms; giving up`);
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'deadline passed' });
    removeScratch();
    process.exit(1); // the exit hooks end code-server's process group
  }, overallDeadlineMs);
  let fixtures: RunningFixtures | undefined;
  let exitCode = 0;
  try {
    fixtures = await startFixtures();
    const workspace = copyFixtureWorkspace(path.join(scratch, 'workspace'), fixtures.workspaceSettings);
    await runTests({
      vscodeExecutablePath: shim,
      extensionDevelopmentPath: [extensionDir, lean4LanguageExtension.folder],
      extensionTestsPath: path.join(suiteOut, 'index.js'),
      launchArgs: [workspace, `--user-data-dir=${path.join(scratch, 'user-data')}`, `--extensions-dir=${path.join(scratch, 'extensions')}`],
      extensionTestsEnv: {
        ...fixtures.env,
        OPROVER_VSCODE_STATS: statsFile,
        CODE_SERVER_BIN: findCodeServer(),
        VSCODE_TEST_TIMEOUT_MS: String(overallDeadlineMs - 30_000),
      },
    });
  } catch (error) {
    exitCode = 1;
    console.error('vscode tier:', error instanceof Error ? error.message : error);
  } finally {
    clearTimeout(timer);
    await fixtures?.stop();
  }
  let stats = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(statsFile)) stats = JSON.parse(fs.readFileSync(statsFile, 'utf8'));
  else if (exitCode !== 0) stats.failed = 1; // the host died before mocha reported
  writeTierStats(stats);
  removeScratch();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'runner crashed' });
    process.exit(1);
  },
);
