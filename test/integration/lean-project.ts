// Helpers for tests against the scripted Lean server: a temporary project with its script and
// traffic log, and a proof target at a declaration's `sorry`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import type { Script } from '../fixtures/lean-server/main';

export const FAKE_LEAN = path.resolve(__dirname, '../fixtures/lean-server/bin/lean');
export const FAKE_LAKE = path.resolve(__dirname, '../fixtures/lean-server/bin/lake');

/** The target at the sorry of declaration `name` ('example' for the example). */
export function targetAt(text: string, name: string, projectRoot: string): ProofTarget {
  const sorry = findSorries(text).find((s) => (s.declaration?.name ?? s.declaration?.kind) === name)!;
  return { file: path.join(projectRoot, 'Demo.lean'), projectRoot, text, version: 0, sorry, declaration: sorry.declaration! };
}

export interface Project {
  root: string;
  log: string;
  onceDir: string;
  messages(): { dir: string; msg: any }[];
}

export function makeProject(script: Script, options: { lake?: boolean } = {}): Project {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-lean-'));
  const log = path.join(root, 'traffic.jsonl');
  const onceDir = path.join(root, 'once');
  fs.mkdirSync(onceDir);
  fs.writeFileSync(path.join(root, 'lean-fixture.json'), JSON.stringify({ commandDelayMs: 1, log, ...script }));
  if (options.lake) fs.writeFileSync(path.join(root, 'lakefile.lean'), '-- a Lake project\n');
  return {
    root,
    log,
    onceDir,
    messages: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [],
  };
}
