// The goal state at a position of the user's document: through vscode-lean4's running client when
// that extension is installed (its exported API is internal and unstable, so every member is
// feature-detected and every await has a time limit), else through our own Lean server. It takes
// duck-typed objects, never `vscode` itself, so it is testable without an editor.
import { pathToFileURL } from 'node:url';
import type { GoalSource } from '../core/prover';
import { isPlainGoal, isPlainTermGoal, plainGoal, plainGoalOfTermGoal, plainTermGoal, type PlainGoal, type Position } from './protocol';

/** The part of a vscode-lean4 `LeanClient` used here. */
export interface LeanClientLike {
  sendRequest(method: string, params: unknown): Promise<unknown> | PromiseLike<unknown>;
  getClientFolder?(): { fsPath?: string; toString?(): string } | undefined;
  isRunning?(): boolean;
}

/** The part of vscode-lean4's `LeanClientProvider` used here. */
export interface ClientProviderLike {
  getClients?(): LeanClientLike[];
  getActiveClient?(): LeanClientLike | undefined;
}

/** `vscode.extensions`, structurally. */
export interface ExtensionsLike {
  getExtension(id: string): { isActive?: boolean; activate?(): PromiseLike<unknown>; exports?: unknown } | undefined;
}

export interface GoalRequest {
  /** Ask for the expected type of the term there (`$/lean/plainTermGoal`) before the tactic goals: a hole that stands for a term. */
  term?: boolean;
  /** The document's URI string (as vscode-lean4's client knows it). */
  uri: string;
  /** The document's file path, to pick the client whose project folder holds it. */
  fsPath: string;
  /** The document's text, for the fallback. */
  text: string;
  /** UTF-16 position. */
  position: Position;
  projectRoot: string;
}

export interface GoalAnswer {
  goal: PlainGoal;
  source: 'vscode-lean4' | 'own-server';
}

/** The goal through our own server; `file` (the document's path) picks the Lake options its build uses. */
export type GoalFallback = (projectRoot: string, text: string, position: Position, file?: string) => Promise<PlainGoal | null>;

export const LEAN4_EXTENSION_ID = 'leanprover.lean4';

function withTimeout<T>(p: PromiseLike<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(p).finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

/** The client provider from vscode-lean4's exports, across the shapes it has had. */
async function clientProvider(exports: unknown, timeoutMs: number): Promise<ClientProviderLike | undefined> {
  if (typeof exports !== 'object' || exports === null) return undefined;
  const e = exports as {
    clientProvider?: ClientProviderLike;
    lean4EnabledFeatures?: PromiseLike<{ clientProvider?: ClientProviderLike }>;
    allFeatures?: () => PromiseLike<{ clientProvider?: ClientProviderLike }>;
  };
  if (e.clientProvider) return e.clientProvider; // before v0.0.145
  // Since v0.0.145 the features arrive in a promise that stays pending until a Lean file is shown.
  const features = e.lean4EnabledFeatures ? await withTimeout(e.lean4EnabledFeatures, timeoutMs) : typeof e.allFeatures === 'function' ? await withTimeout(e.allFeatures(), timeoutMs) : undefined;
  return features?.clientProvider;
}

/** The client whose project folder is the longest prefix of the file's path, else the active one. */
function pickClient(provider: ClientProviderLike, fsPath: string): LeanClientLike | undefined {
  const clients = typeof provider.getClients === 'function' ? provider.getClients() : [];
  let best: LeanClientLike | undefined;
  let bestLength = -1;
  for (const c of clients) {
    const folder = typeof c.getClientFolder === 'function' ? c.getClientFolder()?.fsPath : undefined;
    if (folder && fsPath.startsWith(folder) && folder.length > bestLength) {
      best = c;
      bestLength = folder.length;
    }
  }
  return best ?? (typeof provider.getActiveClient === 'function' ? provider.getActiveClient() : undefined);
}

export interface EditorGoalsOptions {
  extensions?: ExtensionsLike;
  fallback?: GoalFallback;
  /** The fallback for a term hole (`GoalRequest.term`): our own server, the term's expected type first. */
  termFallback?: GoalFallback;
  /** Limit for each step through vscode-lean4 (activation, features, request). */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export class EditorGoals {
  constructor(private readonly options: EditorGoalsOptions) {}

  /** Asks vscode-lean4's client; undefined when it is absent, not ready, or does not answer in time. */
  async viaLean4(request: GoalRequest): Promise<PlainGoal | null | undefined> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    try {
      const ext = this.options.extensions?.getExtension(LEAN4_EXTENSION_ID);
      if (!ext) return undefined;
      if (!ext.isActive && typeof ext.activate === 'function') await withTimeout(ext.activate(), timeoutMs);
      const provider = await clientProvider(ext.exports, timeoutMs);
      if (!provider) return undefined;
      const client = pickClient(provider, request.fsPath);
      if (!client || (typeof client.isRunning === 'function' && !client.isRunning())) return undefined;
      const params = { textDocument: { uri: request.uri }, position: request.position };
      if (request.term) {
        const first = await withTimeout(client.sendRequest(plainTermGoal.method, params), timeoutMs);
        if (first !== null && isPlainTermGoal(first)) return plainGoalOfTermGoal(first);
      }
      const answer = await withTimeout(client.sendRequest(plainGoal.method, params), timeoutMs);
      if (answer !== null) return isPlainGoal(answer) ? answer : undefined;
      // No tactic goal here (a term proof such as `:= sorry`): the expected type of the term.
      const term = await withTimeout(client.sendRequest(plainTermGoal.method, params), timeoutMs);
      if (term === null) return null;
      return isPlainTermGoal(term) ? plainGoalOfTermGoal(term) : undefined;
    } catch (err) {
      this.options.log?.(`vscode-lean4 did not give the goal: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The goal at a position, from vscode-lean4 when it answers, else from our own server. */
  async goalAt(request: GoalRequest): Promise<GoalAnswer | undefined> {
    const viaEditor = await this.viaLean4(request);
    if (viaEditor) return { goal: viaEditor, source: 'vscode-lean4' };
    if (viaEditor === null) return undefined; // Lean answered: no tactic goal at this position
    const fallback = (request.term ? this.options.termFallback : undefined) ?? this.options.fallback;
    if (!fallback) return undefined;
    const own = await fallback(request.projectRoot, request.text, request.position, request.fsPath);
    return own ? { goal: own, source: 'own-server' } : undefined;
  }
}

/** The goals as prompts and the panel show them: each `hyps ⊢ target`, a blank line between. */
export function goalText(goal: PlainGoal): string {
  return goal.goals.length > 0 ? goal.goals.join('\n\n') : 'no goals';
}

/**
 * The repair loop's goal port over EditorGoals: the goal at the target's sorry. `uriOf` gives the
 * document URI as the editor's Lean client knows it (default: the file URL).
 */
export function goalSource(goals: EditorGoals, uriOf: (file: string) => string = (file) => pathToFileURL(file).href): GoalSource {
  return async (target) => {
    // A hole that stands for a term: its expected type, not the goal of the tactic around it.
    const term = target.sorry.hole?.mode === 'term';
    const answer = await goals.goalAt({ uri: uriOf(target.file), fsPath: target.file, text: target.text, position: target.sorry.range.start, projectRoot: target.projectRoot, ...(term ? { term } : {}) });
    return answer ? { goal: goalText(answer.goal), source: answer.source } : undefined;
  };
}
