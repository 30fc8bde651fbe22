// What the model needs to know of the user's file beyond imports and opens: the definitions,
// structures and inductive types declared before the target (in full: a definition's body is its
// meaning) and the statements of earlier lemmas (without their proofs: the model may use them, not
// re-prove them). Most relevant first (those the statement names, and what those name, then the
// nearest above the target) until the budget is spent; printed in file order.
import { codeTokens, findDeclarations } from '../source';
import type { Declaration } from '../types';

const IN_FULL = new Set(['def', 'abbrev', 'structure', 'inductive', 'class', 'other']);
const STATEMENT_ONLY = new Set(['theorem', 'lemma', 'axiom', 'opaque']);
/** A definition longer than this is shown by its header only. */
const MAX_ITEM_CHARS = 2000;

/** The text shown for one earlier declaration, or undefined when it is not shown (examples, instances). */
function shown(text: string, d: Declaration): string | undefined {
  if (d.name === undefined) return undefined;
  const full = text.slice(d.start, d.end).trim();
  if (IN_FULL.has(d.kind) && full.length <= MAX_ITEM_CHARS) return full;
  if (IN_FULL.has(d.kind) || STATEMENT_ONLY.has(d.kind)) return d.bodyStart < d.end && d.kind !== 'axiom' && d.kind !== 'opaque' ? `${d.header} := by sorry` : d.header;
  return undefined;
}

function namespaceOf(d: Declaration): string {
  return d.fullName && d.name && d.fullName.endsWith(d.name) ? d.fullName.slice(0, d.fullName.length - d.name.length) : '';
}

function identifiers(text: string): Set<string> {
  return new Set(codeTokens(text).filter((t) => t.kind === 'ident').map((t) => t.text));
}

/**
 * The earlier declarations of `text` that a prompt for `target` shows, within `budgetChars`;
 * empty when there are none. Declarations in another namespace than the target's carry a comment
 * naming theirs.
 */
export function earlierDeclarations(text: string, target: Declaration, budgetChars: number): string {
  const earlier = findDeclarations(text)
    .filter((d) => d.end <= target.start)
    .map((d) => ({ d, text: shown(text, d) }))
    .filter((x): x is { d: Declaration; text: string } => x.text !== undefined);
  if (earlier.length === 0 || budgetChars <= 0) return '';

  // Relevance: what the statement names, then what those name (breadth first), then the nearest above.
  // Each declaration is reached by a map lookup per identifier, so a long file costs linear time.
  const byName = new Map<string, typeof earlier>();
  for (const x of earlier) {
    const last = x.d.name!.split('.').pop()!;
    for (const key of new Set([x.d.name!, x.d.fullName ?? x.d.name!, last])) byName.set(key, [...(byName.get(key) ?? []), x]);
  }
  const order: typeof earlier = [];
  const taken = new Set<Declaration>();
  let frontier = [...identifiers(target.header)];
  while (frontier.length > 0) {
    const reached = new Set<(typeof earlier)[number]>();
    for (const id of frontier) for (const x of byName.get(id) ?? []) if (!taken.has(x.d)) reached.add(x);
    const next: string[] = [];
    // In file order within one level.
    for (const x of [...reached].sort((a, b) => a.d.start - b.d.start)) {
      taken.add(x.d);
      order.push(x);
      next.push(...identifiers(x.text));
    }
    frontier = next;
  }
  for (const x of [...earlier].reverse()) if (!taken.has(x.d)) order.push(x);

  const chosen = new Set<Declaration>();
  let used = 0;
  for (const x of order) {
    const cost = x.text.length + 2;
    if (used + cost > budgetChars) continue;
    chosen.add(x.d);
    used += cost;
  }
  const here = namespaceOf(target);
  return earlier
    .filter((x) => chosen.has(x.d))
    .map((x) => {
      const ns = namespaceOf(x.d);
      return ns !== here && ns !== '' ? `-- in namespace ${ns.slice(0, -1)}\n${x.text}` : x.text;
    })
    .join('\n\n');
}
