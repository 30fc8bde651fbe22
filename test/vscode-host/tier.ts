// What the two real-VS-Code tier runners (test/vscode/run.ts, test/ui/run.ts) share: the
// prerequisite and build checks, a scratch folder removed on every path, a deadline for the whole
// tier, the fixture servers, the counts file for scripts/test.mjs and the exit code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extensionDir, missingPrerequisite } from './code-server';
import { startFixtures, type RunningFixtures } from './fixtures';
import { prerequisitesRequired, writeTierStats } from './workspace';

export interface TierCounts {
  passed: number;
  failed: number;
  skipped: number;
  note?: string;
}

export interface TierContext {
  /** Throwaway folder for this run (kept with OPROVER_KEEP_SCRATCH=1). */
  scratch: string;
  /** Starts the fixture servers; they are stopped when the tier ends. */
  fixtures(options?: Parameters<typeof startFixtures>[0]): Promise<RunningFixtures>;
}

/**
 * Runs one tier and exits the process with its result. `run` returns the counts; a throw counts as
 * one failure. Missing code-server or chromium skips the tier (fails it under OPROVER_REQUIRE_VSCODE=1).
 */
export function runTier(name: string, deadlineMs: number, run: (tier: TierContext) => Promise<TierCounts>): void {
  const finish = (counts: TierCounts): never => {
    writeTierStats(counts);
    process.exit(counts.failed > 0 ? 1 : 0); // the exit hooks end any code-server process group left
  };
  const missing = missingPrerequisite();
  if (missing) {
    const required = prerequisitesRequired();
    console.log(`${name} tier ${required ? 'cannot run' : 'skipped'}: ${missing}`);
    finish({ passed: 0, failed: required ? 1 : 0, skipped: 1, note: missing });
  }
  if (!fs.existsSync(path.join(extensionDir, 'dist', 'extension.js'))) {
    console.log(`${name} tier: dist/extension.js is missing; run npm run build first`);
    finish({ passed: 0, failed: 1, skipped: 0, note: 'extension not built' });
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `oprover-${name}-tier-`));
  const removeScratch = () => {
    if (!process.env.OPROVER_KEEP_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
  };
  const started: RunningFixtures[] = [];
  const stopFixtures = () => Promise.all(started.splice(0).map((f) => f.stop().catch(() => undefined)));
  const timer = setTimeout(() => {
    console.error(`${name} tier: no result in ${deadlineMs} ms; giving up`);
    removeScratch();
    finish({ passed: 0, failed: 1, skipped: 0, note: 'deadline passed' });
  }, deadlineMs);

  const context: TierContext = {
    scratch,
    async fixtures(options) {
      const fixtures = await startFixtures(options);
      started.push(fixtures);
      return fixtures;
    },
  };
  run(context)
    .catch((error: unknown): TierCounts => {
      console.error(`${name} tier:`, error instanceof Error ? error.message : error);
      return { passed: 0, failed: 1, skipped: 0, note: 'set-up failed' };
    })
    .then(async (counts) => {
      clearTimeout(timer);
      await stopFixtures();
      removeScratch();
      finish(counts);
    });
}
