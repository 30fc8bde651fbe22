// The extension as VS Code loads it: present, activated by a Lean file, its commands registered.
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { extensionId, until, workspaceFile } from './host';

describe('extension activation', () => {
  it('runs in a Node extension host with the fixture workspace open', () => {
    assert.equal(typeof process.versions.node, 'string');
    assert.equal(path.basename(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ''), 'workspace');
  });

  it('is installed', () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is loaded`);
    assert.equal(extension.packageJSON.name, 'oprover-vscode');
  });

  it('activates when a .lean file opens, which VS Code knows as lean4', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('Demo/Basic.lean'));
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'lean4');
    const extension = vscode.extensions.getExtension(extensionId);
    await until('the extension to activate', () => extension?.isActive);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['oprover.proveAtCursor', 'oprover.proveAllInFile', 'oprover.cancel', 'oprover.showPanel', 'oprover.setApiKey', 'oprover.testConnection']) {
      assert.ok(commands.includes(id), `command ${id} is registered`);
    }
  });
});
