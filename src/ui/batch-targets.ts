// Which sorries of a file a batch proves, and what a batch resumed after a reload does with each.
// Pure (no vscode), so it is unit-tested.
import { screenBody } from '../core/screen';
import { findSorries, sorryLabel } from '../core/source';
import type { SorryLocation } from '../core/types';
import { contextHash, declarationLabel, holeResumeKey, ResumeKeys, type BatchMarker, type FinishedEntry } from '../state/resume';

/** One target per declaration whose whole proof is a `sorry`, and one per hole of a longer proof (each hole is filled alone). */
export function batchTargets(text: string): { targets: SorryLocation[]; skipped: { sorry: SorryLocation; reason: string }[] } {
  const targets: SorryLocation[] = [];
  const skipped: { sorry: SorryLocation; reason: string }[] = [];
  const seen = new Map<number, SorryLocation>();
  for (const s of findSorries(text)) {
    if (!s.declaration) {
      skipped.push({ sorry: s, reason: 'not inside a declaration' });
      continue;
    }
    if (s.hole) {
      targets.push(s);
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

/** A batch target with its resume key (the same key the CLI uses for the same declaration). */
export interface KeyedTarget {
  sorry: SorryLocation;
  key: string;
  declarationName: string;
  /** 1-based line of the sorry. */
  line: number;
  /** Hash of the text before the declaration (see `contextHash`). */
  contextHash: string;
}

export function keyTargets(relFile: string, text: string, targets: readonly SorryLocation[]): KeyedTarget[] {
  const keys = new ResumeKeys(relFile);
  return targets.map((sorry) => ({
    sorry,
    key: sorry.hole ? holeResumeKey(relFile, sorry.declaration!, sorry.hole.index, text.slice(sorry.declaration!.start, sorry.declaration!.end)) : keys.next(sorry.declaration!).key,
    declarationName: sorry.hole ? sorryLabel(sorry) : declarationLabel(sorry.declaration!),
    line: sorry.range.start.line + 1,
    contextHash: contextHash(text.slice(0, sorry.declaration!.start)),
  }));
}

/**
 * What a resumed batch does with one target:
 * - `reuse`: the earlier run proved it, the statement is unchanged (same key), so is the text above
 *   it (when recorded), and the recorded body passes the screen again; it goes to insertion like a
 *   fresh proof, without running the loop;
 * - `failed`: the earlier run spent the whole budget on it; reported, not run again;
 * - `prove`: anything else (not finished, statement or text above changed, recorded proof refused).
 */
export type ResumeDecision =
  | { kind: 'reuse'; entry: FinishedEntry; body: string }
  | { kind: 'failed'; entry: FinishedEntry }
  | { kind: 'prove'; note?: string };

/** Entries count only when they were finished by this batch (at or after it first started). */
function finishedSince(entry: FinishedEntry | undefined, startedAt: string): entry is FinishedEntry {
  if (!entry) return false;
  const at = Date.parse(entry.finishedAt);
  const since = Date.parse(startedAt);
  return Number.isFinite(at) && Number.isFinite(since) && at >= since;
}

export function resumeDecisions(
  targets: readonly KeyedTarget[],
  lookup: (key: string) => FinishedEntry | undefined,
  startedAt: string,
  options: { allowNativeDecide: boolean },
): ResumeDecision[] {
  return targets.map((t): ResumeDecision => {
    const entry = lookup(t.key);
    if (!finishedSince(entry, startedAt)) return { kind: 'prove' };
    if (entry.status === 'failed') return { kind: 'failed', entry };
    if (entry.proof === undefined) return { kind: 'prove', note: 'the earlier run recorded no proof body' };
    // A hole's recorded text is placed only by its own job's edit: the hole is proved again.
    if (t.sorry.hole) return { kind: 'prove', note: 'a hole is proved again after a reload (its proof is placed only by its own job)' };
    // Lean checked the proof after the text above it as it was then; if that changed, so may the proof's meaning.
    if (entry.contextHash !== undefined && entry.contextHash !== t.contextHash) return { kind: 'prove', note: 'the text above it changed since its proof was checked' };
    // The resume file is only a file: its proof gets the same screen as model output before any use.
    const screened = screenBody(entry.proof, { allowNativeDecide: options.allowNativeDecide });
    if (!screened.ok) return { kind: 'prove', note: `the proof recorded by the earlier run is refused: ${screened.reason}` };
    return { kind: 'reuse', entry, body: entry.proof };
  });
}

/** "k of N done" for the resume offer: the marker's targets that this batch finished. */
export function batchProgress(marker: BatchMarker, lookup: (key: string) => FinishedEntry | undefined): { done: number; total: number } {
  const done = marker.targets.filter((t) => finishedSince(lookup(t.key), marker.startedAt)).length;
  return { done, total: marker.targets.length };
}
