// From what the user named on the command line to proof targets: the .lean files (a file, or every
// file under a folder, skipping build output and dependencies), the project root, and one
// target per declaration whose whole proof is a `sorry`, and one per hole in a longer proof.
import fs from 'node:fs';
import path from 'node:path';
import { findSorries, sorryLabel } from '../core/source';
import type { ProofTarget, SorryLocation } from '../core/types';
import { isLakeProject, projectRootOf } from '../lean/project';
import { declarationLabel, holeResumeKey, keyPath, ResumeKeys, statementHash } from '../state/resume';

/** Folders never searched for sources: Lake's build output and packages, VCS and tool folders. */
const SKIPPED_DIRS = new Set(['.lake', 'lake-packages', 'build', '.git', 'node_modules', '.oprover', '.lean-scratch', 'dist', 'out']);
/** Declarations whose `sorry` is a proof obligation the loop can work on. */
const PROVABLE_KINDS = new Set(['theorem', 'lemma', 'example']);

export interface Inputs {
  /** The project root (see src/lean/project.ts), or the folder named (or holding the file named) when there is none. */
  root: string;
  isLakeProject: boolean;
  files: string[];
}

/** The .lean files of `paths` (absolute, sorted) and the root the job runs in. */
export function collectInputs(paths: readonly string[]): Inputs {
  const files = new Set<string>();
  let root: string | undefined;
  for (const raw of paths) {
    const p = path.resolve(raw);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new Error(`${raw}: no such file or folder`);
    }
    const base = stat.isDirectory() ? p : path.dirname(p);
    root ??= projectRootOf(base).root;
    if (stat.isDirectory()) {
      for (const f of walkLeanFiles(p)) files.add(f);
    } else if (p.endsWith('.lean')) {
      files.add(p);
    } else {
      throw new Error(`${raw}: not a .lean file`);
    }
  }
  if (!root) throw new Error('no path given');
  return { root, isLakeProject: isLakeProject(root), files: [...files].sort() };
}

export function walkLeanFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) visit(path.join(d, e.name));
      } else if (e.isFile() && e.name.endsWith('.lean')) {
        out.push(path.join(d, e.name));
      }
    }
  };
  visit(dir);
  return out.sort();
}

/** One target: a declaration whose whole proof is `sorry`, or one hole of a longer proof. */
export interface ProofJob {
  key: string;
  /** Absolute path. */
  file: string;
  /** Path relative to the root, with `/` separators (for reports and the state file). */
  relFile: string;
  /** 1-based line of the first sorry. */
  line: number;
  declarationName: string;
  statementHash: string;
  target: ProofTarget;
  sorries: SorryLocation[];
}

export interface SkippedSorry {
  relFile: string;
  line: number;
  declarationName: string;
  reason: string;
}

/** The jobs of one file's text; sorries outside a theorem, lemma or example are skipped with the reason. */
export function jobsForFile(root: string, file: string, text: string): { jobs: ProofJob[]; skipped: SkippedSorry[] } {
  const relFile = keyPath(root, file);
  const jobs: ProofJob[] = [];
  const skipped: SkippedSorry[] = [];
  const byDecl = new Map<number, ProofJob>();
  const keys = new ResumeKeys(relFile);
  const holeKeys = new Set<string>();
  for (const sorry of findSorries(text)) {
    const decl = sorry.declaration;
    const line = sorry.range.start.line + 1;
    if (!decl) {
      skipped.push({ relFile, line, declarationName: '', reason: 'this sorry is not inside a declaration' });
      continue;
    }
    if (!PROVABLE_KINDS.has(decl.kind)) {
      skipped.push({ relFile, line, declarationName: declarationLabel(decl), reason: `this sorry is inside a ${decl.kind}, not a theorem: it stands for data, not a proof` });
      continue;
    }
    if (sorry.hole) {
      // A hole is its own job (see holeResumeKey).
      let key = holeResumeKey(relFile, decl, sorry.hole.index, text.slice(decl.start, decl.end));
      if (holeKeys.has(key)) key += `#${sorry.offset}`;
      holeKeys.add(key);
      jobs.push({ key, file, relFile, line, declarationName: sorryLabel(sorry), statementHash: statementHash(decl.header), target: { file, projectRoot: root, text, version: 0, sorry, declaration: decl }, sorries: [sorry] });
      continue;
    }
    const existing = byDecl.get(decl.start);
    if (existing) {
      existing.sorries.push(sorry);
      continue;
    }
    const declarationName = declarationLabel(decl);
    const { key, hash } = keys.next(decl);
    const job: ProofJob = {
      key,
      file,
      relFile,
      line,
      declarationName,
      statementHash: hash,
      target: { file, projectRoot: root, text, version: 0, sorry, declaration: decl },
      sorries: [sorry],
    };
    byDecl.set(decl.start, job);
    jobs.push(job);
  }
  return { jobs, skipped };
}
