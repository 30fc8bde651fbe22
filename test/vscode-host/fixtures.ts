// The fixture servers the real-VS-Code tiers point the extension at, through the settings a user
// would write: the scripted Lean language server (oprover.lakePath/oprover.leanPath; the extension
// starts it itself, and it decides outcomes from lean-script.json next to this file) and the
// OpenAI-compatible test model server (oprover.endpoint; its replies come from model-script.json).
// lean/lake are reached through recording-bin/, which can note every launch in a file.
import path from 'node:path';
import { repoRoot } from './code-server';
import { startModelFixture } from './model-fixture';

export interface FixtureOptions {
  /** File that records every launch of the stand-in lean/lake (LEAN_FIXTURE_LAUNCH_LOG). */
  launchLog?: string;
}

export interface RunningFixtures {
  /** Environment for code-server and so for the extension host and the Lean server it starts. */
  env: Record<string, string>;
  /** The settings that point the extension at the fixtures (the workspace's .vscode/settings.json). */
  workspaceSettings: Record<string, unknown>;
  stop(): Promise<void>;
}

/** The stand-in lean and lake, also fit to put first on PATH. */
export const recordingLeanBin = path.join(repoRoot, 'test', 'vscode-host', 'recording-bin');
export const leanScript = path.join(repoRoot, 'test', 'vscode-host', 'lean-script.json');

export async function startFixtures(options: FixtureOptions = {}): Promise<RunningFixtures> {
  const model = await startModelFixture();
  return {
    env: { LEAN_FIXTURE_SCRIPT: leanScript, ...model.env, ...(options.launchLog ? { LEAN_FIXTURE_LAUNCH_LOG: options.launchLog } : {}) },
    workspaceSettings: {
      'oprover.leanPath': path.join(recordingLeanBin, 'lean'),
      'oprover.lakePath': path.join(recordingLeanBin, 'lake'),
      'oprover.endpoint': model.baseUrl,
      'oprover.model': model.model,
      // one attempt per round, no tactic pre-pass: the timeline is round 1 (fails), round 2 (proves)
      'oprover.samplesPerRound': 1,
      'oprover.rounds': 2,
      'oprover.prepassEnabled': false,
      'oprover.requestTimeoutMs': 30_000,
      'oprover.candidateTimeoutMs': 30_000,
      'oprover.batchTimeLimitMs': 90_000,
    },
    stop: () => model.stop(),
  };
}
