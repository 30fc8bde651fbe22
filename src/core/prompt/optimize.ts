// Optimization prompts, one layout per prompt profile: the model is shown a verified proof (with
// the goal after each tactic line, Chain-of-States) and asked for a rewrite that improves a metric
// while the statement stays exactly the user's.
//
// Which models they suit (docs/model.md): `custom` uses a plain instruction layout meant for a
// general instruction model on the user's endpoint (a chat model that follows "rewrite this");
// `oprover`, `deepseek-prover-v2`, `goedel-prover-v2` and `kimina` keep the "Complete the following
// Lean 4 code" framing those provers were trained on, with the verified proof shown as a reference
// to improve on and the statement ending in `:= by sorry`.
import type { OProverConfig } from '../../config';
import type { ChatMessage, PromptInput, RetrievedProof } from '../types';
import { byProfile, COT_INSTRUCTION, fence, fitBudget, KIMINA_SYSTEM, taskCode } from './index';

export interface OptimizePromptInput {
  /** The file's text before the declaration that the model needs (imports, opens, namespaces). */
  context: string;
  /** The declaration with its proof replaced by `by sorry`. */
  statement: string;
  /** The best verified proof so far (the whole declaration), annotated with goals when known. */
  current: string;
  /** What to improve, one sentence (Metric.goal). */
  goal: string;
  /** The current proof's value, as people read it ("12 steps"). */
  value: string;
  /** Verified proofs of similar statements, best-scoring first. */
  retrieved: RetrievedProof[];
  round: number;
  /** Earlier failed or not-better rewrites with what was wrong, oldest first. */
  history: { attempt: string; feedback: string }[];
}

export interface OptimizePromptProfile {
  readonly id: string;
  render(input: OptimizePromptInput): ChatMessage[];
}

export const OPTIMIZE_SYSTEM = 'You are an expert Lean 4 engineer. You rewrite Lean 4 proofs so that they still compile and are better by a given measure.';
export const KEEP_STATEMENT = 'Keep the theorem statement exactly as given (same name, binders and type); change only the proof. Do not add other declarations, imports or options.';
export const REWRITE_LEARN = 'Please learn from the previous attempt and the messages about it.';

/** The budget rules of proving, with the current proof as the part that is never trimmed. */
function fit(input: OptimizePromptInput, chars: number): OptimizePromptInput {
  const asProving: PromptInput = { context: input.context, statement: `${input.statement}\n${input.current}`, retrieved: input.retrieved, round: input.round, history: input.history };
  const fitted = fitBudget(asProving, chars);
  return { ...input, retrieved: fitted.retrieved, history: fitted.history };
}

function task(input: OptimizePromptInput): string {
  return taskCode({ context: input.context, statement: input.statement, retrieved: [], round: input.round, history: [] });
}

function latest(input: OptimizePromptInput): { attempt: string; feedback: string } | undefined {
  return input.history[input.history.length - 1];
}

function referenceBlock(input: OptimizePromptInput): string {
  return `A verified proof (${input.value}; the comments show the goals after each line):\n${fence(input.current)}`;
}

function retrievedBlock(header: string, input: OptimizePromptInput): string | undefined {
  return input.retrieved.length > 0 ? `${header}\n${input.retrieved.map((p) => fence(p.proof)).join('\n\n')}` : undefined;
}

/** General instruction models: a system prompt, then one user message with the proof to rewrite. */
function instructProfile(config: OProverConfig): OptimizePromptProfile {
  return {
    id: 'custom',
    render(raw) {
      const input = fit(raw, config.contextChars);
      const parts: string[] = [];
      const retrieved = retrievedBlock('Short verified proofs of similar statements, for ideas:', input);
      if (retrieved) parts.push(retrieved);
      parts.push(`Rewrite the proof of the last declaration below. ${input.goal}\n${KEEP_STATEMENT}`);
      parts.push(`The file so far:\n${fence(input.context.trim() || '-- (no imports)')}`);
      parts.push(`The current proof (${input.value}; the comments show the goals after each line):\n${fence(input.current)}`);
      const prev = latest(input);
      if (prev) parts.push(`Your previous rewrite:\n${fence(prev.attempt)}\n\nWhat was wrong with it:\n${prev.feedback.trim() || 'no message'}`);
      parts.push('Answer with the whole rewritten declaration in one ```lean4 code block.');
      return [
        { role: 'system', content: OPTIMIZE_SYSTEM },
        { role: 'user', content: parts.join('\n\n') + '\n' },
      ];
    },
  };
}

/** OProver: its one-message layout; the verified proof sits with the retrieved proofs, before the task. */
function oproverProfile(config: OProverConfig): OptimizePromptProfile {
  const h = config.promptHeaders;
  return {
    id: 'oprover',
    render(raw) {
      const input = fit(raw, config.contextChars);
      const parts: string[] = [];
      const retrieved = retrievedBlock(h.retrieved, input);
      if (retrieved) parts.push(retrieved);
      parts.push(referenceBlock(input));
      parts.push(`${h.task}\nComplete the following Lean 4 code with a better proof. ${input.goal}\n${KEEP_STATEMENT}\n\n${fence(task(input))}`);
      const prev = latest(input);
      if (prev) {
        parts.push(`${h.previous}\n${fence(prev.attempt)}`);
        parts.push(`${h.errors}\n${prev.feedback.trim() || 'No error messages'}`);
      }
      parts.push(prev ? `${COT_INSTRUCTION}\n${REWRITE_LEARN}` : COT_INSTRUCTION);
      return [{ role: 'user', content: parts.join('\n\n') + '\n' }];
    },
  };
}

function completeTask(input: OptimizePromptInput): string {
  return `Complete the following Lean 4 code:\n\n${fence(task(input))}\n\n${referenceBlock(input)}\n\nWrite a better proof. ${input.goal}\n${KEEP_STATEMENT}\n\n${COT_INSTRUCTION}`;
}

/** DeepSeek-Prover-V2: its CoT task, with feedback rounds in its Previous Failed Attempt layout. */
function deepseekProfile(config: OProverConfig): OptimizePromptProfile {
  return {
    id: 'deepseek-prover-v2',
    render(raw) {
      const input = fit(raw, config.contextChars);
      const prev = latest(input);
      if (!prev) return [{ role: 'user', content: completeTask(input) + '\n' }];
      return [{ role: 'user', content: `**Previous Failed Attempt:**\n${fence(prev.attempt)}\n\n**Error Messages:**\n${prev.feedback.trim() || 'No error messages'}\n\n**Current Task:**\n${completeTask(input)}\n${REWRITE_LEARN}\n` }];
    },
  };
}

/** Goedel-Prover-V2: earlier rewrites as assistant turns, what was wrong as user turns. */
function goedelProfile(config: OProverConfig): OptimizePromptProfile {
  return {
    id: 'goedel-prover-v2',
    render(raw) {
      const input = fit(raw, config.contextChars);
      const messages: ChatMessage[] = [{ role: 'user', content: completeTask(input) + '\n' }];
      const first = input.round - input.history.length;
      input.history.forEach((h, i) => {
        messages.push({ role: 'assistant', content: fence(h.attempt) });
        messages.push({ role: 'user', content: `The proof (Round ${first + i}) is not accepted. ${h.feedback.trim()}\n\nBefore producing the Lean 4 code, provide a detailed analysis of what went wrong.\n` });
      });
      return messages;
    },
  };
}

/** Kimina-Prover: its system prompt and "# Formal statement" layout, the verified proof after it. */
function kiminaProfile(config: OProverConfig): OptimizePromptProfile {
  return {
    id: 'kimina',
    render(raw) {
      const input = fit(raw, config.contextChars);
      const prev = latest(input);
      let user = `Think about and solve the following problem step by step in Lean 4.\n# Problem: Prove the formal statement below with a better proof than the verified one. ${input.goal}\n# Formal statement:\n${fence(task(input))}\n# Verified proof (${input.value}):\n${fence(input.current)}\n`;
      if (prev) user += `\n# Previous attempt:\n${fence(prev.attempt)}\n# Lean feedback:\n${prev.feedback.trim()}\n`;
      return [
        { role: 'system', content: KIMINA_SYSTEM },
        { role: 'user', content: user },
      ];
    },
  };
}

/** The optimization layout for oprover.promptProfile. */
export function getOptimizeProfile(config: OProverConfig): OptimizePromptProfile {
  return byProfile(config, { oprover: oproverProfile, 'deepseek-prover-v2': deepseekProfile, 'goedel-prover-v2': goedelProfile, kimina: kiminaProfile, custom: instructProfile });
}
