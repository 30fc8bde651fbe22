// A first run: no endpoint set yet. The status bar warns, the empty panel shows a setup checklist
// whose items lead to the settings, a job started anyway runs no model and offers Open Settings
// (not more rounds), and once the endpoint is set the checklist says so. Clear Finished is a view
// title action.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { session } from './session';
import { until } from './workbench';

const FILE = 'Demo/Basic.lean';

describe('a first run without an endpoint', function () {
  let saved: string;
  let settingsFile: string;
  let panel: Frame;

  before(async () => {
    const { workbench, workspace } = session();
    settingsFile = path.join(workspace, '.vscode', 'settings.json');
    saved = fs.readFileSync(settingsFile, 'utf8');
    const settings = JSON.parse(saved) as Record<string, unknown>;
    delete settings['oprover.endpoint'];
    delete settings['oprover.model'];
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
    await workbench.open();
  });

  after(() => {
    if (saved) fs.writeFileSync(settingsFile, saved);
  });

  it('warns in the status bar and shows a setup checklist in the empty panel', async () => {
    const { workbench } = session();
    await workbench.showOProver();
    panel = await workbench.webviewWith('setup-checklist', 30_000);
    const status = workbench.page.locator('.statusbar-item', { hasText: 'no endpoint' }).first();
    await status.waitFor({ timeout: 30_000 });
    const item = (step: string) => panel.locator(`[data-testid="setup-item"][data-step="${step}"]`);
    assert.equal(await item('endpoint').getAttribute('data-done'), 'false');
    assert.match(await item('endpoint').innerText(), /not set/);
    await until('Lean found by the checklist', async () => ((await item('lean').getAttribute('data-done')) === 'true' ? true : undefined), 15_000);
    await workbench.screenshot('00-first-run-no-endpoint-setup-checklist-and-status-warning');
  });

  it('leads from the checklist to the endpoint setting', async () => {
    const { workbench } = session();
    await panel.locator('[data-testid="setup-link"][data-step="endpoint"]').click();
    const editor = workbench.page.locator('.settings-editor');
    await editor.waitFor({ timeout: 15_000 });
    await workbench.page.locator('.settings-editor .setting-item-contents', { hasText: 'Base URL of an OpenAI-compatible inference server' }).first().waitFor({ timeout: 15_000 });
    await workbench.screenshot('00-first-run-settings-opened-at-endpoint');
    await workbench.palette('View: Close All Editors');
  });

  it('offers Open Settings, not more rounds, for a job that could not run a model', async () => {
    const { workbench } = session();
    await workbench.openFile(FILE, 'add_comm_example');
    await workbench.goTo(9, 5);
    await workbench.palette('OProver: Prove with OProver');
    panel = await workbench.webviewWith('job', 30_000);
    const job = panel.locator('[data-testid="job"]').first();
    await panel.locator('[data-testid="job"]:not([data-status="running"])').first().waitFor({ timeout: 60_000 });
    assert.match(await job.locator('[data-testid="job-reason"]').innerText(), /oprover\.endpoint/);
    assert.equal(await job.locator('[data-testid="action-settings"]').getAttribute('data-setting'), 'oprover.endpoint');
    assert.equal(await job.locator('[data-testid="action-retry"]').count(), 0);
    assert.equal(await job.locator('[data-testid="job-goal"]').count(), 1, 'what is to be proved is shown even without a goal state');
    await workbench.screenshot('00-first-run-job-without-endpoint-offers-open-settings');
  });

  it('ticks the endpoint once it is set, after Clear Finished in the view title', async () => {
    const { workbench } = session();
    fs.writeFileSync(settingsFile, saved);
    await workbench.page.locator('.statusbar-item', { hasText: 'no endpoint' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    await workbench.viewTitleAction('Clear Finished Jobs');
    panel = await workbench.webviewWith('setup-checklist', 30_000);
    await panel.locator('[data-testid="setup-item"][data-step="endpoint"][data-done="true"]').waitFor({ timeout: 15_000 });
    await workbench.palette('View: Close All Editors');
  });
});
