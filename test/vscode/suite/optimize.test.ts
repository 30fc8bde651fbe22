// "Optimize proof with OProver" end to end in the extension host, against the fixture servers: the
// scripted Lean server accepts the file's three-step proof and the model's one-step rewrite; the
// job's timeline names the gain, Insert replaces the proof only over the unchanged declaration.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { insertVerifiedProof } from '../../../src/ui/edits';
import { extensionContext as context, workspaceFile } from './host';

const OPTIMIZE_TITLE = 'Optimize proof with OProver';
const LONG = `namespace Demo

theorem succ_ne_zero_long (n : Nat) : n + 1 ≠ 0 := by
  intro h
  have h2 : n + 1 = 0 := h
  exact Nat.succ_ne_zero n h2

theorem open_one (n : Nat) : n = n := by
  sorry

end Demo
`;

async function openFresh(name: string): Promise<vscode.TextDocument> {
  const uri = workspaceFile(`Demo/${name}`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(LONG, 'utf8'));
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  return document;
}

async function actionsAt(document: vscode.TextDocument, needle: string): Promise<vscode.CodeAction[]> {
  const at = document.positionAt(document.getText().indexOf(needle) + 1);
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(at, at))) ?? [];
}

describe('Optimize proof with OProver (code action)', () => {
  it('is offered on a complete proof and not on a declaration with a sorry', async () => {
    await context();
    const document = await openFresh('OptimizeOffer.lean');
    const on = await actionsAt(document, 'have h2');
    assert.ok(on.some((a) => a.title === OPTIMIZE_TITLE), `offered: ${JSON.stringify(on.map((a) => a.title))}`);
    const off = await actionsAt(document, 'sorry');
    assert.ok(!off.some((a) => a.title === OPTIMIZE_TITLE), 'not offered where the proof is incomplete');
  });

  it('replaces a three-step proof by the verified one-step rewrite, showing the gain in the timeline', async () => {
    const ctx = await context();
    const document = await openFresh('OptimizeRun.lean');
    const action = (await actionsAt(document, 'intro h')).find((a) => a.title === OPTIMIZE_TITLE);
    assert.ok(action?.command, 'the code action runs a command');
    // The metric comes as the third argument instead of from the quick pick.
    const jobId = await vscode.commands.executeCommand<string | undefined>(action.command.command, ...(action.command.arguments ?? []), 'length');
    assert.equal(typeof jobId, 'string', 'a job started');
    const job = ctx.jobs.get(jobId!)!;
    const result = await job.done;
    assert.equal(result.status, 'proved', `a verified rewrite improved the proof (reason: ${result.reason})`);
    assert.match(result.reason, /3 → 1 step/);
    assert.equal(result.proof?.body, ':= by\n  exact Nat.succ_ne_zero n');
    const gain = job.events.filter((e) => e.type === 'verdict' && e.verdict.reason.startsWith('verified rewrite: 3 → 1 step'));
    assert.equal(gain.length, 1, 'the timeline names the gain of the kept rewrite');
    assert.ok(job.events.some((e) => e.type === 'verdict' && e.round === 0 && e.verdict.kind === 'proved'), 'the current proof was checked first');
    assert.equal(document.getText(), LONG, 'nothing is inserted before the user asks');

    const outcome = await insertVerifiedProof(ctx, job);
    assert.ok(outcome.ok, outcome.message);
    assert.equal(document.getText(), LONG.replace(':= by\n  intro h\n  have h2 : n + 1 = 0 := h\n  exact Nat.succ_ne_zero n h2', ':= by\n  exact Nat.succ_ne_zero n'));
  });

  it('refuses to insert over a declaration the user edited meanwhile', async () => {
    const ctx = await context();
    const document = await openFresh('OptimizeEdited.lean');
    const action = (await actionsAt(document, 'intro h')).find((a) => a.title === OPTIMIZE_TITLE)!;
    const jobId = await vscode.commands.executeCommand<string>(action.command!.command, ...(action.command!.arguments ?? []), 'length');
    const job = ctx.jobs.get(jobId)!;
    const result = await job.done;
    assert.equal(result.status, 'proved', result.reason);
    const edit = new vscode.WorkspaceEdit();
    const at = document.positionAt(document.getText().indexOf('intro h'));
    edit.insert(document.uri, at, '-- edited\n  ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const edited = document.getText();
    const outcome = await insertVerifiedProof(ctx, job);
    assert.ok(!outcome.ok, 'the insertion is refused');
    assert.match(outcome.message, /edited after the proof job started/);
    assert.equal(document.getText(), edited, 'the document is left as the user wrote it');
  });

  it('Retry with More Rounds on an optimization job optimizes again, with the same metric', async () => {
    const ctx = await context();
    const document = await openFresh('OptimizeRetry.lean');
    const action = (await actionsAt(document, 'intro h')).find((a) => a.title === OPTIMIZE_TITLE)!;
    const first = await vscode.commands.executeCommand<string>(action.command!.command, ...(action.command!.arguments ?? []), 'length');
    await ctx.jobs.get(first)!.done;
    const again = await vscode.commands.executeCommand<string | undefined>('oprover.retry', first, 1);
    assert.equal(typeof again, 'string', 'a new job started');
    assert.notEqual(again, first);
    const job = ctx.jobs.get(again!)!;
    const result = await job.done;
    assert.equal(result.status, 'proved', result.reason);
    assert.match(result.reason, /3 → 1 step/);
    assert.equal(job.rounds, 3, 'the first job\'s rounds and one more');
  });

  it('checks the rewrite again when the text above the declaration changed, then inserts it', async () => {
    const ctx = await context();
    const document = await openFresh('OptimizeMoved.lean');
    const action = (await actionsAt(document, 'intro h')).find((a) => a.title === OPTIMIZE_TITLE)!;
    const jobId = await vscode.commands.executeCommand<string>(action.command!.command, ...(action.command!.arguments ?? []), 'length');
    const job = ctx.jobs.get(jobId)!;
    assert.equal((await job.done).status, 'proved');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(0, 0), '-- a comment above\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const checksBefore = job.events.length;
    const outcome = await insertVerifiedProof(ctx, job);
    assert.ok(outcome.ok, outcome.message);
    assert.match(outcome.message, /Lean checked it again there/);
    assert.equal(job.events.length, checksBefore, 'the recheck is not part of the job');
    assert.equal(document.getText(), '-- a comment above\n' + LONG.replace(':= by\n  intro h\n  have h2 : n + 1 = 0 := h\n  exact Nat.succ_ne_zero n h2', ':= by\n  exact Nat.succ_ne_zero n'));
  });
});
