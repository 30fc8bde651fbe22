// A verified proof whose declaration moved because the text above it changed (an edit, or an earlier
// insertion of a batch) is checked by Lean again where it now is before it is inserted; a proof that
// no longer checks there is refused. Against the scripted Lean server: `omega` checks, the swapped
// `Nat.add_comm b a` fails with a type mismatch.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { makeCandidate } from '../../../src/core/extract';
import { findSorries } from '../../../src/core/source';
import { insertProof } from '../../../src/ui/edits';
import { targetFromDocument } from '../../../src/ui/targets';
import { extensionContext, freshDocument } from './host';

/** The add_comm_example target as the job read it, and a proof claimed verified there. */
async function targetAndProof(copyName: string, body: string) {
  const document = await freshDocument('Demo/Basic.lean', copyName);
  const sorry = findSorries(document.getText()).find((s) => s.declaration?.name === 'add_comm_example');
  assert.ok(sorry, 'the fixture has the add_comm_example sorry');
  const target = targetFromDocument(document, sorry);
  return { document, target, proof: makeCandidate(target, body, { kind: 'replay', proofId: 'test' }) };
}

async function edit(document: vscode.TextDocument, at: string, insert: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, document.positionAt(document.getText().indexOf(at)), insert);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applied');
}

describe('Inserting a proof after the text above it changed', () => {
  it('checks the proof again where the declaration now is, then inserts it', async () => {
    const ctx = await extensionContext();
    const { document, target, proof } = await targetAndProof('RecheckOk.lean', ':= by\n  omega');
    await edit(document, 'theorem add_comm_example', 'theorem two_eq : 2 = 2 := rfl\n\n');
    const outcome = await insertProof(ctx, document.uri.toString(), target, proof);
    assert.ok(outcome.ok, outcome.message);
    assert.match(outcome.message, /Lean checked it again there/);
    const text = document.getText();
    assert.ok(text.includes('theorem two_eq : 2 = 2 := rfl'), 'the user edit stays');
    assert.match(text, /add_comm_example \(a b : Nat\) : a \+ b = b \+ a := by\n {2}omega/);
    assert.ok(!/\bsorry\b/.test(text), `the sorry is gone:\n${text}`);
  });

  it('refuses a proof that no longer checks there, and leaves the document as the user left it', async () => {
    const ctx = await extensionContext();
    const { document, target, proof } = await targetAndProof('RecheckFails.lean', ':= by\n  exact Nat.add_comm b a');
    await edit(document, 'theorem add_comm_example', 'theorem two_eq : 2 = 2 := rfl\n\n');
    const before = document.getText();
    const outcome = await insertProof(ctx, document.uri.toString(), target, proof);
    assert.equal(outcome.ok, false, outcome.message);
    assert.match(outcome.message, /no longer checks there: .*type mismatch/s);
    assert.equal(document.getText(), before, 'nothing was inserted');
  });

  it('does not check again when only the text below the declaration changed', async () => {
    const ctx = await extensionContext();
    // The scripted Lean server would refuse this body: that it lands shows no second check ran.
    const { document, target, proof } = await targetAndProof('RecheckBelow.lean', ':= by\n  exact Nat.add_comm b a');
    await edit(document, 'end Demo', 'theorem two_eq : 2 = 2 := rfl\n\n');
    const outcome = await insertProof(ctx, document.uri.toString(), target, proof);
    assert.ok(outcome.ok, outcome.message);
    assert.doesNotMatch(outcome.message, /checked it again/);
    assert.ok(document.getText().includes('exact Nat.add_comm b a'));
  });
});
