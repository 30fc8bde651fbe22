// A hole in the extension host, against the fixture servers: on a declaration with two holes, the
// code action on the first says "Prove this hole with OProver"; the job builds the hole's theorem
// from the goal the scripted Lean server prints at that hole, the test model proves it with
// `omega`, and Insert replaces that `sorry` alone, the other hole staying where it was.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { insertVerifiedProof } from '../../../src/ui/edits';
import { extensionContext, workspaceFile } from './host';

const PROVE_HOLE_TITLE = 'Prove this hole with OProver';

const SKELETON = `theorem hole_skel (a b : Nat) (h : a = b) : a + 0 = b ∧ b = a := by
  have h1 : a + 0 = b := by
    sorry
  have h2 : b = a := by
    sorry
  exact ⟨h1, h2⟩
`;

describe('Prove this hole with OProver', () => {
  it('proves one hole of a two-hole declaration and leaves the other in place', async () => {
    const ctx = await extensionContext();
    const uri = workspaceFile('Demo/HoleSkel.lean');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(SKELETON));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const at = document.positionAt(SKELETON.indexOf('sorry') + 2);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(at, at));
    const action = (actions ?? []).find((a) => a.title === PROVE_HOLE_TITLE);
    assert.ok(action?.command, `"${PROVE_HOLE_TITLE}" is offered on the hole; offered: ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
    const jobId = await vscode.commands.executeCommand<string | undefined>(action.command.command, ...(action.command.arguments ?? []));
    const job = ctx.jobs.get(jobId!);
    assert.ok(job, 'the command started a job');
    const result = await job.done;
    assert.equal(result.status, 'proved', `the hole was proved (reason: ${result.reason})`);
    const goal = job.events.find((e) => e.type === 'goal');
    assert.ok(goal && goal.type === 'goal' && goal.goal.includes('⊢ a + 0 = b'), 'the timeline shows the hole\'s goal');
    const outcome = await insertVerifiedProof(ctx, job);
    assert.ok(outcome.ok, outcome.message);
    assert.equal(document.getText(), SKELETON.replace('    sorry\n  have h2', '    omega\n  have h2'), 'only the first hole changed; the second sorry stays');
  });
});
