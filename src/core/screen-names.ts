// Names as Lean resolves them, for the screen's lists. A reply can spell one constant many ways:
// `_root_.sorryAx`, `«sorryAx»`, `«IO».FS.writeFile`, or a short name under an `open` (the reply's
// own `open IO.FS in`, or the user's `open Lean` / `namespace IO` above the theorem). The screen
// consults its lists only with every spelling a name can stand for: the plain name, and the name
// under each namespace in effect.
import { codeTokens, type LeanToken } from './source';

/** A name spelled plainly: guillemets removed from each component, leading `_root_.` dropped. */
export function plainName(text: string): string {
  let name = text.includes('«') ? text.replace(/«([^»]*)»/g, '$1') : text;
  while (name.startsWith('_root_.')) name = name.slice('_root_.'.length);
  return name;
}

/**
 * Namespaces a proof's names may be read under: those the text opens (`open A B in`,
 * `open A (x) in`, `open A renaming x → y in`, `open A hiding x in`, the `open` command) and the
 * namespaces it is in (`namespace A.B` puts `A` and `A.B` in effect). Over-approximates on purpose:
 * an `end` is not followed, since for a deny-list more namespaces only mean more caution.
 */
export function namespacesInEffect(tokens: readonly LeanToken[]): string[] {
  const out = new Set<string>();
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'ident') continue;
    if (t.text === 'namespace') {
      const name = tokens[k + 1];
      if (name?.kind !== 'ident') continue;
      const parts = plainName(name.text).split('.');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
      continue;
    }
    if (t.text !== 'open' && t.text !== 'export') continue;
    // The namespaces of an `open`: identifiers up to `in`, a bracket, `renaming`/`hiding`, or the line's end.
    for (let j = k + 1; j < tokens.length; j++) {
      const u = tokens[j]!;
      if (u.kind !== 'ident' || u.firstOnLine || u.text === 'in' || u.text === 'renaming' || u.text === 'hiding' || u.text === 'scoped') break;
      out.add(plainName(u.text));
    }
  }
  return [...out];
}

/** Every full name `name` may stand for under `namespaces`: itself, and `N.name` for each N. */
export function readings(name: string, namespaces: readonly string[]): string[] {
  const plain = plainName(name);
  return [plain, ...namespaces.map((n) => `${n}.${plain}`)];
}

/**
 * Whether a full name is `listed` or, read from the end, a tail of it: `FS.writeFile` is a tail of
 * `IO.FS.writeFile`, because some `open IO` may make it mean that.
 */
export function tailOf(name: string, listed: string): boolean {
  return name === listed || listed.endsWith(`.${name}`);
}

/**
 * Whether a full name lies under a forbidden namespace `prefix` (written `IO.FS.`), or under a tail of
 * it (`FS.`): `open IO in FS.writeFile` names `IO.FS.writeFile`. A prefix without a final dot
 * (`IO.print`) also matches longer last components (`IO.println`).
 */
export function underPrefix(name: string, prefix: string): boolean {
  for (const { tail, whole } of tailsOf(prefix)) {
    if (name.startsWith(tail)) return true;
    if (whole && tail.endsWith('.') && name === tail.slice(0, -1)) return true;
  }
  return false;
}

const tails = new Map<string, { tail: string; whole: boolean }[]>();

/** `IO.FS.` → `IO.FS.`, `FS.` (computed once per prefix). */
function tailsOf(prefix: string): { tail: string; whole: boolean }[] {
  let list = tails.get(prefix);
  if (!list) {
    const parts = prefix.split('.');
    list = parts.map((_, i) => ({ tail: parts.slice(i).join('.'), whole: i === 0 })).filter((t) => t.tail !== '');
    tails.set(prefix, list);
  }
  return list;
}

let memo: { text: string; end: number; namespaces: string[] } | undefined;

/** The namespaces in effect at offset `end` of a Lean file (see namespacesInEffect), remembered for the last file asked. */
export function namespacesBefore(text: string, end: number): string[] {
  if (memo && memo.text === text && memo.end === end) return memo.namespaces;
  const namespaces = namespacesInEffect(codeTokens(text.slice(0, end)));
  memo = { text, end, namespaces };
  return namespaces;
}
