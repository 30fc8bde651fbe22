// A person optimizes a working proof: the light bulb on a complete theorem offers "Optimize proof
// with OProver", the metric is picked (the default, length), the panel's timeline shows the verified
// rewrite's gain ("3 → 1 step"), and Insert puts the shorter proof into the file. The fixture servers
// script it: Lean accepts the file's three-step proof and the model's one-step rewrite.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session } from './session';
import { until, waitInJob } from './workbench';

const FILE = 'Demo/Long.lean';

describe('optimize a working proof from the light bulb', function () {
  before(async () => {
    await session().workbench.ensureOpen();
  });

  it('offers the action, shows the gain of the verified rewrite, and inserts it', async function () {
    this.timeout(120_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    await workbench.openFile(FILE, 'succ_ne_zero_long');
    await workbench.goTo(6, 4); // in `intro h`
    await workbench.openCodeActions('Optimize proof with OProver');
    await workbench.screenshot('16-optimize-action');
    await workbench.chooseCodeAction('Optimize proof with OProver');

    // the metric: a quick pick with the setting's metric (length) first
    const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
    await pick.waitFor({ timeout: 10_000 });
    assert.match(await pick.innerText(), /length/);
    await workbench.screenshot('17-optimize-metric');
    await page.keyboard.press('Enter');

    const panel = await workbench.webviewWith('job', 60_000);
    const job = panel.locator('[data-testid="job"]', { has: panel.locator('[data-testid="job-title"]', { hasText: 'succ_ne_zero_long' }) }).first();
    await waitInJob(job, panel.locator('[data-testid="job"][data-status="proved"]', { has: panel.locator('[data-testid="job-title"]', { hasText: 'succ_ne_zero_long' }) }), 'the rewrite to be verified');
    const reasons = await job.locator('[data-testid="verdict-reason"]').allTextContents();
    assert.ok(reasons.some((r) => r.includes('verified rewrite: 3 → 1 step')), `the timeline names the gain: ${JSON.stringify(reasons)}`);
    await workbench.screenshot('18-optimize-verified');

    await job.locator('[data-testid="action-insert"]').click();
    await job.locator('[data-testid="job-note"]', { hasText: 'inserted' }).waitFor({ timeout: 15_000 });
    const file = path.join(workspace, FILE);
    const text = await until('the shorter proof on disk (auto-save)', () => {
      const t = fs.readFileSync(file, 'utf8');
      return t.includes('have h2') ? undefined : t;
    }, 15_000);
    assert.ok(text.includes('theorem succ_ne_zero_long (n : Nat) : n + 1 ≠ 0 := by\n  exact Nat.succ_ne_zero n\n'), text);
    await workbench.screenshot('19-optimize-inserted');
  });
});
