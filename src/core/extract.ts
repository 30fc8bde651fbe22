// Proof extraction: from a model's reply (reasoning, prose, one or several code blocks) to a
// candidate, which is always the target's own header followed by the proof body the model wrote,
// plus the helper lemmas that proof uses. A reply cut at the token limit, one that changes the
// statement in substance, or one whose proof needs something that cannot travel with it is refused
// here with a problem the next prompt can quote. Rules: docs/model.md, "Reply rules".
import { MAX_HELPERS, screenHelper, userNames } from './helpers';
import { codeBlocks, normalizeReply, splitReasoning, type CodeBlock } from './reply';
import { screenReplyRest } from './screen';
import { codeTokens, findDeclarations, type LeanToken } from './source';
import { compareStatements, scopePrefixes, withPrefixes } from './statement-form';
import type { Candidate, Completion, Declaration, HelperLemma, ProofTarget } from './types';

export { codeBlocks, stripThinking, splitReasoning, normalizeReply, type CodeBlock } from './reply';

export type Extraction = { ok: true; candidate: Candidate } | { ok: false; problem: string };

/** What extraction may know beyond the target: declarations the model was shown (retrieved proofs). */
export interface ExtractOptions {
  known?: { name?: string; statement: string }[];
}

const LEAN_LANGUAGES = new Set(['', 'lean', 'lean4']);
const THEOREM_KINDS = new Set(['theorem', 'lemma', 'example']);

/** Longest reply read at all (reasoning included): 32K tokens of output stay well below it. */
export const MAX_REPLY_CHARS = 4_000_000;
/** Longest answer (the reply after its reasoning) that is lexed: proofs are at most 100,000 characters. */
export const MAX_ANSWER_CHARS = 200_000;

/** The problem of a reply cut at the token limit: never sent to Lean, and the next prompt says so. */
export const CUT_OFF_PROBLEM = 'the answer was cut off: the model reached the token limit before it finished (raise oprover.maxTokens)';

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

/** A candidate from a proof body (`:= by ...`): the target's header, one space, the body; helpers when given. */
export function makeCandidate(target: ProofTarget, body: string, origin: Candidate['origin'], helpers: HelperLemma[] = []): Candidate {
  const declarationText = `${target.declaration.header} ${body}`;
  const hashed = helpers.length === 0 ? declarationText : `${helpers.map((h) => h.text).join('\n\n')}\n\n${declarationText}`;
  const candidate: Candidate = { id: `${originLabel(origin)}-${hashText(hashed)}`, declarationText, body, origin };
  if (helpers.length > 0) candidate.helpers = helpers;
  return candidate;
}

function sameName(decl: Declaration, target: Declaration): boolean {
  if (target.name === undefined || decl.name === undefined) return false;
  return decl.name === target.name || (decl.fullName !== undefined && decl.fullName === target.fullName) || decl.name === target.fullName;
}

function shorten(s: string, max = 300): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** First words of tactic scripts: a bare block starting with one is a tactic script, otherwise a term. */
const TACTIC_WORDS = new Set(
  (
    'intro intros rintro exact exacts apply refine refine\' constructor use exists existsi rw rwa rewrite erw simp simp_all simpa dsimp norm_num ' +
    'linarith nlinarith positivity omega decide ring ring_nf field_simp nlinarith! polyrith aesop tauto trivial rfl induction cases rcases obtain ' +
    'have show calc by_contra by_cases contrapose contrapose! push_neg split_ifs split interval_cases fin_cases subst gcongr ext funext congr ' +
    'unfold delta specialize generalize revert clear left right exfalso absurd norm_cast push_cast exact_mod_cast apply_fun nth_rewrite nth_rw ' +
    'conv first try repeat all_goals any_goals iterate case next refine_lift set let suffices change symm trans bound grind assumption ' +
    'contradiction injection simp_arith linear_combination zify qify lift choose filter_upwards measurability continuity ' +
    'native_decide norm_num1 abel group noncomm_ring module ring1 infer_instance done skip use! rename_i subst_vars wlog ' +
    'cancel_denoms mod_cases rify peel convert convert_to congr! rel fun_prop ext1 apply_rules cases\' induction\' simp_rw ' +
    'rw_mod_cast solve_by_elim apply_assumption exact_mod_cast positivity nlinarith! linarith! fin_omega bv_decide'
  ).split(' '),
);

/** Whether a bare block reads as a term (`Nat.add_comm a b`, `fun n => ...`, `⟨1, rfl⟩`) rather than tactics. */
function looksLikeTerm(tokens: LeanToken[]): boolean {
  const first = tokens[0]!;
  if (first.kind === 'symbol') return ['⟨', '(', '@', 'λ', '⟪'].includes(first.text);
  if (first.kind !== 'ident') return first.kind === 'number';
  if (first.text === 'fun') return true;
  if (TACTIC_WORDS.has(first.text) || first.text === '·' || first.text.endsWith('?')) return false;
  // A script has several tactics, each first on its line at one column; a term continues deeper.
  const firstColumns = tokens.filter((t) => t.firstOnLine).length;
  return firstColumns === 1 || first.text.includes('.') || /^[A-Z]/.test(first.text);
}

/**
 * A block with no command at all is taken for a bare proof: `:= ...` as it is, `by ...` after
 * `:=`, a term after `:=`, and anything else as a tactic script under `:= by`. Returns undefined
 * when the block holds commands (it then needed a declaration) or nothing.
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
  const dedented = lines.map((l) => (l.trim() === '' ? '' : `  ${l.slice(indent)}`)).join('\n');
  if (looksLikeTerm(tokens)) return `:=\n${dedented}`;
  return `:= by\n${dedented}`;
}

interface BlockChoice {
  code: string;
  decls: Declaration[];
}

/**
 * The block to read: the last Lean block that declares the target, else the last that declares
 * any theorem, else the last Lean block. Labeled blocks (```lean4, ```lean) win over unlabeled
 * ones, which may be quoted output.
 */
function chooseBlock(blocks: CodeBlock[], target: Declaration): BlockChoice | undefined {
  const lean = blocks.filter((b) => LEAN_LANGUAGES.has(b.language) && b.code.trim() !== '');
  const labeled = lean.filter((b) => b.language !== '');
  const pool = (labeled.length > 0 ? labeled : lean).map((b) => ({ code: b.code, decls: findDeclarations(b.code) }));
  const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];
  return (
    last(pool.filter((b) => b.decls.some((d) => sameName(d, target)))) ??
    last(pool.filter((b) => b.decls.some((d) => THEOREM_KINDS.has(d.kind)))) ??
    last(pool)
  );
}

/** The declaration of the block that answers the target: same name, else (no name to match) the last of its kind. */
function chooseDeclaration(decls: Declaration[], target: Declaration): Declaration | undefined {
  const named = decls.filter((d) => sameName(d, target));
  if (named.length > 0) return named[named.length - 1];
  if (target.name !== undefined) return undefined;
  const wanted = THEOREM_KINDS.has(target.kind) ? (d: Declaration) => THEOREM_KINDS.has(d.kind) : (d: Declaration) => d.kind === target.kind;
  const similar = decls.filter(wanted);
  return similar[similar.length - 1];
}

/** Code tokens of the block outside the chosen declaration. */
function tokensAround(code: string, chosen: Declaration): LeanToken[] {
  return codeTokens(code).filter((t) => t.end <= chosen.start || t.start >= chosen.end);
}

/** A helper declaration as Lean will check it: `lemma` spelled `theorem` (core Lean has no `lemma`). */
function helperOf(decl: Declaration, code: string): HelperLemma {
  const text = code.slice(decl.start, decl.end).trim();
  return { name: decl.name!, text: text.replace(/^lemma\b/, 'theorem') };
}

/**
 * The helper lemmas the body needs, in the reply's order: declarations of the block that the body
 * (or a needed helper) names. Restatements of the user's declarations, or of retrieved proofs, are
 * dropped; anything else that cannot travel with the proof is a problem.
 */
function neededHelpers(code: string, decls: Declaration[], chosen: Declaration, body: string, target: ProofTarget, options: ExtractOptions): { helpers: HelperLemma[] } | { problem: string } {
  // Declarations by the names they can be called by: each identifier is looked up once (linear in the reply).
  const byName = new Map<string, Declaration[]>();
  for (const d of decls) {
    if (d === chosen || d.name === undefined || sameName(d, target.declaration)) continue;
    for (const n of new Set([d.name, d.fullName ?? d.name])) {
      const list = byName.get(n);
      if (list) list.push(d);
      else byName.set(n, [d]);
    }
  }
  const used = new Set<Declaration>();
  const queue = [body];
  while (queue.length > 0) {
    for (const t of codeTokens(queue.pop()!)) {
      if (t.kind !== 'ident') continue;
      for (const d of byName.get(t.text) ?? []) {
        if (used.has(d)) continue;
        used.add(d);
        queue.push(code.slice(d.start, d.end));
      }
    }
  }
  const userDecls = findDeclarations(target.text);
  const names = userNames(target);
  const wanted = target.declaration;
  const helpers: HelperLemma[] = [];
  for (const d of decls.filter((x) => used.has(x))) {
    const mine = userDecls.find((u) => u.name === d.name || (u.fullName !== undefined && u.fullName === d.fullName));
    const retrieved = (options.known ?? []).find((k) => k.name !== undefined && (k.name === d.name || k.name.endsWith(`.${d.name}`)));
    if (mine && mine.start < wanted.start && compareStatements(mine.header, d.header).match !== 'different') continue;
    if (!mine && retrieved && compareStatements(retrieved.statement, d.header).match !== 'different') continue;
    if (!THEOREM_KINDS.has(d.kind) || d.kind === 'example') {
      return { problem: `the proof uses \`${d.name}\`, a ${d.kind} declared beside it; only helper lemmas (theorem or lemma) can travel with a proof, so state it inside the proof with \`have\`` };
    }
    if (mine || names.has(d.name!)) {
      return { problem: `the reply declares \`${d.name}\`, which your file already declares ${mine && mine.start < wanted.start ? 'with a different statement' : 'after the theorem'}; give the helper a new name` };
    }
    if (helpers.length >= MAX_HELPERS) return { problem: `the proof uses more than ${MAX_HELPERS} helper lemmas; state the smaller steps inside the proof with \`have\`` };
    const helper = helperOf(d, code);
    const ids = new Set(codeTokens(helper.text).filter((t) => t.kind === 'ident').map((t) => t.text));
    if ([wanted.name, wanted.fullName].some((n) => n !== undefined && ids.has(n))) {
      return { problem: `the helper \`${d.name}\` uses ${wanted.name}, the theorem it should help prove` };
    }
    const screened = screenHelper(helper, target, { allowNativeDecide: true }, names);
    if (!screened.ok) return { problem: screened.reason };
    helpers.push(helper);
  }
  return { helpers };
}

/**
 * Extracts a candidate for `target` from a model reply's answer text: line breaks normalised,
 * reasoning set apart (never a source of code), the Lean block that answers the target chosen,
 * the declaration answering the target found in it, its statement compared with the target's (form
 * may differ, substance may not), and its body, with the `open ... in`/`set_option ... in` it was
 * written under, put under the target's own header together with the helper lemmas it uses.
 */
export function candidateFromReply(reply: string, target: ProofTarget, origin: Candidate['origin'], options: ExtractOptions = {}): Extraction {
  // Bounded cost: an answer this long is refused before any lexing (no real proof comes close).
  if (reply.length > MAX_REPLY_CHARS) return { ok: false, problem: `the reply is ${reply.length} characters long (limit ${MAX_REPLY_CHARS}); it was not read` };
  const split = splitReasoning(normalizeReply(reply));
  const text = split.answer;
  if (text.length > MAX_ANSWER_CHARS) return { ok: false, problem: `the answer after the reasoning is ${text.length} characters long (limit ${MAX_ANSWER_CHARS}); it was not read` };
  if (text.trim() === '') {
    if (split.unclosed) return { ok: false, problem: 'the reply ended inside <think> without an answer (raise the token limit?)' };
    return { ok: false, problem: split.reasoning !== '' ? 'the reply has reasoning but no answer after it' : 'the reply is empty' };
  }
  const wanted = target.declaration;
  const block = chooseBlock(codeBlocks(text), wanted);
  let code: string;
  let decls: Declaration[];
  if (block) {
    ({ code, decls } = block);
  } else {
    // No fence: accept a bare Lean reply only when it declares the target itself.
    decls = findDeclarations(text);
    if (!decls.some((d) => sameName(d, wanted))) return { ok: false, problem: 'the reply has no ```lean4 code block' };
    code = text;
  }

  const chosen = chooseDeclaration(decls, wanted);
  if (!chosen) {
    const theorems = decls.filter((d) => THEOREM_KINDS.has(d.kind));
    if (theorems.length > 0) {
      const names = theorems.map((d) => `\`${d.name ?? 'example'}\``).join(', ');
      return { ok: false, problem: `the reply proves ${names} but not \`${wanted.name ?? 'the example'}\`; keep the theorem's name and statement exactly as given` };
    }
    if (decls.length > 0) return { ok: false, problem: `the code block declares ${decls.map((d) => d.name ?? d.kind).join(', ')} but not ${wanted.name ?? 'the example'}` };
    const body = bareProofBody(code);
    if (body === undefined) return { ok: false, problem: `the code block has no declaration of ${wanted.name ?? 'the example'} and is not a proof` };
    return { ok: true, candidate: makeCandidate(target, body, origin) };
  }

  const compared = compareStatements(wanted.header, chosen.header);
  if (compared.match === 'different') {
    return { ok: false, problem: `the model changed the statement: expected \`${shorten(compared.expected)}\` but the reply has \`${shorten(compared.got)}\`; keep the statement exactly as given` };
  }
  const written = chosen.body.trim();
  if (written === '') return { ok: false, problem: `the reply states ${chosen.name ?? 'the theorem'} without a proof` };

  // What lies outside the chosen declaration never reaches Lean (helpers aside), but commands in
  // the chosen block show intent (`#check`/`#print` pass); a later block of `#eval` lines is not read.
  const outsideProblem = screenReplyRest(tokensAround(code, chosen), { allowNativeDecide: true });
  if (outsideProblem) return { ok: false, problem: `outside the proof: ${outsideProblem}` };

  const needed = neededHelpers(code, decls, chosen, written, target, options);
  if ('problem' in needed) return { ok: false, problem: needed.problem };

  // `open Real in` / `set_option maxHeartbeats 400000 in` before the theorem: kept for the proof (the screen judges them).
  const own = new Set(scopePrefixes(wanted.header));
  const body = withPrefixes(written, scopePrefixes(chosen.header).filter((p) => !own.has(p)));
  return { ok: true, candidate: makeCandidate(target, body, origin, needed.helpers) };
}

/**
 * Extracts a candidate from one completion as the server returned it. A reply cut at the token
 * limit (`finish_reason: "length"`) is never sent to Lean; an empty answer whose text stayed in
 * the server's reasoning field is reported as such. Code is never taken from the reasoning.
 */
export function candidateFromCompletion(completion: Completion, target: ProofTarget, origin: Candidate['origin'], options: ExtractOptions = {}): Extraction {
  if (completion.finishReason === 'length') return { ok: false, problem: CUT_OFF_PROBLEM };
  if (completion.text.trim() === '' && (completion.reasoning ?? '').trim() !== '') {
    return { ok: false, problem: 'the answer never left the reasoning: the reply has no answer after its reasoning (raise the token limit?)' };
  }
  return candidateFromReply(completion.text, target, origin, options);
}

/** Reasoning shown is at most this long: its end is kept (where the model settles on its answer). */
export const MAX_REASONING_SHOWN = 200_000;

/** The reasoning of a completion for display: the server's reasoning field, then any `<think>` text in the answer. */
export function reasoningOf(completion: Completion): string {
  const inline = completion.text.length > MAX_REPLY_CHARS ? '' : splitReasoning(normalizeReply(completion.text)).reasoning;
  const all = [completion.reasoning?.trim() ?? '', inline].filter((p) => p !== '').join('\n\n');
  return all.length <= MAX_REASONING_SHOWN ? all : `[… ${all.length - MAX_REASONING_SHOWN} characters of reasoning not shown]\n${all.slice(-MAX_REASONING_SHOWN)}`;
}
