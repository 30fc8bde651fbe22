// A person proves one sorry: the light bulb menu (Ctrl+.) offers "Prove with OProver"; while the
// job runs its live round is in view with what it does now; when Lean accepts round 2 the job opens
// with the verified proof and Insert, on screen at 1280×720; the editor shows "proof ready" at the
// sorry; Insert, Undo (Insert comes back), Insert again.
// The fixture servers script it: round 1's attempt is a type mismatch, round 2's is accepted after
// nine seconds of "elaboration", which leaves time to look at the panel mid-run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { session } from './session';
import { until, waitInJob } from './workbench';

const FILE = 'Demo/Basic.lean';

/** Whether the element is inside the page's viewport (the webview's frame included). */
async function onScreen(element: Locator): Promise<boolean> {
  const box = await element.boundingBox();
  const view = element.page().viewportSize()!;
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= view.height && box.x + box.width <= view.width;
}

describe('prove one sorry from the light bulb', function () {
  let panel: Frame;

  before(async () => {
    await session().workbench.ensureOpen();
  });

  it('offers "Prove with OProver" in the quick-fix menu on a sorry', async () => {
    const { workbench } = session();
    await workbench.openFile(FILE, 'add_comm_example');
    // the language is lean4 (what vscode-lean4 contributes), shown in the status bar
    await workbench.page.locator('.statusbar-item', { hasText: 'Lean 4' }).first().waitFor({ timeout: 10_000 });
    // OProver is active (its status item is there) before the person asks for its quick fix
    await workbench.page.locator('.statusbar-item', { hasText: 'OProver' }).first().waitFor({ timeout: 30_000 });
    await workbench.goTo(9, 5); // inside `sorry`
    await workbench.openCodeActions('Prove with OProver');
    await workbench.screenshot('01-code-action-menu');
    await workbench.chooseCodeAction('Prove with OProver');
  });

  it('keeps the live round in view with what it does now, round 1 folded to one line', async () => {
    const { workbench } = session();
    panel = await workbench.webviewWith('job', 60_000);
    const job = panel.locator('[data-testid="job"]').first();
    await job.locator('[data-testid="job-title"]', { hasText: 'add_comm_example' }).waitFor({ timeout: 10_000 });
    const round1 = job.locator('[data-testid="round"][data-round="1"][data-state="failed"]');
    await waitInJob(job, round1, 'round 1 to fail');
    // round 2 is being checked (the scripted Lean takes nine seconds on it): the live round is open, in view
    const live = job.locator('[data-testid="job-outcome"] [data-testid="round"][data-round="2"]');
    await waitInJob(job, live, 'round 2 to start', 30_000);
    await job.locator('[data-testid="job-progress"]', { hasText: 'checking with Lean' }).waitFor({ timeout: 30_000 });
    assert.match(await job.locator('[data-testid="job-progress"]').innerText(), /^round 2\/2 · .*checking with Lean$/);
    assert.equal(await job.getAttribute('data-status'), 'running', 'the job is still running');
    assert.ok(await onScreen(live.locator('summary').first()), 'the live round is on screen');
    assert.doesNotMatch(await job.locator('[data-testid="job-tokens"]').innerText(), /^0 tokens$/);
    await workbench.screenshot('02-running-job-live-round-in-view-dark');
    // round 1 is one line; a click opens it on Lean's error
    assert.match(await round1.locator('[data-testid="round-summary"]').innerText(), /round 1: 1 sample, 1 Lean error/);
    await round1.locator('summary').first().click();
    const feedback = round1.locator('[data-testid="feedback-message"]').first();
    await feedback.waitFor({ timeout: 10_000 });
    assert.match(await feedback.innerText(), /type mismatch/, "round 1 shows Lean's error");
    assert.doesNotMatch(await round1.locator('[data-testid="attempt-code"]').first().innerText(), /theorem/, 'the attempt shows its body, not the theorem again');
    await workbench.setTheme('Light Modern');
    await workbench.screenshot('03-running-job-round-1-opened-light');
  });

  it('opens the proved job with its proof and Insert on screen at 1280×720', async () => {
    const { workbench } = session();
    const job = panel.locator('[data-testid="job"]').first();
    await waitInJob(job, panel.locator('[data-testid="job"][data-status="proved"]'), 'the job to prove its goal');
    await workbench.page.setViewportSize({ width: 1280, height: 720 });
    const proof = job.locator('[data-testid="job-proof-code"]');
    assert.match(await proof.innerText(), /exact Nat\.add_comm a b/);
    assert.doesNotMatch(await proof.innerText(), /theorem/, 'only the proof body');
    assert.ok(await onScreen(proof), 'the verified proof is visible without scrolling');
    assert.ok(await onScreen(job.locator('[data-testid="action-insert"]')), 'Insert is visible without scrolling');
    assert.equal(await job.locator('[data-testid="round"][data-round="2"]').getAttribute('data-state'), 'proved');
    await workbench.screenshot('04-proved-job-proof-and-insert-at-1280x720-light');
    await workbench.setTheme('Dark Modern');
    await workbench.screenshot('05-proved-job-proof-and-insert-at-1280x720-dark');
  });

  it("keeps the model's reasoning, rendered as Markdown", async () => {
    const { workbench } = session();
    const job = panel.locator('[data-testid="job"]').first();
    const round2 = job.locator('[data-testid="round"][data-round="2"]');
    await round2.locator('summary').first().click();
    const reasoning = round2.locator('[data-testid="attempt-reasoning"]').first();
    await reasoning.locator('summary').first().click();
    const text = reasoning.locator('[data-testid="reasoning-text"]');
    assert.equal(await text.locator('strong').first().innerText(), 'commutativity');
    assert.doesNotMatch(await text.innerText(), /\*\*/, 'no raw Markdown');
    assert.doesNotMatch(await text.innerText(), /theorem/, 'the code block is the attempt, not the reasoning');
    await reasoning.scrollIntoViewIfNeeded();
    await workbench.screenshot('06-model-reasoning-as-markdown');
    await round2.locator('summary').first().click(); // fold it again
  });

  it('shows "proof ready — Insert · Diff" at the sorry in the editor', async () => {
    const { workbench } = session();
    const lens = workbench.page.locator('.monaco-editor .codelens-decoration', { hasText: 'proof ready' }).first();
    await lens.waitFor({ timeout: 15_000 });
    assert.match(await lens.innerText(), /proof ready — Insert[\s|]*Diff/);
    await workbench.screenshot('07-editor-codelens-proof-ready');
  });

  it('inserts the proof, brings Insert back after Undo, and inserts again', async () => {
    const { workbench, workspace } = session();
    const job = panel.locator('[data-testid="job"]').first();
    const file = path.join(workspace, FILE);
    const onDisk = (want: boolean) =>
      until(`the proof ${want ? 'on' : 'off'} disk (auto-save)`, () => {
        const t = fs.readFileSync(file, 'utf8');
        return t.includes('exact Nat.add_comm a b') === want ? t : undefined;
      }, 15_000);

    await job.locator('[data-testid="action-insert"]').click();
    await job.locator('[data-testid="job-note"]', { hasText: 'inserted the verified proof' }).waitFor({ timeout: 15_000 });
    await workbench.editorLine('exact Nat.add_comm a b').waitFor({ timeout: 10_000 });
    await onDisk(true);
    assert.equal(await job.locator('[data-testid="action-insert"]').count(), 0, 'no second Insert while the proof is in the file');
    await workbench.screenshot('08-after-insert');

    // back to the editor (its tab), then Undo, as a person would
    await workbench.page.locator('.tabs-container .tab', { hasText: 'Basic.lean' }).first().click();
    await workbench.page.keyboard.press('Control+Z');
    await workbench.editorLine('sorry').waitFor({ timeout: 10_000 });
    await job.locator('[data-testid="action-insert"]').waitFor({ timeout: 15_000 });
    await job.locator('[data-testid="job-note"]', { hasText: 'undone' }).waitFor({ timeout: 5_000 });
    await onDisk(false);
    await workbench.screenshot('09-after-undo-insert-offered-again');

    await job.locator('[data-testid="action-insert"]').click();
    await workbench.editorLine('exact Nat.add_comm a b').waitFor({ timeout: 10_000 });
    const text = await onDisk(true);
    const declaration = text.slice(text.indexOf('theorem add_comm_example'), text.indexOf('end Demo'));
    assert.ok(!/\bsorry\b/.test(declaration), `no sorry left in the declaration:\n${declaration}`);
    assert.match(declaration, /:= by\n {2}exact Nat\.add_comm a b/, '`by` stays on its own line');
    await workbench.screenshot('10-inserted-again');
    await workbench.page.setViewportSize({ width: 1440, height: 900 });
  });
});
