// The Lean project the real-VS-Code tiers open: a fresh copy of test/fixtures/workspace per run, so that
// tests edit the copy and never the repository, with the workspace settings a user would write.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './code-server';

export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');

export function copyFixtureWorkspace(destination: string, settings: Record<string, unknown> = {}): string {
  fs.rmSync(destination, { recursive: true, force: true });
  fs.cpSync(fixtureWorkspace, destination, { recursive: true, filter: (src) => !src.includes(`${path.sep}.lake`) });
  fs.mkdirSync(path.join(destination, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(destination, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return destination;
}

/** Writes the counts file a tier runner owes scripts/test.mjs (OPROVER_TEST_STATS). */
export function writeTierStats(stats: { passed: number; failed: number; skipped: number; note?: string }): void {
  const file = process.env.OPROVER_TEST_STATS;
  if (file) fs.writeFileSync(file, JSON.stringify(stats));
}

/** True when a missing prerequisite must fail the tier instead of skipping it (CI sets this). */
export function prerequisitesRequired(): boolean {
  return process.env.OPROVER_REQUIRE_VSCODE === '1';
}
