// Prompt profiles: how each round's state becomes chat messages for a given prover family.
// `oprover` (default) follows the compact per-round state OProver was trained on: one user message
// holding the retrieved verified proofs, only the latest attempt and its feedback, and the task.
import type { OProverConfig } from '../../config';
import { formatKiminaFeedback } from '../feedback';
import type { ChatMessage, PromptHistoryItem, PromptInput, PromptProfile, RetrievedProof } from '../types';
import { LEMMAS_MAX_CHARS, lemmaLines, lemmasBlock } from './lemmas';

export const COT_INSTRUCTION =
  'Before producing the Lean 4 code to formally prove the given theorem, provide a detailed proof plan outlining the main proof steps and strategies.\n' +
  'The plan should highlight key ideas, intermediate lemmas, and proof structures that will guide the construction of the final formal proof.';
export const LEARN_INSTRUCTION = 'Please learn from the previous failed attempt and error messages to avoid similar mistakes.';
/** Kimina-Prover's system prompt in its error-fixing and lemma-use demos (MoonshotAI/Kimina-Prover-Preview, kimina_prover_demo/). */
export const KIMINA_SYSTEM = 'You are an expert programmer and mathematician who helps formalizing mathematical problems in Lean 4.';
export const KIMINA_INSTRUCTION = 'Think about and solve the following problems step by step in Lean 4.';

export const PROFILE_IDS = ['oprover', 'deepseek-prover-v2', 'goedel-prover-v2', 'kimina', 'custom'] as const;

/** The placeholders a `custom` template may use. */
export const CUSTOM_PLACEHOLDERS = ['context', 'statement', 'code', 'goal', 'retrieved', 'previous_attempt', 'feedback', 'round', 'lemmas'] as const;

export const fence = (code: string): string => '```lean4\n' + code.trimEnd() + '\n```';

/** The file the model completes: the context the declaration needs, the earlier definitions, then the statement with `by sorry`. */
export function taskCode(input: PromptInput, statement = input.statement, context = input.context): string {
  return [context.trim(), input.definitions?.trim() ?? '', statement].filter((p) => p !== '').join('\n\n');
}

/** Characters of the lemma section's lines: LEMMAS_MAX_CHARS, or an eighth of the prompt budget when that is less. */
export function lemmasCap(budgetChars: number): number {
  return Math.min(LEMMAS_MAX_CHARS, Math.floor(budgetChars / 8));
}

/**
 * Fits the prompt parts into the character budget: retrieved proofs go first (last-ranked first),
 * then the feedback is cut from its end; the statement is never trimmed. The lemma section is
 * counted at its cap (lemmasCap), which bounds it.
 */
export function fitBudget(input: PromptInput, budgetChars: number): PromptInput {
  const lemmaChars = input.lemmas?.length ? lemmaLines(input.lemmas, lemmasCap(budgetChars)).reduce((a, l) => a + l.length + 1, 0) : 0;
  const size = (i: PromptInput): number =>
    taskCode(i).length +
    lemmaChars +
    i.retrieved.reduce((a, r) => a + r.proof.length + 16, 0) +
    i.history.reduce((a, h) => a + Math.max(h.attempt.length, h.raw?.length ?? 0) + h.feedback.length, 0) +
    1200;
  let out: PromptInput = { ...input, retrieved: [...input.retrieved], history: input.history.map((h) => ({ ...h })) };
  while (size(out) > budgetChars && out.retrieved.length > 0) out = { ...out, retrieved: out.retrieved.slice(0, -1) };
  // Older attempts go before the latest one's feedback is cut.
  while (size(out) > budgetChars && out.history.length > 1) out = { ...out, history: out.history.slice(1) };
  const last = out.history[out.history.length - 1];
  if (last && size(out) > budgetChars) {
    const over = size(out) - budgetChars;
    const keep = Math.max(0, last.feedback.length - over - 40);
    last.feedback = last.feedback.slice(0, keep) + '\n... [feedback truncated to fit the context] ...';
  }
  // A long raw reply (replayed as the assistant turn) keeps its end, where the answer is.
  if (last?.raw && size(out) > budgetChars) {
    const keep = Math.max(0, last.raw.length - (size(out) - budgetChars) - 40);
    last.raw = '[... the start of this reply was cut to fit the context]\n' + last.raw.slice(last.raw.length - keep);
  }
  return out;
}

function retrievedBlock(header: string, proofs: RetrievedProof[]): string {
  return `${header}\n` + proofs.map((p) => fence(p.proof)).join('\n\n');
}

function latest(input: PromptInput): PromptHistoryItem | undefined {
  return input.history[input.history.length - 1];
}

/**
 * OProver: one user message per round, in its author's feedback template's order
 * (dma2077/Oprover config/prompt/proof_cot_feedback.yaml): the previous failed attempt, its error
 * messages, then the current task and the instructions. The retrieved verified proofs, which stay
 * the same across rounds and samples, come first (the released template is not public; the
 * retrieval block is ours), so the server's prefix cache serves them.
 */
function oproverProfile(config: OProverConfig): PromptProfile {
  const h = config.promptHeaders;
  return {
    id: 'oprover',
    render(raw) {
      const input = fitBudget(raw, config.contextChars);
      const parts: string[] = [];
      if (input.retrieved.length > 0) parts.push(retrievedBlock(h.retrieved, input.retrieved));
      // Statements only, in their own labelled block: never shown as proofs.
      const lemmas = lemmasBlock(h.lemmas, input.lemmas, lemmasCap(config.contextChars));
      if (lemmas) parts.push(lemmas);
      const prev = latest(input);
      if (prev) {
        parts.push(`${h.previous}\n${fence(prev.attempt)}`);
        parts.push(`${h.errors}\n${prev.feedback.trim() || 'No error messages'}`);
      }
      parts.push(`${prev || input.retrieved.length > 0 || lemmas ? `${h.task}\n` : ''}Complete the following Lean 4 code:\n\n${fence(taskCode(input))}`);
      if (input.goal) parts.push(`${h.goal}\n\`\`\`\n${input.goal.trim()}\n\`\`\``);
      parts.push(prev ? `${COT_INSTRUCTION}\n${LEARN_INSTRUCTION}` : COT_INSTRUCTION);
      return [{ role: 'user', content: parts.join('\n\n') + '\n' }];
    },
  };
}

/**
 * DeepSeek's statement layout (deepseek-ai/DeepSeek-Prover-V2 README): the header's commands in
 * groups separated by blank lines (imports; options; opens) and the proof left as `:= by\n  sorry`.
 */
export function deepseekCode(input: PromptInput): string {
  const lines = input.context.trim().split('\n');
  const grouped: string[] = [];
  lines.forEach((line, i) => {
    const word = (l: string | undefined): string => (l ?? '').trim().split(/\s+/)[0] ?? '';
    if (i > 0 && line.trim() !== '' && lines[i - 1]!.trim() !== '' && word(line) !== word(lines[i - 1])) grouped.push('');
    grouped.push(line);
  });
  const statement = input.statement.replace(/\s*:=\s*by\s+sorry\s*$/, ' := by\n  sorry');
  return taskCode(input, statement, grouped.join('\n'));
}

/** DeepSeek-Prover-V2's CoT prompt; feedback rounds use the author repository's feedback layout. */
function deepseekProfile(config: OProverConfig): PromptProfile {
  return {
    id: 'deepseek-prover-v2',
    render(raw) {
      const input = fitBudget(raw, config.contextChars);
      const prev = latest(input);
      const task = `Complete the following Lean 4 code:\n\n${fence(deepseekCode(input))}\n\n${COT_INSTRUCTION}`;
      if (!prev) return [{ role: 'user', content: task + '\n' }];
      return [
        {
          role: 'user',
          content: `**Previous Failed Attempt:**\n${fence(prev.attempt)}\n\n**Error Messages:**\n${prev.feedback.trim() || 'No error messages'}\n\n**Current Task:**\n${task}\n${LEARN_INSTRUCTION}\n`,
        },
      ];
    },
  };
}

/**
 * Goedel-Prover-V2's self-correction (Goedel-LM/Goedel-Prover-V2 src/utils.py): each earlier raw
 * output as an assistant turn, its errors as a user turn numbered as Goedel numbers rounds (the
 * first attempt is Round 0).
 */
function goedelProfile(config: OProverConfig): PromptProfile {
  return {
    id: 'goedel-prover-v2',
    render(raw) {
      const input = fitBudget(raw, config.contextChars);
      const messages: ChatMessage[] = [{ role: 'user', content: `Complete the following Lean 4 code:\n\n${fence(taskCode(input))}\n\n${COT_INSTRUCTION}\n` }];
      const first = input.round - input.history.length - 1;
      input.history.forEach((h, i) => {
        messages.push({ role: 'assistant', content: h.raw ?? fence(h.attempt) });
        messages.push({
          role: 'user',
          content:
            `The proof (Round ${first + i}) is not correct. Following is the compilation error message, where we use <error></error> to signal the position of the error.\n\n` +
            `${h.feedback.trim()}\n\nBefore producing the Lean 4 code to formally prove the given theorem, provide a detailed analysis of the error message.\n`,
        });
      });
      return messages;
    },
  };
}

/**
 * Kimina-Prover as its error-fixing demo drives it (MoonshotAI/Kimina-Prover-Preview
 * kimina_prover_demo/error_fix.py, utils.py): its system prompt, the instruction and the Lean file
 * unfenced, then per earlier attempt the raw output as an assistant turn and Lean's errors as a user
 * turn in its `# Error N:` layout with the goals before the error.
 */
function kiminaProfile(config: OProverConfig): PromptProfile {
  return {
    id: 'kimina',
    render(raw) {
      const input = fitBudget(raw, config.contextChars);
      const messages: ChatMessage[] = [
        { role: 'system', content: KIMINA_SYSTEM },
        { role: 'user', content: `${KIMINA_INSTRUCTION}\n\n${taskCode(input)}` },
      ];
      for (const h of input.history) {
        messages.push({ role: 'assistant', content: h.raw ?? fence(h.attempt) });
        messages.push({ role: 'user', content: formatKiminaFeedback(h.attempt, h.messages ?? [], h.feedback) });
      }
      return messages;
    },
  };
}

export class PromptTemplateError extends Error {}

/** A user template with `{{placeholder}}`s (see CUSTOM_PLACEHOLDERS); one user message. */
function customProfile(config: OProverConfig): PromptProfile {
  const template = config.customTemplate;
  if (!template.trim()) throw new PromptTemplateError('oprover.customTemplate is empty: write a template or choose another oprover.promptProfile');
  for (const m of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(CUSTOM_PLACEHOLDERS as readonly string[]).includes(m[1])) {
      throw new PromptTemplateError(`oprover.customTemplate: unknown placeholder {{${m[1]}}}; known: ${CUSTOM_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
    }
  }
  return {
    id: 'custom',
    render(raw) {
      const input = fitBudget(raw, config.contextChars);
      const prev = latest(input);
      const values: Record<(typeof CUSTOM_PLACEHOLDERS)[number], string> = {
        context: input.context,
        statement: input.statement,
        code: taskCode(input),
        goal: input.goal ?? '',
        retrieved: input.retrieved.map((p) => fence(p.proof)).join('\n\n'),
        previous_attempt: prev?.attempt ?? '',
        feedback: prev?.feedback ?? '',
        round: String(input.round),
        lemmas: lemmaLines(input.lemmas ?? [], lemmasCap(config.contextChars)).join('\n'),
      };
      // One pass, so text inserted for a placeholder is never expanded again.
      const content = template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: keyof typeof values) => values[name]);
      return [{ role: 'user', content }];
    },
  };
}

/** The entry of `table` for `oprover.promptProfile`; an unknown name is an error that lists the known ones. */
export function byProfile<T>(config: OProverConfig, table: Record<(typeof PROFILE_IDS)[number], (config: OProverConfig) => T>): T {
  const make = (table as Record<string, ((config: OProverConfig) => T) | undefined>)[config.promptProfile];
  if (!make) throw new PromptTemplateError(`oprover.promptProfile: unknown profile "${config.promptProfile}"; known: ${PROFILE_IDS.join(', ')}`);
  return make(config);
}

/** The profile named by `oprover.promptProfile`. */
export function getProfile(config: OProverConfig): PromptProfile {
  return byProfile(config, { oprover: oproverProfile, 'deepseek-prover-v2': deepseekProfile, 'goedel-prover-v2': goedelProfile, kimina: kiminaProfile, custom: customProfile });
}
