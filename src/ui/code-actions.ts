// "Prove with OProver" on every sorry: a quick fix in the light bulb when the cursor is on a sorry or
// inside a declaration that holds one (where Lean's "declaration uses 'sorry'" warning sits).
import * as vscode from 'vscode';
import { findSorries } from '../core/source';
import type { SorryLocation } from '../core/types';

export const PROVE_TITLE = 'Prove with OProver';
/** A hole in a longer proof is proved where it stands. */
export const PROVE_HOLE_TITLE = 'Prove this hole with OProver';
export const SEARCH_TITLE = 'Search for a Proof (OProver, no model)';

export class ProveCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  private cache: { uri: string; version: number; sorries: SorryLocation[] } | undefined;

  private sorries(document: vscode.TextDocument): SorryLocation[] {
    const uri = document.uri.toString();
    if (this.cache?.uri !== uri || this.cache.version !== document.version) {
      this.cache = { uri, version: document.version, sorries: findSorries(document.getText()).filter((s) => s.declaration) };
    }
    return this.cache.sorries;
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const from = document.offsetAt(range.start);
    const to = document.offsetAt(range.end);
    const all = this.sorries(document);
    const under = all.filter((s) => s.offset <= to && from <= s.offset + 'sorry'.length);
    const targets = under.length > 0 ? under : all.filter((s) => s.declaration!.start <= from && to <= s.declaration!.end);
    const actions = targets.slice(0, 8).map((s, i) => {
      const base = s.hole ? PROVE_HOLE_TITLE : PROVE_TITLE;
      const title = targets.length > 1 ? `${base} (sorry on line ${s.range.start.line + 1})` : base;
      const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      action.command = { command: 'oprover.proveAtCursor', title, arguments: [document.uri, new vscode.Position(s.range.start.line, s.range.start.character)] };
      action.isPreferred = i === 0 && under.length > 0;
      return action;
    });
    // The search on the one sorry under the cursor (round 0 only: the pre-pass, then the proof-state search).
    if (under.length === 1) {
      const s = under[0]!;
      const search = new vscode.CodeAction(SEARCH_TITLE, vscode.CodeActionKind.QuickFix);
      search.command = { command: 'oprover.searchAtCursor', title: SEARCH_TITLE, arguments: [document.uri, new vscode.Position(s.range.start.line, s.range.start.character)] };
      actions.push(search);
    }
    return actions;
  }
}
