// The editor side of a verified proof, in the extension host: the "proof ready — Insert · Diff"
// CodeLens at the sorry, Insert from the diff editor (the command its title action runs, given the
// proposed document), the lens gone once the proof is in and back after Undo, and Locate on the
// declaration once the sorry is gone.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { findSorries } from '../../../src/core/source';
import { locate } from '../../../src/ui/edits';
import { targetFromDocument } from '../../../src/ui/targets';
import { extensionContext as context, freshDocument, until } from './host';

async function lensTitles(document: vscode.TextDocument): Promise<{ title: string; command: string; args: unknown[] }[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
  return lenses.filter((l) => l.command).map((l) => ({ title: l.command!.title, command: l.command!.command, args: l.command!.arguments ?? [] }));
}

describe('a verified proof in the editor', () => {
  it('offers Insert and Diff at the sorry, inserts from the diff editor, and comes back after Undo', async () => {
    const ctx = await context();
    const document = await freshDocument('Demo/Basic.lean', 'Sync.lean');
    const sorry = findSorries(document.getText()).find((x) => x.declaration?.name === 'add_comm_example');
    assert.ok(sorry);
    const job = ctx.jobs.start(targetFromDocument(document, sorry), { uri: document.uri.toString(), rounds: 2 });
    await until('the "proving…" lens', async () => (await lensTitles(document)).some((l) => l.title.includes('proving')), 15_000);
    const result = await job.done;
    assert.equal(result.status, 'proved', result.reason);

    const ready = await until('the "proof ready" lens', async () => {
      const lenses = await lensTitles(document);
      return lenses.some((l) => l.title.includes('proof ready')) ? lenses : undefined;
    }, 15_000);
    const insert = ready.find((l) => l.title.includes('proof ready — Insert'))!;
    assert.equal(insert.command, 'oprover.insertProof');
    assert.deepEqual(insert.args, [job.id]);
    const diff = ready.find((l) => l.title === 'Diff')!;
    assert.equal(diff.command, 'oprover.showProofDiff');
    const sorryLine = document.positionAt(sorry.offset).line;
    const lensLines = ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? []).map((l) => l.range.start.line);
    assert.ok(lensLines.every((l) => l === sorryLine), 'the lenses sit at the sorry');

    // Diff, then Insert from the diff editor (its title action passes the proposed document).
    await vscode.commands.executeCommand(diff.command, ...diff.args);
    const tab = await until('the diff editor', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    }, 10_000);
    assert.equal(tab.modified.scheme, 'oprover-proposed');
    await vscode.commands.executeCommand('oprover.insertProof', tab.modified);
    const inserted = document.getText();
    assert.match(inserted, /:= by\n {2}exact Nat\.add_comm a b/, 'the proof is in, `by` on its own line as the user wrote it');
    await until('no "proof ready" lens once the proof is in', async () => ((await lensTitles(document)).some((l) => l.title.includes('proof ready')) ? undefined : true), 10_000);

    // Locate now selects the declaration (its sorry is gone).
    await locate(job);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), document.uri.toString());
    assert.match(editor.document.getText(editor.selection), /^theorem add_comm_example/);

    // Undo: the sorry is back, and so is the offer.
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand('undo');
    await until('the sorry back after Undo', () => (/:= by\n {2}sorry/.test(document.getText().slice(document.getText().indexOf('add_comm_example'))) ? true : undefined), 10_000);
    await until('the "proof ready" lens back after Undo', async () => ((await lensTitles(document)).some((l) => l.title.includes('proof ready')) ? true : undefined), 10_000);
  });
});
