// The header of a Lean file: an optional `module` (Lean's module system; Mathlib's own files start
// with it), an optional `prelude`, then the imports, each `[public] [meta] import [all] Name`
// (also `private import`), several names per `import` in older files.
import { codeTokens, type LeanToken } from './source';

export interface FileHeader {
  /** The file starts with `module`. */
  isModule: boolean;
  /** Offset just past the header's last token (0 when there is none). */
  end: number;
  /** Imported module names, in order. */
  imports: string[];
  /** The `module` keyword and the import modifiers (`public`, `meta`, `private`, `all`): what only a module may say. */
  moduleOnly: LeanToken[];
}

const IMPORT_MODIFIERS = new Set(['public', 'meta', 'private']);

export function fileHeader(text: string): FileHeader {
  const tokens = codeTokens(text);
  const header: FileHeader = { isModule: false, end: 0, imports: [], moduleOnly: [] };
  let k = 0;
  if (tokens[k]?.text === 'module') {
    header.isModule = true;
    header.moduleOnly.push(tokens[k]!);
    header.end = tokens[k]!.end;
    k++;
  }
  if (tokens[k]?.text === 'prelude') {
    header.end = tokens[k]!.end;
    k++;
  }
  while (k < tokens.length) {
    // Modifiers count only when an `import` follows them.
    let j = k;
    while (tokens[j] && IMPORT_MODIFIERS.has(tokens[j]!.text)) j++;
    if (tokens[j]?.text !== 'import') break;
    header.moduleOnly.push(...tokens.slice(k, j));
    k = j + 1;
    if (tokens[k]?.text === 'all') header.moduleOnly.push(tokens[k++]!);
    // The names: identifiers up to the next line's command (older files list several per `import`).
    while (tokens[k]?.kind === 'ident' && !IMPORT_MODIFIERS.has(tokens[k]!.text) && tokens[k]!.text !== 'import' && (k === j + 1 || tokens[k - 1]?.text === 'all' || !tokens[k]!.firstOnLine)) {
      header.imports.push(tokens[k]!.text);
      header.end = tokens[k]!.end;
      k++;
    }
  }
  return header;
}

/**
 * The file as a non-module file would say it, for the checking document only: `#print axioms` is
 * an error inside a `module` on the Lean versions that have the module system ("cannot use
 * `#print axioms` in a `module`; consider temporarily removing the `module` header ...",
 * Lean/Elab/Print.lean), and a non-module file may not say `public import`, `meta import` or
 * `import all` (Lean/Elab/Import.lean). Each such word is blanked with spaces, so every line and
 * column after it stays where it was.
 */
export function withoutModuleHeader(text: string): string {
  const header = fileHeader(text);
  if (!header.isModule) return text;
  let out = '';
  let at = 0;
  for (const t of header.moduleOnly) {
    out += text.slice(at, t.start) + ' '.repeat(t.end - t.start);
    at = t.end;
  }
  return out + text.slice(at);
}
