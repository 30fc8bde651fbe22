// Declaration dumps (statements without proofs, e.g. every theorem of Mathlib): one JSON object per
// line, read into `DeclarationRecord`s. These are premises a prompt may list as lemmas that may
// help; they are never verified proofs and never go into the proof bank. The text is data from a
// file, not model output, but it reaches prompts: control characters are stripped and lengths capped.
import { cleanLine } from '../core/prompt/lemmas';
import { codeTokens } from '../core/source';
import { boundNames, looksLocalComponent } from './lemma-names';

/** A declaration as stored: the text shown after its name is `signature` (`: TYPE` or `(binders) : TYPE`). */
export interface DeclarationRecord {
  name: string;
  /** What follows the name, as `#check` prints it: `: TYPE`, or `{n m : ℕ} (h : n < m) : TYPE` for a header. */
  signature: string;
  module?: string;
  doc?: string;
  /** `theorem`, `def`, ... when the dump says. */
  kind?: string;
  /** The dump it came from and the line there (1-based). */
  source: { file: string; line: number };
}

/** Accepted spellings of each field, first found wins. */
export const DECLARATION_FIELDS = {
  name: ['name', 'decl_name', 'full_name'],
  type: ['type', 'signature', 'statement'],
  module: ['module', 'file'],
  doc: ['doc', 'docstring', 'doc_string'],
  kind: ['kind'],
} as const;

/** Longest name and signature kept (a longer one makes the line malformed: a cut statement would be wrong). */
export const NAME_MAX_CHARS = 256;
export const SIGNATURE_MAX_CHARS = 2000;
export const MODULE_MAX_CHARS = 256;
export const KIND_MAX_CHARS = 32;
/** A longer doc string is cut (it is shown in search results, never in prompts). */
export const DOC_MAX_CHARS = 500;

const HEADER = /^(?:(?:private|protected|noncomputable|nonrec)\s+)*(theorem|lemma|def|abbrev|axiom|instance|structure|class|inductive|opaque)\s+(\S+)\s*([\s\S]*)$/;

function pick(r: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = r[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/** One dump line (already parsed JSON) as a record, or why it cannot be one. */
export function declarationEntry(value: unknown, dumpName: string, lineNumber: number): DeclarationRecord | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  const rawType = pick(r, DECLARATION_FIELDS.type);
  let name = pick(r, DECLARATION_FIELDS.name);
  if (rawType === undefined) return `no type: expected one of ${DECLARATION_FIELDS.type.join(', ')} as a non-empty string`;
  let type = cleanLine(rawType);
  let signature: string;
  // A whole header (`theorem foo (n : ℕ) : …`) is shown as `foo (n : ℕ) : …`.
  const header = HEADER.exec(type);
  if (header && (name === undefined || cleanLine(name) === header[2] || cleanLine(name).endsWith(`.${header[2]}`))) {
    name ??= header[2]!;
    type = header[3]!.replace(/\s*:=[\s\S]*$/, '').trim();
    signature = /^[:({[⦃]/.test(type) ? type : `: ${type}`;
  } else {
    signature = `: ${type}`;
  }
  if (name === undefined) return `no name: expected one of ${DECLARATION_FIELDS.name.join(', ')} as a non-empty string`;
  name = cleanLine(name);
  if (/\s/.test(name)) return `the name "${name.slice(0, 60)}" contains white space`;
  if (name.length > NAME_MAX_CHARS) return `the name is longer than ${NAME_MAX_CHARS} characters`;
  if (signature.replace(/^:\s*/, '') === '') return 'the type is empty';
  if (signature.length > SIGNATURE_MAX_CHARS) return `the type is longer than ${SIGNATURE_MAX_CHARS} characters (${signature.length})`;
  const record: DeclarationRecord = { name, signature, source: { file: dumpName, line: lineNumber } };
  const module = pick(r, DECLARATION_FIELDS.module);
  if (module !== undefined) {
    const clean = cleanLine(module);
    if (clean.length > MODULE_MAX_CHARS) return `the module is longer than ${MODULE_MAX_CHARS} characters`;
    record.module = clean;
  }
  const doc = pick(r, DECLARATION_FIELDS.doc);
  if (doc !== undefined) {
    const clean = cleanLine(doc);
    record.doc = clean.length > DOC_MAX_CHARS ? `${clean.slice(0, DOC_MAX_CHARS - 1)}…` : clean;
  }
  const kind = pick(r, DECLARATION_FIELDS.kind) ?? header?.[1];
  if (kind !== undefined) {
    const clean = cleanLine(kind);
    if (clean.length > KIND_MAX_CHARS) return `the kind is longer than ${KIND_MAX_CHARS} characters`;
    record.kind = clean;
  }
  return record;
}

/** The line a prompt or a search result shows: `name : TYPE` (or `name (binders) : TYPE`). */
export function declarationLine(d: Pick<DeclarationRecord, 'name' | 'signature'>): string {
  return `${d.name} ${d.signature}`;
}

/**
 * What BM25 sees of a declaration line or a query: the text without the one-part names of local
 * things (bound variables such as `n`, `hp`, `α`, `inst`, universe names `u_1`), which say nothing
 * about which lemma is meant. Dotted names (`l.reverse`, `Nat.succ_le_of_lt`) and the declared name
 * stay whole. On the Batteries benchmark (bench/declarations.ts) this finds more of the lemmas a proof
 * uses than the raw line does.
 */
export function premiseText(text: string): string {
  const bound = boundNames(text);
  const out: string[] = [];
  for (const t of codeTokens(text)) {
    if (t.kind === 'ident' && !t.text.includes('.') && (bound.has(t.text) || looksLocalComponent(t.text) || /^u_\d+$/.test(t.text))) continue;
    out.push(t.text);
  }
  return out.join(' ');
}
