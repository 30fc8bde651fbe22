// Tier 3: a real VS Code (code-server) driven like a person with playwright-core and headless Chromium,
// against the fixture Lean and model servers. Screenshots go to test-results/ui/.
// usage: node --import tsx test/ui/run.ts          (from scripts/test.mjs: npm run test:ui)
//   OPROVER_UI_GREP=text  run only the tests whose title contains text
// Writes {passed, failed, skipped, note?} to the file named by OPROVER_TEST_STATS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Mocha from 'mocha';
import type { BrowserContext } from 'playwright-core';
import { extensionDir, launchBrowser, lean4LanguageExtension, missingPrerequisite, repoRoot, startCodeServer, type RunningCodeServer } from '../vscode-host/code-server';
import { startFixtures, type RunningFixtures } from '../vscode-host/fixtures';
import { copyFixtureWorkspace, prerequisitesRequired, writeTierStats } from '../vscode-host/workspace';
import { setSession } from './session';
import { screenshotDir, Workbench } from './workbench';

const overallDeadlineMs = Number(process.env.OPROVER_UI_DEADLINE_MS ?? 480_000);

async function main(): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) {
    const required = prerequisitesRequired();
    console.log(`ui tier ${required ? 'cannot run' : 'skipped'}: ${missing}`);
    writeTierStats({ passed: 0, failed: required ? 1 : 0, skipped: 1, note: missing });
    return required ? 1 : 0;
  }
  if (!fs.existsSync(path.join(extensionDir, 'dist', 'extension.js'))) {
    console.log('ui tier: dist/extension.js is missing; run npm run build first');
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'extension not built' });
    return 1;
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  fs.rmSync(screenshotDir, { recursive: true, force: true });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-ui-tier-'));
  const removeScratch = () => {
    if (!process.env.OPROVER_KEEP_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
  };
  let fixtures: RunningFixtures | undefined;
  let server: RunningCodeServer | undefined;
  let browser: BrowserContext | undefined;
  const timer = setTimeout(() => {
    console.error(`ui tier: no result in ${overallDeadlineMs} ms; giving up`);
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'deadline passed' });
    removeScratch();
    process.exit(1); // the exit hooks end code-server's process group
  }, overallDeadlineMs);
  try {
    fixtures = await startFixtures();
    const workspace = copyFixtureWorkspace(path.join(scratch, 'workspace'), {
      ...fixtures.workspaceSettings,
      'files.autoSave': 'afterDelay',
      'files.autoSaveDelay': 200,
    });
    server = await startCodeServer({
      scratchDir: path.join(scratch, 'code-server'),
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'editor.fontSize': 14, 'window.zoomLevel': 0 },
      installExtensions: [{ id: `${manifest.publisher}.${manifest.name}-${manifest.version}`, folder: extensionDir }, lean4LanguageExtension],
      env: fixtures.env,
    });
    browser = await launchBrowser({ profileDir: path.join(scratch, 'chromium'), viewport: { width: 1440, height: 900 } });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    const workbench = new Workbench(page, server.baseUrl, workspace);
    setSession({ workbench, workspace });

    const mocha = new Mocha({
      ui: 'bdd',
      timeout: 120_000,
      bail: false,
      reporter: path.join(repoRoot, 'scripts', 'mocha-reporter.cjs'),
      grep: process.env.OPROVER_UI_GREP || undefined,
      rootHooks: {
        // a failing step leaves a picture of what the person would have seen
        async afterEach(this: Mocha.Context) {
          const test = this.currentTest;
          if (test?.state !== 'failed') return;
          const name = `failed-${test.fullTitle().replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}`;
          await workbench.screenshot(name).catch(() => {});
        },
      },
    });
    const specDir = path.join(repoRoot, 'test', 'ui');
    for (const file of fs.readdirSync(specDir).filter((f) => f.endsWith('.spec.ts')).sort()) mocha.addFile(path.join(specDir, file));
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      fs.writeFileSync(path.join(screenshotDir, 'code-server.log'), server.log());
    }
    console.log(`ui tier: screenshots in ${path.relative(repoRoot, screenshotDir)}/`);
    return failures > 0 ? 1 : 0;
  } catch (error) {
    console.error('ui tier:', error instanceof Error ? error.message : error);
    if (server) console.error(server.log().split('\n').slice(-30).join('\n'));
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'set-up failed' });
    return 1;
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server?.stop();
    await fixtures?.stop();
    removeScratch();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    writeTierStats({ passed: 0, failed: 1, skipped: 0, note: 'runner crashed' });
    process.exit(1);
  },
);
