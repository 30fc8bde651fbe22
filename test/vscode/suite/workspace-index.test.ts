// The workspace's own theorems in the memory bank, in the extension host: indexed in the background
// after activation, and again for a file when it is saved (an edited theorem replaces the old one).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RetrievedProof } from '../../../src/core/types';
import { extensionContext, until, workspaceFile } from './host';

describe('Memory bank: the workspace\'s own proofs', () => {
  const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  /** The bank's best match for a statement, when it is the named theorem from the workspace. */
  const stored = async (statement: string, name: string): Promise<RetrievedProof | undefined> => {
    const ctx = await extensionContext();
    const [best] = await ctx.bank(root()).retrieve({ statement }, 1);
    return best?.name === name && best.source.kind === 'workspace' ? best : undefined;
  };

  it('indexes the complete proofs of the workspace after activation', async () => {
    const found = await until('Demo.add_zero_right in the bank', () => stored('theorem add_zero_right (n : Nat) : n + 0 = n', 'Demo.add_zero_right'), 30_000);
    // Basic.lean, or a copy another test saved first (an equal proof is stored once).
    assert.match(found.source.file ?? '', /^Demo\/\w+\.lean$/);
    assert.match(found.proof, /:= by\s+rfl/);
    // A declaration that still has its sorry is not a verified proof. (Other tests' copies of the file
    // may hold a proved add_comm_example by now; Basic.lean's own must not be there.)
    const near = await (await extensionContext()).bank(root()).retrieve({ statement: 'theorem add_comm_example (a b : Nat) : a + b = b + a' }, 8);
    assert.ok(!near.some((p) => p.name === 'Demo.add_comm_example' && p.source.file === 'Demo/Basic.lean'), JSON.stringify(near.map((p) => [p.name, p.source.file])));
  });

  it('re-indexes a file when it is saved: a new theorem is added, an edited one replaces the old', async () => {
    const uri = workspaceFile('Demo/Indexed.lean');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('theorem indexed_sum : 2 + 3 = 5 := rfl\n'));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const touch = new vscode.WorkspaceEdit();
    touch.insert(uri, new vscode.Position(0, 0), '-- indexed on save\n');
    assert.ok(await vscode.workspace.applyEdit(touch));
    assert.ok(await document.save(), 'saved');
    await until('indexed_sum in the bank after the save', () => stored('theorem indexed_sum : 2 + 3 = 5', 'indexed_sum'), 15_000);

    const rename = new vscode.WorkspaceEdit();
    const text = document.getText();
    rename.replace(uri, new vscode.Range(document.positionAt(text.indexOf('indexed_sum')), document.positionAt(text.length)), 'indexed_product : 2 * 3 = 6 := rfl\n');
    assert.ok(await vscode.workspace.applyEdit(rename));
    assert.ok(await document.save(), 'saved again');
    await until('indexed_product in the bank', () => stored('theorem indexed_product : 2 * 3 = 6', 'indexed_product'), 15_000);
    const old = await stored('theorem indexed_sum : 2 + 3 = 5', 'indexed_sum');
    assert.equal(old, undefined, 'the theorem that went away left the bank');

    // Deleting the file (as from the explorer) forgets its theorems.
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(uri);
    assert.ok(await vscode.workspace.applyEdit(remove), 'deleted');
    await until('indexed_product to leave the bank', async () => ((await stored('theorem indexed_product : 2 * 3 = 6', 'indexed_product')) === undefined ? true : undefined), 15_000);
  });
});
