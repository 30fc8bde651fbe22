// The code action end to end in the extension host, against the fixture servers: the scripted Lean
// server (round 1's attempt fails with a Lean error, round 2's is accepted) and the test model server.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { OProverContext } from '../../../src/context';
import { findSorries } from '../../../src/core/source';
import { insertVerifiedProof } from '../../../src/ui/edits';
import { targetFromDocument } from '../../../src/ui/targets';
import type { JobRecord } from '../../../src/ui/jobs';
import { extensionContext as context, freshDocument, until } from './host';

const PROVE_TITLE = 'Prove with OProver';

function sorryPosition(document: vscode.TextDocument, after: string): vscode.Position {
  const text = document.getText();
  const declaration = text.indexOf(after);
  assert.ok(declaration >= 0, `${after} is in the file`);
  const offset = text.indexOf('sorry', declaration);
  assert.ok(offset >= 0, `a sorry follows ${after}`);
  return document.positionAt(offset + 2);
}

async function proveAction(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CodeAction> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(position, position));
  const titles = (actions ?? []).map((a) => a.title);
  const action = (actions ?? []).find((a) => a.title === PROVE_TITLE);
  assert.ok(action, `"${PROVE_TITLE}" is offered on the sorry; offered: ${JSON.stringify(titles)}`);
  assert.ok(action.command, 'the code action runs a command');
  return action;
}

async function runAction(ctx: OProverContext, action: vscode.CodeAction): Promise<JobRecord> {
  const jobId = await vscode.commands.executeCommand<string | undefined>(action.command!.command, ...(action.command!.arguments ?? []));
  assert.equal(typeof jobId, 'string', 'the command started a job');
  const job = ctx.jobs.get(jobId!);
  assert.ok(job, 'the job is known to the job manager');
  return job;
}

describe('Prove with OProver (code action)', () => {
  it('is offered on a sorry and not on a line without one', async () => {
    await context(); // the provider is registered on activation
    const document = await freshDocument('Demo/Basic.lean', 'Offer.lean');
    await proveAction(document, sorryPosition(document, 'add_comm_example'));
    const elsewhere = document.positionAt(document.getText().indexOf('rfl') + 1);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(elsewhere, elsewhere));
    assert.ok(!(actions ?? []).some((a) => a.title.startsWith(PROVE_TITLE)), 'no prove action inside a declaration without a sorry');
  });

  it('replaces the sorry with the proof Lean verified in round 2, after round 1 failed with a Lean error', async () => {
    const ctx = await context();
    const document = await freshDocument('Demo/Basic.lean', 'Prove.lean');
    const before = document.getText();
    const job = await runAction(ctx, await proveAction(document, sorryPosition(document, 'add_comm_example')));
    const result = await job.done;
    assert.equal(result.status, 'proved', `the job proved the goal (reason: ${result.reason})`);
    assert.equal(result.rounds, 2, 'it took two rounds');

    const verdicts = job.events.filter((e) => e.type === 'verdict');
    const round1 = verdicts.filter((e) => e.round === 1);
    assert.ok(round1.length > 0 && round1.every((e) => e.verdict.kind === 'lean-error'), 'every round-1 attempt failed with a Lean error');
    const round1Messages = round1.flatMap((e) => (e.verdict.kind === 'lean-error' ? e.verdict.messages : []));
    assert.ok(round1Messages.some((m) => m.severity === 'error' && /type mismatch/.test(m.text)), `round 1 carries Lean's error: ${JSON.stringify(round1Messages)}`);
    assert.ok(verdicts.some((e) => e.round === 2 && e.verdict.kind === 'proved'), 'round 2 has a proved attempt');
    assert.equal(document.getText(), before, 'nothing is inserted before the user asks');

    const outcome = await insertVerifiedProof(ctx, job);
    assert.ok(outcome.ok, outcome.message);
    const after = document.getText();
    assert.ok(after.includes('exact Nat.add_comm a b'), `the verified proof is in the document:\n${after}`);
    const declaration = after.slice(after.indexOf('theorem add_comm_example'), after.indexOf('end Demo'));
    assert.ok(!/\bsorry\b/.test(declaration), 'the sorry is gone from the declaration');
    assert.equal(after.slice(0, after.indexOf('theorem add_comm_example')), before.slice(0, before.indexOf('theorem add_comm_example')), 'the text before the declaration is untouched');
  });

  it('lands no edit on text the user changed while the proof was running', async () => {
    const ctx = await context();
    const document = await freshDocument('Demo/Basic.lean', 'Edited.lean');
    const job = await runAction(ctx, await proveAction(document, sorryPosition(document, 'add_comm_example')));

    // The user rewrites the statement while the job runs.
    const statement = 'a + b = b + a';
    const at = document.getText().indexOf(statement);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + statement.length)), 'b + a = a + b');
    assert.ok(await vscode.workspace.applyEdit(edit), 'the user edit applied');
    const edited = document.getText();

    const result = await job.done;
    assert.equal(result.status, 'proved', `the job still finished (on the text it read): ${result.reason}`);
    const outcome = await insertVerifiedProof(ctx, job);
    assert.equal(outcome.ok, false, 'the insertion is refused');
    assert.match(outcome.message, /edited|changed/, 'and says why');
    assert.equal(document.getText(), edited, 'the document holds exactly the user edit');
  });

  it('Retry with more rounds goes on from the last failed attempt', async () => {
    const ctx = await context();
    const document = await freshDocument('Demo/Basic.lean', 'Retry.lean');
    const sorry = findSorries(document.getText()).find((x) => x.declaration?.name === 'add_comm_example');
    assert.ok(sorry);
    // One round: the scripted model's first answer (the swapped Nat.add_comm b a) fails.
    const first = ctx.jobs.start(targetFromDocument(document, sorry), { uri: document.uri.toString(), rounds: 1 });
    const failed = await first.done;
    assert.equal(failed.status, 'failed', failed.reason);
    assert.ok(failed.lastFailure?.attempt.includes('Nat.add_comm b a'));
    // One more round, which starts from that attempt and its error: the model now answers right.
    const retriedId = await vscode.commands.executeCommand<string | undefined>('oprover.retry', first.id, 1);
    const retried = ctx.jobs.get(retriedId!);
    assert.ok(retried, 'the retry started a job');
    const result = await retried.done;
    assert.equal(result.status, 'proved', result.reason);
    assert.equal(result.rounds, 1, 'proved in its first round, going on from the failed attempt');
    assert.ok(!retried.events.some((e) => e.type === 'round-started' && e.kind === 'prepass'), 'no second pre-pass');
  });

  it('cancels the job when the file is closed mid-proof, and writes nothing to it', async () => {
    const ctx = await context();
    const document = await freshDocument('Demo/Basic.lean', 'Closed.lean');
    const onDisk = new TextDecoder().decode(await vscode.workspace.fs.readFile(document.uri));
    const job = await runAction(ctx, await proveAction(document, sorryPosition(document, 'add_comm_example')));
    // Round 2's proof takes the scripted Lean server 9 s: close the file while Lean checks it.
    await until('round 2 to start', () => job.events.some((e) => e.type === 'attempt' && e.round === 2), 30_000);
    // A kept (not preview) tab: a preview tab is replaced by the next file glanced at, which is no close.
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const result = await job.done;
    assert.equal(result.status, 'cancelled', `the job was cancelled: ${result.reason}`);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(document.uri)), onDisk, 'the file on disk is as it was');
    const outcome = await insertVerifiedProof(ctx, job);
    assert.equal(outcome.ok, false, 'there is no proof to insert');
  });
});
