// Model-guided expansion: a tactic-step prompt ("the goal state and the tactics so far: give the
// next tactic"), sampled `n` times; each distinct reply is one proposal, ranked by its
// log-probability when the server returns one. Replies are untrusted text: only a single tactic
// line is kept, and every probe goes through the screen before Lean sees it.
import type { ChatMessage, Completion, Model } from '../types';
import { squash } from './goal';
import type { Proposal } from './expand';

export const TACTIC_STEP_SYSTEM = 'You are an expert in Lean 4 tactic proofs. You see a proof in progress and its goal state; you answer with the next tactic only.';

export interface TacticStepInput {
  /** The file's text the declaration needs (imports, namespaces, definitions). */
  context: string;
  /** The declaration header, without `:=`. */
  header: string;
  tactics: string[];
  goals: string[];
}

/** The tactic-step prompt: the proof so far with the goal state after it, and one request. */
export function tacticStepMessages(input: TacticStepInput): ChatMessage[] {
  const proof = [`${input.header} := by`, ...input.tactics.map((t) => `  ${t}`), '  sorry'].join('\n');
  const context = input.context.trim();
  const goals = input.goals.map((g, i) => (input.goals.length > 1 ? `Goal ${i + 1}:\n${g}` : g)).join('\n\n');
  const user = [
    'Complete the following Lean 4 proof one tactic at a time.',
    '```lean4\n' + (context ? `${context}\n\n` : '') + proof + '\n```',
    `The goal state at the \`sorry\` (the next tactic works on the first goal):\n\`\`\`\n${goals}\n\`\`\``,
    'Reply with the single next tactic in a ```lean4 block, nothing else.',
  ].join('\n\n');
  return [
    { role: 'system', content: TACTIC_STEP_SYSTEM },
    { role: 'user', content: user },
  ];
}

/** The one tactic line of a reply: the first line of its last fenced block, else its first line. */
export function tacticFromReply(reply: string): string | undefined {
  const text = reply.replace(/<think>[\s\S]*?<\/think>/g, '');
  const blocks = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const source = blocks.length > 0 ? blocks[blocks.length - 1]! : text;
  const line = source
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('--'));
  if (!line) return undefined;
  const tactic = line.replace(/^by\s+/, '').trim();
  // One tactic, not a declaration or a command: those belong to whole-proof rounds.
  if (tactic === '' || /^(theorem|lemma|example|def|import|open|#)/.test(tactic) || tactic.length > 400) return undefined;
  return tactic;
}

/** Distinct tactics of the samples, most likely first (a repeated tactic keeps its best log-probability). */
export function proposalsFromCompletions(completions: Completion[]): Proposal[] {
  const byTactic = new Map<string, { tactic: string; votes: number; logprob?: number }>();
  for (const c of completions) {
    const tactic = tacticFromReply(c.text);
    if (!tactic) continue;
    const key = squash(tactic);
    const seen = byTactic.get(key) ?? { tactic, votes: 0 };
    seen.votes++;
    if (c.logprob !== undefined) seen.logprob = Math.max(c.logprob, seen.logprob ?? -Infinity);
    byTactic.set(key, seen);
  }
  const rank = (v: { votes: number; logprob?: number }) => v.logprob ?? Math.log(v.votes / Math.max(1, completions.length));
  return [...byTactic.values()]
    .sort((a, b) => rank(b) - rank(a))
    .map((v) => ({ tactic: v.tactic, kind: 'model' as const, cost: 1 / v.votes, ...(v.logprob !== undefined ? { logprob: v.logprob } : {}) }));
}

export interface ModelStepOptions {
  model: Model;
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  signal?: AbortSignal;
}

/** Samples next tactics for a node; a failing model call costs the node its model proposals, not the search. */
export async function modelProposals(input: TacticStepInput, options: ModelStepOptions): Promise<Proposal[]> {
  try {
    const completions = await options.model.generate(
      { messages: tacticStepMessages(input), n: options.n, temperature: options.temperature, topP: options.topP, maxTokens: options.maxTokens },
      { signal: options.signal },
    );
    return proposalsFromCompletions(completions);
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return [];
  }
}
