// The prompt section of imported declarations: statements without proofs that may help, one
// `name : TYPE` line each, best first, within a character cap. It is labelled as statements only and
// is never rendered as a proof or as an example of a verified proof. The text comes from a user's
// dump, so every line is cleaned again here (controls stripped, one line) and a line too long to show
// whole is left out rather than cut (a cut statement would be a wrong one).
import type { RetrievedDeclaration } from '../types';

/** Most characters of the section's lines (the prompt budget may lower it). */
export const LEMMAS_MAX_CHARS = 3000;
/** A longer `name : TYPE` line is left out. */
export const LEMMA_LINE_MAX_CHARS = 400;

// C0 and C1 controls, DEL, zero-width characters, bidirectional overrides and isolates, BOM.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+/g;

/** One line of plain text: control characters become spaces, runs of white space one space. */
export function cleanLine(text: string): string {
  return text.replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/** The lines shown, best first, within `maxChars` (each line and its newline counted). */
export function lemmaLines(lemmas: readonly RetrievedDeclaration[], maxChars = LEMMAS_MAX_CHARS): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let used = 0;
  for (const d of lemmas) {
    const line = cleanLine(`${d.name} ${d.signature}`);
    // A fence inside a line could close the block early: such a line is left out.
    if (line.length > LEMMA_LINE_MAX_CHARS || line.includes('```') || seen.has(line)) continue;
    if (used + line.length + 1 > maxChars) break;
    seen.add(line);
    out.push(line);
    used += line.length + 1;
  }
  return out;
}

/** The section: the header, then the lines in a plain (not Lean) code block; undefined when there are none. */
export function lemmasBlock(header: string, lemmas: readonly RetrievedDeclaration[] | undefined, maxChars = LEMMAS_MAX_CHARS): string | undefined {
  const lines = lemmaLines(lemmas ?? [], maxChars);
  return lines.length > 0 ? `${header}\n\`\`\`\n${lines.join('\n')}\n\`\`\`` : undefined;
}
