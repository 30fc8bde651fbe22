// Our hand-typed LSP messages (src/lean/protocol.ts) against the LSP's own types and method names
// (vscode-languageserver-protocol, through the scripted server's dev dependency): the type checker
// fails on a field we spell differently, and the method names are compared at run time.
import assert from 'node:assert/strict';
import type * as Lsp from 'vscode-languageserver/node';
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
} from 'vscode-languageserver/node';
import * as P from '../../src/lean/protocol';

/** Compiles only when `A` is assignable to `B`. */
function assignable<A extends B, B>(): true {
  return true;
}

describe('Lean protocol types against the LSP’s', () => {
  it('types the standard messages as the LSP does (checked by the compiler)', () => {
    assert.ok(assignable<P.Position, Lsp.Position>());
    assert.ok(assignable<P.Range, Lsp.Range>());
    assert.ok(assignable<P.LeanDiagnostic, Lsp.Diagnostic>());
    assert.ok(assignable<P.LeanPublishDiagnosticsParams, Lsp.PublishDiagnosticsParams>());
    assert.ok(assignable<P.TextDocumentPositionParams, Lsp.TextDocumentPositionParams>());
    assert.ok(assignable<P.LeanDidOpenTextDocumentParams, Lsp.DidOpenTextDocumentParams>());
    assert.ok(assignable<P.DidChangeTextDocumentParams, Lsp.DidChangeTextDocumentParams>());
    assert.ok(assignable<P.DidCloseTextDocumentParams, Lsp.DidCloseTextDocumentParams>());
  });

  it('uses the LSP’s method names', () => {
    assert.equal(P.initialize.method, InitializeRequest.method);
    assert.equal(P.initialized.method, InitializedNotification.method);
    assert.equal(P.shutdown.method, ShutdownRequest.method);
    assert.equal(P.exit.method, ExitNotification.method);
    assert.equal(P.didOpen.method, DidOpenTextDocumentNotification.method);
    assert.equal(P.didChange.method, DidChangeTextDocumentNotification.method);
    assert.equal(P.didClose.method, DidCloseTextDocumentNotification.method);
    assert.equal(P.publishDiagnostics.method, PublishDiagnosticsNotification.method);
  });
});
