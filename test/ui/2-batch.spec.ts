// A person proves every sorry of a file: "OProver: Prove All Sorries in File" over three sorries, one
// of them false as stated. The report lists 2 proved and 1 failed with Lean's reason; the two proofs
// go into the file when the person answers Insert to each question.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session } from './session';
import { until } from './workbench';

const FILE = 'Demo/Batch.lean';

describe('prove all sorries in a file', function () {
  it('reports 2 proved and 1 failed with its reason, and inserts what the person accepts', async function () {
    this.timeout(200_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    await workbench.openFile(FILE, 'two_mul_eq');
    await workbench.palette('OProver: Prove All Sorries in File');

    // insertMode "ask": a question per proved declaration, answered like a person would, until the report shows
    let answered = 0;
    const panel = await until('the batch report', async () => {
      const toast = page.locator('.notification-toast', { hasText: 'Insert the proof?' }).first();
      if (await toast.isVisible().catch(() => false)) {
        await toast.locator('.monaco-button', { hasText: /^Insert$/ }).click();
        answered++;
        await toast.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        return undefined;
      }
      return workbench.webviewWith('batch-report', 1).catch(() => undefined);
    }, 150_000);
    const report = panel.locator('[data-testid="batch-report"]').first();
    await report.waitFor({ timeout: 10_000 });
    assert.equal(await report.locator('[data-testid="report-summary"]').innerText(), '2 proved, 1 failed, 0 skipped');
    assert.equal(answered, 2, 'the person was asked twice (once per proved declaration)');
    const rows = report.locator('[data-testid="report-row"]');
    assert.equal(await rows.count(), 3);
    assert.equal(await report.locator('[data-testid="report-row"][data-outcome="proved"]').count(), 2);
    const failed = report.locator('[data-testid="report-row"][data-outcome="failed"]');
    assert.equal(await failed.count(), 1);
    assert.match(await failed.innerText(), /lt_self_succ_wrong/);
    const reason = (await failed.locator('[data-testid="report-reason"]').innerText()).trim();
    assert.ok(reason.length > 0, 'the failure has a reason');
    await workbench.dismissNotifications();
    await report.scrollIntoViewIfNeeded();
    await workbench.screenshot('07-batch-report');

    const text = await until('both proofs on disk', () => {
      const t = fs.readFileSync(path.join(workspace, FILE), 'utf8');
      return t.includes('omega') && t.includes('exact Nat.succ_pos n') ? t : undefined;
    }, 15_000);
    const wrong = text.slice(text.indexOf('theorem lt_self_succ_wrong'));
    assert.match(wrong, /\bsorry\b/, 'the false statement keeps its sorry');
    assert.equal(text.match(/\bsorry\b/g)?.length, 1, 'exactly one sorry is left');
  });

  it('keeps the report and the timelines readable in the high contrast themes', async () => {
    const { workbench } = session();
    const panel = await workbench.webviewWith('batch-report', 10_000);
    await workbench.setTheme('Dark High Contrast');
    assert.equal(await panel.locator('[data-testid="report-row"]').count(), 3, 'the report survives the theme change');
    await workbench.screenshot('08-batch-report-high-contrast-dark');
    await workbench.setTheme('Light High Contrast');
    await workbench.screenshot('09-batch-report-high-contrast-light');
    await workbench.setTheme('Dark Modern');
  });
});
