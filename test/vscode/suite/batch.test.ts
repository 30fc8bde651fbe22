// "OProver: Prove All Sorries in File" in the extension host with oprover.insertMode = insert-all,
// against the fixture servers: two sorries are provable, one is false as stated. The user edits one
// provable declaration while its proof is being checked: that proof must not land.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BatchReport } from '../../../src/ui/protocol';
import { extensionContext, freshDocument, setSetting, until } from './host';

describe('Prove All Sorries in File (insert-all)', () => {
  after(async () => {
    await setSetting(await extensionContext(), 'insertMode', undefined);
  });

  it('inserts the verified proofs, reports the false statement as failed, and leaves an edited declaration alone', async () => {
    const ctx = await extensionContext();
    await setSetting(ctx, 'insertMode', 'insert-all');
    const document = await freshDocument('Demo/Batch.lean', 'BatchEdited.lean');
    const copy = document.uri;

    const batch = vscode.commands.executeCommand<BatchReport | undefined>('oprover.proveAllInFile');

    // Once the model has answered for succ_pos_example (Lean takes a few seconds on it), the user
    // rewrites its statement.
    await until(
      'the attempt for succ_pos_example',
      () => ctx.jobs.list().find((j) => j.uri === copy.toString() && j.target.declaration.name === 'succ_pos_example' && j.events.some((e) => e.type === 'attempt')),
    );
    // An insertion by the batch can land between reading the text and applying the edit; VS Code then
    // refuses the edit as made on an older version, and the user types it again.
    const statement = '0 < n + 1';
    await until('the user edit to apply', async () => {
      const at = document.getText().indexOf(statement);
      assert.ok(at >= 0, 'the statement is still as written');
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, new vscode.Range(document.positionAt(at), document.positionAt(at + statement.length)), '0 < 1 + n');
      return vscode.workspace.applyEdit(edit);
    });

    const report = await batch;
    assert.ok(report, 'the batch returned its report');
    const byName = new Map(report.entries.map((e) => [e.declarationName.replace(/^.*\./, ''), e]));
    assert.deepEqual([...byName.keys()].sort(), ['lt_self_succ_wrong', 'succ_pos_example', 'two_mul_eq']);

    assert.equal(byName.get('two_mul_eq')!.outcome, 'proved');
    assert.equal(byName.get('two_mul_eq')!.inserted, true, 'an untouched declaration gets its proof');

    const edited = byName.get('succ_pos_example')!;
    assert.equal(edited.outcome, 'proved', 'the proof was verified against the text the job read');
    assert.notEqual(edited.inserted, true, 'but it is not inserted into the edited declaration');
    assert.match(edited.reason, /edited|changed/, `and the report says why: ${edited.reason}`);

    const wrong = byName.get('lt_self_succ_wrong')!;
    assert.equal(wrong.outcome, 'failed');
    assert.ok(wrong.reason.trim().length > 0, 'the failure has a reason');

    const text = document.getText();
    const section = (name: string) => text.slice(text.indexOf(`theorem ${name}`)).split(/\n\s*\n/)[0]!;
    assert.match(section('two_mul_eq'), /\bomega\b/, 'the proof is in the file');
    assert.match(section('succ_pos_example'), /0 < 1 \+ n := by\s+sorry/, 'the edited declaration is exactly as the user left it');
    assert.match(section('lt_self_succ_wrong'), /\bsorry\b/, 'the false statement keeps its sorry');
  });
});
