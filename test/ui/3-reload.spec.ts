// A person reloads the window while "Prove All Sorries in File" runs. The reloaded window offers to
// resume the batch ("k of 3 done"); resuming proves only what was not finished, takes the proof the
// first run found from the resume file, and at the end the file has both proofs and no batch marker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { session } from './session';
import { until } from './workbench';

const FILE = 'Demo/BatchReload.lean';

interface ResumeFile {
  entries: Record<string, { status: string; proof?: string }>;
  batches?: Record<string, unknown>;
}

describe('a window reload mid-batch', function () {
  before(async () => {
    // run on its own (OPROVER_UI_GREP), no earlier spec has opened the workbench
    const { workbench } = session();
    if (!workbench.page.url().startsWith(workbench.baseUrl)) await workbench.open();
  });

  it('offers to resume the batch, and resuming finishes it without proving the finished target again', async function () {
    this.timeout(240_000);
    const { workbench, workspace } = session();
    const page = workbench.page;
    const stateFile = path.join(workspace, '.oprover', 'state.json');
    const readState = (): ResumeFile | undefined => {
      try {
        return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ResumeFile;
      } catch {
        return undefined;
      }
    };
    const recorded = (name: string) => Object.entries(readState()?.entries ?? {}).find(([key]) => key.startsWith(`${FILE}::Demo.Batch.${name}::`))?.[1];

    // What is under test is the resume, not the Lean sandbox (tested on its own): the scripted Lean
    // server's slow check did not survive bubblewrap when this spec was written.
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(settingsFile, 'utf8')), 'oprover.leanSandbox': 'off' }, null, 2));
    // the fixture's three sorries (the earlier spec put proofs into the workspace's Batch.lean)
    fs.copyFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'workspace', 'Demo', 'Batch.lean'), path.join(workspace, FILE));

    await workbench.openFile(FILE, 'two_mul_eq');
    await workbench.palette('OProver: Prove All Sorries in File');
    await until('two_mul_eq proved and recorded', () => recorded('two_mul_eq')?.status === 'proved', 60_000);
    assert.ok(readState()?.batches?.[FILE], 'the running batch has its marker');
    await workbench.screenshot('20-batch-before-reload');

    await workbench.palette('Developer: Reload Window');
    const toast = await until(
      'the offer to resume the batch',
      async () => {
        const t = page.locator('.notification-toast', { hasText: 'BatchReload.lean was interrupted' }).first();
        return (await t.isVisible().catch(() => false)) ? t : undefined;
      },
      90_000,
    );
    const offer = await toast.innerText();
    const progress = /\((\d) of 3 done\)/.exec(offer);
    assert.ok(progress, `the offer says how far the batch got: ${offer}`);
    assert.ok(Number(progress[1]) >= 1, 'two_mul_eq counts as done');
    await workbench.screenshot('21-resume-offer-after-reload');
    await toast.locator('.monaco-button', { hasText: /^Resume$/ }).click();

    // The report is in the panel first; then (insertMode "ask") a question per proved declaration,
    // the reused proof included, answered Insert as a person would.
    const panel = await workbench.webviewWith('batch-report', 150_000);
    let answered = 0;
    await until(
      'both questions answered',
      async () => {
        const question = workbench.dialog('Insert the proof?');
        if (await question.isVisible().catch(() => false)) {
          // the reused proof's question shows it too, though no job of this window found it
          assert.match(await question.innerText(), /Verified by Lean:[\s\S]*(omega|exact Nat\.succ_pos n)/);
          await question.locator('.monaco-button', { hasText: /^Insert$/ }).click();
          answered++;
          await question.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
        }
        return answered === 2;
      },
      60_000,
    );
    const report = panel.locator('[data-testid="batch-report"]').first();
    await report.waitFor({ timeout: 10_000 });
    // the last answer's insertion lands, then the report says no question is open
    await report.locator('[data-testid="report-summary"]', { hasText: /^2 proved, 1 failed, 0 skipped$/ }).waitFor({ timeout: 15_000 });
    const reused = report.locator('[data-testid="report-row"]', { hasText: 'two_mul_eq' });
    assert.match(await reused.innerText(), /taken from the resume file/, 'the proof found before the reload is reused');
    await workbench.dismissNotifications();
    await report.scrollIntoViewIfNeeded();
    await workbench.screenshot('22-resumed-batch-report');

    const text = await until(
      'both proofs on disk',
      () => {
        const t = fs.readFileSync(path.join(workspace, FILE), 'utf8');
        return t.includes('omega') && t.includes('exact Nat.succ_pos n') ? t : undefined;
      },
      15_000,
    );
    assert.equal(text.match(/\bsorry\b/g)?.length, 1, 'only the false statement keeps its sorry');
    assert.equal(readState()?.batches?.[FILE], undefined, 'the completed batch cleared its marker');
  });
});
