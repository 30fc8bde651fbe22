// A ProofTarget from an editor document: the text and version the job reads, the sorry, its
// declaration, and the project the verifier runs in.
import type * as vscode from 'vscode';
import type { ProofTarget, SorryLocation } from '../core/types';
import { findProjectRoot } from '../lean/project';

export function targetFromDocument(document: vscode.TextDocument, sorry: SorryLocation, text = document.getText()): ProofTarget {
  const isFile = document.uri.scheme === 'file';
  const file = isFile ? document.uri.fsPath : document.uri.toString();
  const projectRoot = isFile ? findProjectRoot(file).root : '';
  return { file, projectRoot, text, version: document.version, sorry, declaration: sorry.declaration! };
}
