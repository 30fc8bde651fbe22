// The text of a model reply before any Lean is read from it: line breaks and byte-order marks
// normalised, the reasoning set apart from the answer, and the answer's fenced code blocks.
// Code is only ever taken from the answer: never from inside the reasoning.

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/**
 * One line-break convention (`\r\n` and lone `\r` become `\n`) and no byte-order marks at the start
 * of the reply or of a line: a BOM before a fence or a `\r` inside a block would otherwise hide a
 * fence or glue two lines of code together. A BOM anywhere else is left for the screen to refuse.
 */
export function normalizeReply(reply: string): string {
  return reply.replace(/\r\n?/g, '\n').replace(/(^|\n)\uFEFF+/g, '$1');
}

export interface ReasoningSplit {
  /** The model's reasoning: `<think>` blocks, text before a lone `</think>`, an unclosed `<think>`'s tail. */
  reasoning: string;
  /** What is left: the answer, the only place code is taken from. */
  answer: string;
  /** The reply stopped inside an unclosed `<think>`. */
  unclosed: boolean;
}

/**
 * Separates reasoning from the answer. Closed `<think>...</think>` blocks are reasoning, as is
 * everything before a lone `</think>` (chat templates that open the block in the prompt). A
 * `<think>` that never closes means the model stopped while thinking: the rest is reasoning.
 */
export function splitReasoning(reply: string): ReasoningSplit {
  const close = reply.lastIndexOf(THINK_CLOSE);
  const before = close >= 0 ? reply.slice(0, close) : '';
  const after = close >= 0 ? reply.slice(close + THINK_CLOSE.length) : reply;
  const open = after.indexOf(THINK_OPEN);
  const reasoningParts = [before.split(THINK_OPEN).join('').split(THINK_CLOSE).join('')];
  if (open >= 0) reasoningParts.push(after.slice(open + THINK_OPEN.length));
  return {
    reasoning: reasoningParts.map((p) => p.trim()).filter((p) => p !== '').join('\n\n'),
    answer: open >= 0 ? after.slice(0, open) : after,
    unclosed: open >= 0,
  };
}

/** The reply without its reasoning (see splitReasoning). */
export function stripThinking(reply: string): string {
  return splitReasoning(reply).answer;
}

export interface CodeBlock {
  language: string;
  code: string;
  /** The block ran to the end of the reply without a closing fence. */
  unclosed: boolean;
}

/**
 * Fenced code blocks (``` or ~~~, any length ≥ 3), in order; a last block missing its closing fence
 * is kept. A fence may be indented (replies put blocks inside list items, 4 spaces deep or more):
 * the block's lines lose as much of their indentation as the opening fence had.
 */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = normalizeReply(text).split('\n');
  let open: { fence: string; indent: number; language: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (!open) {
      const m = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)/.exec(line);
      if (m) open = { indent: m[1]!.length, fence: m[2]!, language: m[3]!.toLowerCase(), lines: [] };
      continue;
    }
    const close = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      blocks.push({ language: open.language, code: open.lines.join('\n'), unclosed: false });
      open = undefined;
      continue;
    }
    const indent = /^[ \t]*/.exec(line)![0].length;
    open.lines.push(line.slice(Math.min(indent, open.indent)));
  }
  if (open) blocks.push({ language: open.language, code: open.lines.join('\n'), unclosed: true });
  return blocks;
}
