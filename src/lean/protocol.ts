// The Lean 4 language server protocol as this extension speaks it: the standard LSP messages we use
// and every `$/lean/*` extension, each declared once with its parameter and result types. Field
// names and meanings follow Lean's own `Lean/Data/Lsp/*.lean` (see docs/lean.md).
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Position, Range } from '../core/types';

export type { Position, Range };

export interface TextDocumentIdentifier {
  uri: string;
}

export interface VersionedTextDocumentIdentifier extends TextDocumentIdentifier {
  version: number;
}

export interface TextDocumentPositionParams {
  textDocument: TextDocumentIdentifier;
  /** UTF-16 code units, as everywhere in LSP. */
  position: Position;
}

// ---------------------------------------------------------------------------------------------
// initialize

/** Lean's `initializationOptions` (`Lean/Data/Lsp/InitShutdown.lean`). */
export interface LeanInitializationOptions {
  /** Milliseconds the server waits after a change before elaborating (default 200). */
  editDelay?: number;
  hasWidgets?: boolean;
}

/** Lean's `capabilities.lean` (`Lean/Data/Lsp/Capabilities.lean`). */
export interface LeanClientCapabilities {
  /** Send diagnostics marked `isSilent` (e.g. "Goals accomplished"). */
  silentDiagnosticSupport?: boolean;
  /** Allow `isIncremental: true` batches that must be appended to what the client holds. */
  incrementalDiagnosticSupport?: boolean;
  rpcWireFormat?: 'v0' | 'v1';
}

export interface InitializeParams {
  processId: number | null;
  rootUri: string | null;
  capabilities: { lean?: LeanClientCapabilities; [key: string]: unknown };
  initializationOptions?: LeanInitializationOptions;
  clientInfo?: { name: string; version?: string };
}

export interface InitializeResult {
  capabilities: Record<string, unknown>;
  serverInfo?: { name: string; version?: string };
}

export const initialize = new RequestType<InitializeParams, InitializeResult, void>('initialize');
export const initialized = new NotificationType<Record<string, never>>('initialized');
export const shutdown = new RequestType0<null, void>('shutdown');
export const exit = new NotificationType0('exit');

// ---------------------------------------------------------------------------------------------
// documents

export type DependencyBuildMode = 'always' | 'once' | 'never';

/** `didOpen` with Lean's extension: whether the worker may build the file's imports first. */
export interface LeanDidOpenTextDocumentParams {
  textDocument: { uri: string; languageId: string; version: number; text: string };
  dependencyBuildMode?: DependencyBuildMode;
}

export interface TextDocumentContentChangeEvent {
  /** Absent: `text` is the whole document. */
  range?: Range;
  text: string;
}

export interface DidChangeTextDocumentParams {
  textDocument: VersionedTextDocumentIdentifier;
  contentChanges: TextDocumentContentChangeEvent[];
}

export interface DidCloseTextDocumentParams {
  textDocument: TextDocumentIdentifier;
}

export const didOpen = new NotificationType<LeanDidOpenTextDocumentParams>('textDocument/didOpen');
export const didChange = new NotificationType<DidChangeTextDocumentParams>('textDocument/didChange');
export const didClose = new NotificationType<DidCloseTextDocumentParams>('textDocument/didClose');

// ---------------------------------------------------------------------------------------------
// diagnostics

export const DiagnosticSeverity = { Error: 1, Warning: 2, Information: 3, Hint: 4 } as const;
export type DiagnosticSeverity = (typeof DiagnosticSeverity)[keyof typeof DiagnosticSeverity];

/** `leanTags` values (`Lean/Data/Lsp/Diagnostics.lean`). */
export const LeanTag = { unsolvedGoals: 1, goalsAccomplished: 2 } as const;

/** A diagnostic with Lean's extra fields. */
export interface LeanDiagnostic {
  /** For multi-line messages Lean truncates this to `start .. (startLine+1):0`; use `fullRange`. */
  range: Range;
  /** The real extent of the message. */
  fullRange?: Range;
  severity?: DiagnosticSeverity;
  code?: number | string;
  source?: string;
  message: string;
  /** LSP `DiagnosticTag`s: 1 unnecessary, 2 deprecated. */
  tags?: (1 | 2)[];
  /** Not meant as a squiggle; sent only to clients with `silentDiagnosticSupport`. */
  isSilent?: boolean;
  leanTags?: number[];
  data?: unknown;
}

export interface LeanPublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: LeanDiagnostic[];
  /** Append to what is held for this version instead of replacing it. */
  isIncremental?: boolean;
}

export const publishDiagnostics = new NotificationType<LeanPublishDiagnosticsParams>('textDocument/publishDiagnostics');

/** `textDocument/waitForDiagnostics`: answers once every diagnostic of `version` (or later) was sent. */
export interface WaitForDiagnosticsParams {
  uri: string;
  version: number;
}
export const waitForDiagnostics = new RequestType<WaitForDiagnosticsParams, Record<string, never>, void>('textDocument/waitForDiagnostics');

// ---------------------------------------------------------------------------------------------
// goals and progress

/** `$/lean/plainGoal` result: `null` outside a tactic proof; `goals: []` when all are closed. */
export interface PlainGoal {
  /** The goals as ```` ```lean ```` blocks separated by `\n---\n`, or "no goals". */
  rendered: string;
  /** Each goal as `hyps\n⊢ target`. */
  goals: string[];
}
export const plainGoal = new RequestType<TextDocumentPositionParams, PlainGoal | null, void>('$/lean/plainGoal');

/** `$/lean/plainTermGoal` result: the expected type at a term. */
export interface PlainTermGoal {
  goal: string;
  range: Range;
}
export const plainTermGoal = new RequestType<TextDocumentPositionParams, PlainTermGoal | null, void>('$/lean/plainTermGoal');

/** `textDocument/documentSymbol` (hierarchical form, as Lean answers it). */
export interface DocumentSymbolParams {
  textDocument: TextDocumentIdentifier;
}
export interface DocumentSymbol {
  name: string;
  kind: number;
  range: Range;
  selectionRange: Range;
  children?: DocumentSymbol[];
}
export const documentSymbol = new RequestType<DocumentSymbolParams, DocumentSymbol[] | null, void>('textDocument/documentSymbol');

export function isPlainGoal(x: unknown): x is PlainGoal {
  return typeof x === 'object' && x !== null && Array.isArray((x as PlainGoal).goals) && typeof (x as PlainGoal).rendered === 'string';
}

export function isPlainTermGoal(x: unknown): x is PlainTermGoal {
  return typeof x === 'object' && x !== null && typeof (x as PlainTermGoal).goal === 'string';
}

/** A term goal (the expected type at a term, e.g. a `:= sorry`) as one goal, rendered as `plainGoal` renders goals. */
export function plainGoalOfTermGoal(t: PlainTermGoal): PlainGoal {
  return { rendered: '```lean\n' + t.goal + '\n```', goals: [t.goal] };
}

export const LeanFileProgressKind = { Processing: 1, FatalError: 2 } as const;

export interface LeanFileProgressProcessingInfo {
  range: Range;
  kind?: (typeof LeanFileProgressKind)[keyof typeof LeanFileProgressKind];
}

/** `$/lean/fileProgress`: `processing: []` means the version is fully elaborated. */
export interface LeanFileProgressParams {
  textDocument: VersionedTextDocumentIdentifier;
  processing: LeanFileProgressProcessingInfo[];
}
export const fileProgress = new NotificationType<LeanFileProgressParams>('$/lean/fileProgress');

// ---------------------------------------------------------------------------------------------
// errors

/** JSON-RPC error codes the Lean server uses (vscode-lean4 `lspTypes.ts`, `RpcErrorCode`). */
export const LeanErrorCode = {
  RequestCancelled: -32800,
  ContentModified: -32801,
  RpcNeedsReconnect: -32900,
  WorkerExited: -32901,
  WorkerCrashed: -32902,
} as const;

/** The message Lake's `setup-file` gives when the project's imports were not rebuilt. */
export const IMPORTS_OUT_OF_DATE = /Imports are out of date/i;

// File watching. Lean's watchdog asks for `workspace/didChangeWatchedFiles` through
// `client/registerCapability` once `initialized` arrives (globs `**/*.lean` and `**/*.ilean` in
// current Lean; `**/*.ilean` only in 2022-era Lean; none in 4.0.0, whose watchdog logs a
// notification it does not know, where 2021 pre-releases threw). A changed `.lean` file makes the watchdog send
// `$/lean/staleDependency` to the workers of files that import it (`handleDidChangeWatchedFiles`
// in `src/Lean/Server/Watchdog.lean`), and such a worker then shows "Imports are out of date and
// should be rebuilt" (`handleStaleDependency` in `FileWorker.lean`); only a new worker loads the
// rebuilt imports.
export interface Registration {
  id: string;
  method: string;
  registerOptions?: { watchers?: { globPattern: string | { pattern: string } }[] };
}
export const registerCapability = new RequestType<{ registrations: Registration[] }, null, void>('client/registerCapability');
export const FileChangeType = { Created: 1, Changed: 2, Deleted: 3 } as const;
export interface FileEvent {
  uri: string;
  type: number;
}
export const didChangeWatchedFiles = new NotificationType<{ changes: FileEvent[] }>('workspace/didChangeWatchedFiles');
