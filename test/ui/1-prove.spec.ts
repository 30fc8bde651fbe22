// A person proves one sorry: the light bulb menu (Ctrl+.) offers "Prove with OProver"; the panel shows
// round 1 failing with Lean's error and round 2 proving; Insert puts the proof into the file.
// The fixture servers script it: round 1's attempt is a type mismatch, round 2's is accepted after a
// few seconds of "elaboration", which leaves time to look at the panel mid-run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { session } from './session';
import { until, waitInJob } from './workbench';

const FILE = 'Demo/Basic.lean';

describe('prove one sorry from the light bulb', function () {
  let panel: Frame;

  before(async () => {
    await session().workbench.open();
  });

  it('offers "Prove with OProver" in the quick-fix menu on a sorry', async () => {
    const { workbench } = session();
    await workbench.openFile(FILE, 'add_comm_example');
    // the language is lean4 (what vscode-lean4 contributes), shown in the status bar
    await workbench.page.locator('.statusbar-item', { hasText: 'Lean 4' }).first().waitFor({ timeout: 10_000 });
    await workbench.goTo(9, 5); // inside `sorry`
    await workbench.openCodeActions('Prove with OProver');
    await workbench.screenshot('01-code-action-menu');
    await workbench.chooseCodeAction('Prove with OProver');
  });

  it('shows round 1 failing with its Lean error while round 2 runs', async () => {
    const { workbench } = session();
    panel = await workbench.webviewWith('job', 60_000);
    const job = panel.locator('[data-testid="job"]').first();
    await job.locator('[data-testid="job-title"]', { hasText: 'add_comm_example' }).waitFor({ timeout: 10_000 });
    const round1 = job.locator('[data-testid="round"][data-round="1"][data-state="failed"]');
    await waitInJob(job, round1, 'round 1 to fail');
    const feedback = round1.locator('[data-testid="feedback-message"]').first();
    await feedback.waitFor({ timeout: 10_000 });
    assert.match(await feedback.innerText(), /type mismatch/, 'round 1 shows Lean\'s error');
    assert.match(await round1.locator('[data-testid="verdict"]').first().innerText(), /Lean error/);
    // round 2 is still being checked (the scripted Lean takes a few seconds on it)
    assert.equal(await job.getAttribute('data-status'), 'running', 'the job is still running');
    await waitInJob(job, job.locator('[data-testid="round"][data-round="2"]'), 'round 2 to start', 30_000);
    await workbench.screenshot('02-panel-mid-run-dark');
    await workbench.setTheme('Light Modern');
    await workbench.screenshot('03-panel-mid-run-light');
  });

  it('shows round 2 proving, in the light and the dark theme', async () => {
    const { workbench } = session();
    const job = panel.locator('[data-testid="job"]').first();
    await waitInJob(job, panel.locator('[data-testid="job"][data-status="proved"]'), 'the job to prove its goal');
    const round2 = job.locator('[data-testid="round"][data-round="2"]');
    assert.equal(await round2.getAttribute('data-state'), 'proved');
    assert.match(await job.locator('[data-testid="job-state"]').innerText(), /proved/);
    await workbench.screenshot('04-panel-proved-light');
    await workbench.setTheme('Dark Modern');
    await workbench.screenshot('05-panel-proved-dark');
  });

  it('puts the verified proof into the file when Insert is clicked', async () => {
    const { workbench, workspace } = session();
    const job = panel.locator('[data-testid="job"]').first();
    await job.locator('[data-testid="action-insert"]').click();
    await job.locator('[data-testid="job-note"]', { hasText: 'inserted' }).waitFor({ timeout: 15_000 });
    await workbench.editorLine('exact Nat.add_comm a b').waitFor({ timeout: 10_000 });
    const file = path.join(workspace, FILE);
    const text = await until('the proof on disk (auto-save)', () => {
      const t = fs.readFileSync(file, 'utf8');
      return t.includes('exact Nat.add_comm a b') ? t : undefined;
    }, 15_000);
    const declaration = text.slice(text.indexOf('theorem add_comm_example'), text.indexOf('end Demo'));
    assert.ok(!/\bsorry\b/.test(declaration), `no sorry left in the declaration:\n${declaration}`);
    await workbench.screenshot('06-after-insert');
  });
});
