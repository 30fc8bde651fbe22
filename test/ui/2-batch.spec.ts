// A person proves every sorry of a file: "OProver: Prove All Sorries in File" over three sorries, one
// of them false as stated. The batch has its own header while it runs; in insert mode "ask" each
// question shows the proof and offers Show Diff, and the report says which row waits for an answer.
// The report lists 2 proved and 1 failed with Lean's reason; the panel is then looked at in a
// 176 px and a 650 px side bar (long names break at . and _, badges stay in their cards).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { session } from './session';
import { until } from './workbench';

const FILE = 'Demo/Batch.lean';

describe('prove all sorries in a file', function () {
  let panel: Frame;

  it('asks per proof with the proof and Show Diff, reports 2 proved and 1 failed, and inserts what the person accepts', async function () {
    this.timeout(200_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    await workbench.openFile(FILE, 'two_mul_eq');
    await workbench.palette('OProver: Prove All Sorries in File');
    panel = await workbench.webviewWith('batch', 30_000);
    await panel.locator('[data-testid="batch-running"] [data-testid="batch-progress"]').first().waitFor({ timeout: 30_000 });
    await workbench.screenshot('11-batch-running-under-its-own-header');

    // insertMode "ask": a question per proved declaration, with the proof in it
    const question = workbench.dialog('Insert the proof?');
    await question.waitFor({ timeout: 150_000 });
    assert.match(await question.innerText(), /Verified by Lean:[\s\S]*(omega|exact Nat\.succ_pos n)/, 'the question shows the proof');
    const pending = panel.locator('[data-testid="report-row"][data-pending="true"]');
    await pending.first().waitFor({ timeout: 10_000 });
    assert.match(await pending.first().locator('[data-testid="report-outcome"]').innerText(), /question open/);
    await workbench.screenshot('12-batch-ask-question-shows-the-proof');
    await question.locator('.monaco-button', { hasText: /^Show Diff$/ }).click();
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 15_000 });
    await question.waitFor({ timeout: 15_000 }); // asked again after the diff
    await workbench.screenshot('13-batch-ask-show-diff-then-asked-again');
    let answered = 0;
    await until('both questions answered', async () => {
      if (await question.isVisible().catch(() => false)) {
        await question.locator('.monaco-button', { hasText: /^Insert$/ }).click();
        answered++;
        await question.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
      }
      return answered === 2 ? true : undefined;
    }, 60_000);

    const report = panel.locator('[data-testid="batch-report"]').first();
    await until('no question left', async () => ((await panel.locator('[data-testid="report-row"][data-pending="true"]').count()) === 0 ? true : undefined), 15_000);
    assert.equal(await report.locator('[data-testid="report-summary"]').innerText(), '2 proved, 1 failed, 0 skipped');
    const rows = report.locator('[data-testid="report-row"]');
    assert.equal(await rows.count(), 3);
    assert.equal(await report.locator('[data-testid="report-row"][data-outcome="proved"]').count(), 2);
    const failed = report.locator('[data-testid="report-row"][data-outcome="failed"]');
    assert.equal(await failed.count(), 1);
    assert.match(await failed.innerText(), /lt_self_succ_wrong/);
    const reason = (await failed.locator('[data-testid="report-reason"]').innerText()).trim();
    assert.ok(reason.length > 0, 'the failure has a reason');
    assert.equal(await panel.locator('[data-testid="batch"]').first().locator('[data-testid="job"]').count(), 3, "the batch's jobs are under its report");
    await workbench.palette('View: Close All Editors');
    await workbench.dismissNotifications();
    await report.scrollIntoViewIfNeeded();
    await workbench.screenshot('14-batch-report');

    const text = await until('both proofs on disk', () => {
      const t = fs.readFileSync(path.join(workspace, FILE), 'utf8');
      return t.includes('omega') && t.includes('exact Nat.succ_pos n') ? t : undefined;
    }, 15_000);
    const wrong = text.slice(text.indexOf('theorem lt_self_succ_wrong'));
    assert.match(wrong, /\bsorry\b/, 'the false statement keeps its sorry');
    assert.equal(text.match(/\bsorry\b/g)?.length, 1, 'exactly one sorry is left');
  });

  it('holds at 176 px and at 650 px: names break at . and _, badges stay in their cards, the report stacks or wraps', async () => {
    const { workbench } = session();
    for (const width of [176, 650]) {
      const got = await workbench.setSidebarWidth(width);
      assert.ok(Math.abs(got - width) <= 12, `side bar ${got} px wide, wanted ${width}`);
      const wrongJob = panel.locator('[data-testid="job"]', { has: panel.locator('[data-testid="job-title"]', { hasText: 'lt_self_succ_wrong' }) }).first();
      await wrongJob.scrollIntoViewIfNeeded();
      const overflowing = await panel.locator('[data-testid="job-state"]').evaluateAll((badges) =>
        badges.filter((badge) => badge.getBoundingClientRect().right > badge.closest('[data-testid="job"]')!.getBoundingClientRect().right + 1).length,
      );
      assert.equal(overflowing, 0, `every badge stays inside its card at ${width} px`);
      // the title wraps only after '.' or '_' (each text piece between <wbr>s stays whole on its line)
      const words = await wrongJob.locator('[data-testid="job-title"]').evaluate((h) => {
        const lines = new Set<number>();
        for (const node of h.childNodes) {
          if (node.nodeType !== 3) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const rects = [...range.getClientRects()].map((r) => Math.round(r.top));
          if (new Set(rects).size > 1) return -1; // a piece broken inside
          rects.forEach((t) => lines.add(t));
        }
        return lines.size;
      });
      assert.ok(words >= 1, `the name breaks only at . and _ at ${width} px`);
      const headVisible = await panel.locator('.report-table thead').first().isVisible();
      assert.equal(headVisible, width > 560, width > 560 ? 'a table in a wide side bar' : 'stacked rows in a narrow side bar');
      await panel.locator('[data-testid="batch-report"]').first().scrollIntoViewIfNeeded();
      await workbench.screenshot(`15-batch-panel-sidebar-${width}px-report`);
      await wrongJob.scrollIntoViewIfNeeded();
      await workbench.screenshot(`16-batch-panel-sidebar-${width}px-long-name-job`);
    }
    await workbench.setSidebarWidth(300);
  });

  it('keeps the report and the timelines readable in the high contrast themes', async () => {
    const { workbench } = session();
    const frame = await workbench.webviewWith('batch-report', 10_000);
    await workbench.setTheme('Dark High Contrast');
    assert.equal(await frame.locator('[data-testid="report-row"]').count(), 3, 'the report survives the theme change');
    await workbench.screenshot('17-batch-report-high-contrast-dark');
    await workbench.setTheme('Light High Contrast');
    await workbench.screenshot('18-batch-report-high-contrast-light');
    await workbench.setTheme('Dark Modern');
  });
});
