// Tier 3: a real VS Code (code-server) driven like a person with playwright-core and headless Chromium,
// against the fixture Lean and model servers. Screenshots go to test-results/ui/.
// usage: node --import tsx test/ui/run.ts          (from scripts/test.mjs: npm run test:ui)
//   OPROVER_UI_GREP=text  run only the tests whose title contains text
// Writes {passed, failed, skipped, note?} to the file named by OPROVER_TEST_STATS.
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import type { BrowserContext } from 'playwright-core';
import { extensionDir, launchBrowser, lean4LanguageExtension, repoRoot, startCodeServer, type RunningCodeServer } from '../vscode-host/code-server';
import { runTier, type TierCounts } from '../vscode-host/tier';
import { copyFixtureWorkspace } from '../vscode-host/workspace';
import { setSession } from './session';
import { screenshotDir, Workbench } from './workbench';

const overallDeadlineMs = Number(process.env.OPROVER_UI_DEADLINE_MS ?? 480_000);

runTier('ui', overallDeadlineMs, async (tier): Promise<TierCounts> => {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  fs.rmSync(screenshotDir, { recursive: true, force: true });
  let server: RunningCodeServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    const fixtures = await tier.fixtures();
    const workspace = copyFixtureWorkspace(path.join(tier.scratch, 'workspace'), {
      ...fixtures.workspaceSettings,
      'files.autoSave': 'afterDelay',
      'files.autoSaveDelay': 200,
    });
    server = await startCodeServer({
      scratchDir: path.join(tier.scratch, 'code-server'),
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'editor.fontSize': 14, 'window.zoomLevel': 0 },
      installExtensions: [{ id: `${manifest.publisher}.${manifest.name}-${manifest.version}`, folder: extensionDir }, lean4LanguageExtension],
      env: fixtures.env,
    });
    browser = await launchBrowser({ profileDir: path.join(tier.scratch, 'chromium'), viewport: { width: 1440, height: 900 } });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    const workbench = new Workbench(page, server.baseUrl, workspace);
    setSession({ workbench, workspace, modelRequestsUrl: fixtures.env.OPROVER_MODEL_FIXTURE_REQUESTS! });

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
    const runner = await new Promise<Mocha.Runner>((resolve) => {
      const started = mocha.run(() => resolve(started));
    });
    const counts = { passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, skipped: runner.stats?.pending ?? 0 };
    if (counts.failed > 0) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      fs.writeFileSync(path.join(screenshotDir, 'code-server.log'), server.log());
    }
    console.log(`ui tier: screenshots in ${path.relative(repoRoot, screenshotDir)}/`);
    return counts;
  } catch (error) {
    if (server) console.error(server.log().split('\n').slice(-30).join('\n'));
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
  }
});
