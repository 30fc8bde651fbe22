// Proof extraction: from a model's reply (reasoning, prose, one or several code blocks) to a
// candidate, which is always the target's own header followed by the proof body the model wrote.
// A reply that changes the statement, relies on helper declarations, or carries commands around the
// proof is refused here with a problem the next prompt can quote.
import { screenReplyRest } from './screen';
import { codeTokens, findDeclarations, statementSignature } from './source';
import type { Candidate, Declaration, ProofTarget } from './types';

export type Extraction = { ok: true; candidate: Candidate } | { ok: false; problem: string };

/** Longest reply read at all (reasoning included): 32K tokens of output stay well below it. */
export const MAX_REPLY_CHARS = 4_000_000;
/** Longest answer (the reply after its reasoning) that is lexed: proofs are at most 100,000 characters. */
export const MAX_ANSWER_CHARS = 200_000;

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const LEAN_LANGUAGES = new Set(['', 'lean', 'lean4']);
const THEOREM_KINDS = new Set(['theorem', 'lemma', 'example']);

/** 32-bit FNV-1a of a string, as 8 hex digits: short, stable ids without a crypto import. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function originLabel(origin: Candidate['origin']): string {
  switch (origin.kind) {
    case 'model':
      return `r${origin.round}s${origin.sample}`;
    case 'tactic':
      return 'tactic';
    case 'replay':
      return `replay-${origin.proofId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}`;
  }
}

/** A candidate from a proof body (`:= by ...`): the target's header, one space, the body. */
export function makeCandidate(target: ProofTarget, body: string, origin: Candidate['origin']): Candidate {
  const declarationText = `${target.declaration.header} ${body}`;
  return { id: `${originLabel(origin)}-${hashText(declarationText)}`, declarationText, body, origin };
}

/**
 * The reply without its reasoning. Closed `<think>...</think>` blocks are dropped, as is everything
 * before a lone `</think>` (chat templates that open the block in the prompt). A `<think>` that
 * never closes means the model stopped while thinking: only text before it counts.
 */
export function stripThinking(reply: string): string {
  const close = reply.lastIndexOf(THINK_CLOSE);
  const afterReasoning = close >= 0 ? reply.slice(close + THINK_CLOSE.length) : reply;
  const open = afterReasoning.indexOf(THINK_OPEN);
  return open >= 0 ? afterReasoning.slice(0, open) : afterReasoning;
}

export interface CodeBlock {
  language: string;
  code: string;
  /** The block ran to the end of the reply without a closing fence. */
  unclosed: boolean;
}

/** Fenced code blocks (``` or ~~~, any length ≥ 3), in order; a last block missing its closing fence is kept. */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split(/\r?\n/);
  let open: { fence: string; language: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (m) open = { fence: m[1]!, language: m[2]!.toLowerCase(), lines: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      blocks.push({ language: open.language, code: open.lines.join('\n'), unclosed: false });
      open = undefined;
      continue;
    }
    open.lines.push(line);
  }
  if (open) blocks.push({ language: open.language, code: open.lines.join('\n'), unclosed: true });
  return blocks;
}

function sameName(decl: Declaration, target: Declaration): boolean {
  if (target.name === undefined || decl.name === undefined) return false;
  return decl.name === target.name || (decl.fullName !== undefined && decl.fullName === target.fullName) || decl.name === target.fullName;
}

/** The declaration of the reply that answers the target: same name, else the last theorem-like one. */
function chooseDeclaration(decls: Declaration[], target: Declaration): Declaration | undefined {
  const named = decls.filter((d) => sameName(d, target));
  if (named.length > 0) return named[named.length - 1];
  const wanted = THEOREM_KINDS.has(target.kind) ? (d: Declaration) => THEOREM_KINDS.has(d.kind) : (d: Declaration) => d.kind === target.kind;
  const similar = decls.filter(wanted);
  return similar[similar.length - 1];
}

function shorten(s: string, max = 300): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/**
 * A block with no command at all is taken for a bare proof: `:= ...` as it is, `by ...` after
 * `:=`, and anything else as a tactic script under `:= by`. Returns undefined when the block holds
 * commands (it then needed a declaration) or nothing.
 */
function bareProofBody(code: string): string | undefined {
  const tokens = codeTokens(code);
  if (tokens.length === 0) return undefined;
  const first = tokens[0]!;
  if (first.kind === 'symbol' && first.text === ':=') return code.slice(first.start).trimEnd();
  if (first.kind === 'ident' && first.text === 'by') return `:= ${code.slice(first.start).trimEnd()}`;
  if (first.kind === 'hash-command' || first.kind === 'doc-comment') return undefined;
  const lines = code.replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return `:= by\n${lines.map((l) => (l.trim() === '' ? '' : `  ${l.slice(indent)}`)).join('\n')}`;
}

/**
 * Extracts a candidate for `target` from a model reply: reasoning stripped, the last Lean code block
 * taken (```lean4, ```lean or an unlabeled fence; a final block may miss its closing fence), the
 * declaration answering the target found in it, its statement compared with the target's, and its
 * body put under the target's own header.
 */
export function candidateFromReply(reply: string, target: ProofTarget, origin: Candidate['origin']): Extraction {
  // Bounded cost: an answer this long is refused before any lexing (no real proof comes close).
  if (reply.length > MAX_REPLY_CHARS) return { ok: false, problem: `the reply is ${reply.length} characters long (limit ${MAX_REPLY_CHARS}); it was not read` };
  const text = stripThinking(reply);
  if (text.length > MAX_ANSWER_CHARS) return { ok: false, problem: `the answer after the reasoning is ${text.length} characters long (limit ${MAX_ANSWER_CHARS}); it was not read` };
  if (text.trim() === '') {
    return {
      ok: false,
      problem: reply.includes(THINK_OPEN) ? 'the reply ended inside <think> without an answer (raise the token limit?)' : 'the reply is empty',
    };
  }
  // The last block labeled Lean; an unlabeled block only when none is labeled (it may be quoted output).
  const blocks = codeBlocks(text).filter((b) => LEAN_LANGUAGES.has(b.language) && b.code.trim() !== '');
  const labeled = blocks.filter((b) => b.language !== '');
  const leanBlocks = labeled.length > 0 ? labeled : blocks;
  let code: string;
  if (leanBlocks.length > 0) {
    code = leanBlocks[leanBlocks.length - 1]!.code;
  } else {
    // No fence: accept a bare Lean reply only when it declares the target itself.
    const decls = findDeclarations(text);
    if (!decls.some((d) => sameName(d, target.declaration))) return { ok: false, problem: 'the reply has no ```lean4 code block' };
    code = text;
  }

  const decls = findDeclarations(code);
  const chosen = chooseDeclaration(decls, target.declaration);
  if (!chosen) {
    if (decls.length > 0) return { ok: false, problem: `the code block declares ${decls.map((d) => d.name ?? d.kind).join(', ')} but not ${target.declaration.name ?? 'the example'}` };
    const body = bareProofBody(code);
    if (body === undefined) return { ok: false, problem: `the code block has no declaration of ${target.declaration.name ?? 'the example'} and is not a proof` };
    return { ok: true, candidate: makeCandidate(target, body, origin) };
  }

  const expected = statementSignature(target.declaration.header);
  const got = statementSignature(chosen.header);
  if (expected !== got) {
    return { ok: false, problem: `the model changed the statement: expected \`${shorten(expected)}\` but the reply has \`${shorten(got)}\`; keep the statement exactly as given` };
  }
  const body = chosen.body.trim();
  if (body === '') return { ok: false, problem: `the reply states ${chosen.name ?? 'the theorem'} without a proof` };

  // What lies outside the chosen declaration never reaches Lean, but commands there show intent.
  const outside = codeTokens(code).filter((t) => t.end <= chosen.start || t.start >= chosen.end);
  const outsideProblem = screenReplyRest(outside, { allowNativeDecide: true });
  if (outsideProblem) return { ok: false, problem: `outside the proof: ${outsideProblem}` };

  // Helpers declared next to the theorem are not part of the candidate: a proof that uses one fails.
  const used = new Set(codeTokens(body).filter((t) => t.kind === 'ident').map((t) => t.text));
  const helper = decls.find((d) => d !== chosen && !sameName(d, target.declaration) && d.name !== undefined && (used.has(d.name) || (d.fullName !== undefined && used.has(d.fullName))));
  if (helper) {
    return {
      ok: false,
      problem: `the proof uses \`${helper.name}\`, declared separately in the reply; only the proof of ${target.declaration.name ?? 'the target'} is kept, so state helpers inside it with \`have\``,
    };
  }
  return { ok: true, candidate: makeCandidate(target, body, origin) };
}
