// Which sorries of a file a batch proves. Pure.
import { findSorries } from '../core/source';
import type { SorryLocation } from '../core/types';

/** One target per declaration: a proof replaces the whole body, so its other sorries are skipped. */
export function batchTargets(text: string): { targets: SorryLocation[]; skipped: { sorry: SorryLocation; reason: string }[] } {
  const targets: SorryLocation[] = [];
  const skipped: { sorry: SorryLocation; reason: string }[] = [];
  const seen = new Map<number, SorryLocation>();
  for (const s of findSorries(text)) {
    if (!s.declaration) {
      skipped.push({ sorry: s, reason: 'not inside a declaration' });
      continue;
    }
    const first = seen.get(s.declaration.start);
    if (first) {
      skipped.push({ sorry: s, reason: `same declaration as the sorry on line ${first.range.start.line + 1}: one proof replaces the whole body` });
      continue;
    }
    seen.set(s.declaration.start, s);
    targets.push(s);
  }
  return { targets, skipped };
}
