// Writing verified proofs into files. A proof replaces its declaration's body only where the text
// is still what the job read: if the file is unchanged, every edit lands; if it changed, an edit
// lands only when its whole original declaration is still there, exactly once, as a whole
// declaration (not the start of a longer one); otherwise it is
// skipped with the reason. The file is written atomically, and not at all if it changed between
// reading and writing.
import fs from 'node:fs';
import { findDeclarations } from '../core/source';

export interface ProofEdit {
  /** Offsets in the text the job read. */
  declStart: number;
  bodyStart: number;
  declEnd: number;
  /** text[declStart, declEnd) as the job read it. */
  originalDecl: string;
  /** The verified body (`:= by ...`) that replaces text[bodyStart, declEnd). */
  body: string;
  /** Who asked for it, echoed back in the result. */
  key: string;
}

export interface EditOutcome {
  applied: string[];
  skipped: { key: string; reason: string }[];
}

/** Applies `edits` (made against `original`) to `current`. Pure. */
export function applyProofEdits(original: string, current: string, edits: readonly ProofEdit[]): { text: string } & EditOutcome {
  const applied: string[] = [];
  const skipped: { key: string; reason: string }[] = [];
  const located: { start: number; end: number; body: string; key: string }[] = [];
  const unchanged = original === current;
  // In a changed file the original text must still be a whole declaration: a user who typed more
  // tactics after the `sorry` left the old text in place as a prefix of a longer declaration.
  const declarations = unchanged ? [] : findDeclarations(current);
  for (const e of edits) {
    let declStart: number;
    if (unchanged) {
      declStart = e.declStart;
    } else {
      const first = current.indexOf(e.originalDecl);
      if (first < 0) {
        skipped.push({ key: e.key, reason: 'the declaration was edited after the job started' });
        continue;
      }
      if (!declarations.some((d) => d.start === first && d.end === first + e.originalDecl.length)) {
        skipped.push({ key: e.key, reason: 'the declaration was edited after the job started' });
        continue;
      }
      if (current.indexOf(e.originalDecl, first + 1) >= 0) {
        skipped.push({ key: e.key, reason: 'the file changed and the declaration now appears more than once' });
        continue;
      }
      declStart = first;
    }
    located.push({ start: declStart + (e.bodyStart - e.declStart), end: declStart + (e.declEnd - e.declStart), body: e.body, key: e.key });
  }
  located.sort((a, b) => b.start - a.start);
  let text = current;
  let previousStart = Infinity;
  for (const l of located) {
    if (l.end > previousStart) {
      skipped.push({ key: l.key, reason: 'overlaps another proof' });
      continue;
    }
    text = text.slice(0, l.start) + l.body + text.slice(l.end);
    previousStart = l.start;
    applied.push(l.key);
  }
  return { text, applied: applied.reverse(), skipped };
}

/** Reads `file`, applies the edits, and writes it back atomically unless it changed meanwhile. */
export function insertProofs(file: string, original: string, edits: readonly ProofEdit[]): EditOutcome {
  if (edits.length === 0) return { applied: [], skipped: [] };
  let current: string;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { applied: [], skipped: edits.map((e) => ({ key: e.key, reason: `cannot read the file: ${err instanceof Error ? err.message : String(err)}` })) };
  }
  const result = applyProofEdits(original, current, edits);
  if (result.applied.length === 0) return result;
  const tmp = `${file}.oprover-${process.pid}.tmp`;
  fs.writeFileSync(tmp, result.text);
  // Last look before the rename: an editor may have saved in between.
  if (fs.readFileSync(file, 'utf8') !== current) {
    fs.rmSync(tmp, { force: true });
    return { applied: [], skipped: edits.map((e) => ({ key: e.key, reason: 'the file changed while the proofs were being written' })) };
  }
  try {
    const mode = fs.statSync(file).mode;
    fs.chmodSync(tmp, mode);
  } catch {
    // Keeping the default mode is acceptable.
  }
  fs.renameSync(tmp, file);
  return { applied: result.applied, skipped: result.skipped };
}
