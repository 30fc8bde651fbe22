// Import Proof Corpus with a declaration dump, in the extension host: the declarations go to their
// own store beside the project's bank (never into it), the memory finds them, and deleting the file
// drops them from a running window.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ImportResult } from '../../../src/retrieval/indexer';
import { extensionContext, workspaceFile } from './host';

const DUMP = [
  { name: 'List.reverse_reverse', type: '∀ {α : Type u_1} (as : List α), as.reverse.reverse = as', module: 'Init.Data.List.Lemmas' },
  { decl_name: 'Nat.factorial_pos', signature: '∀ (n : ℕ), 0 < n.factorial', file: 'Mathlib/Data/Nat/Factorial/Basic.lean' },
  { name: 'broken' },
];

describe('Import Proof Corpus: a declaration dump (statements only)', () => {
  it('imports into the declarations store beside the bank, finds them, and forgets them when the file is deleted', async () => {
    const ctx = await extensionContext();
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const dump = workspaceFile('declarations-dump.jsonl');
    fs.writeFileSync(dump.fsPath, DUMP.map((d) => JSON.stringify(d)).join('\n') + '\n');
    try {
      const result = (await vscode.commands.executeCommand('oprover.importCorpus', dump, 'declarations')) as ImportResult;
      assert.equal(result.imported, 2);
      assert.deepEqual(result.malformed.map((m) => m.line), [3]);
      const store = path.join(root, '.oprover', 'bank', 'declarations.jsonl');
      assert.ok(fs.existsSync(store));
      const memory = ctx.bank(root);
      const [hit] = await memory.retrieveDeclarations({ statement: 'theorem rev_twice (l : List Nat) : l.reverse.reverse = l' }, 1);
      assert.equal(hit?.name, 'List.reverse_reverse');
      // The proof bank holds no record of them.
      const proofs = await memory.retrieve({ statement: 'theorem rev_twice (l : List Nat) : l.reverse.reverse = l' }, 8);
      assert.ok(!proofs.some((p) => p.name === 'List.reverse_reverse'), JSON.stringify(proofs.map((p) => p.name)));
      fs.rmSync(store);
      assert.deepEqual(await memory.retrieveDeclarations({ statement: 'theorem rev_twice (l : List Nat) : l.reverse.reverse = l' }, 1), []);
    } finally {
      fs.rmSync(dump.fsPath, { force: true });
    }
  });
});
