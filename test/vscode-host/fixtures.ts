// The fixture servers the real-VS-Code tiers point the extension at: the scripted Lean language server
// (started by the extension itself through oprover.lakePath/oprover.leanPath) and the OpenAI-compatible
// test model server (oprover.endpoint).
export interface RunningFixtures {
  /** Environment for code-server and so for the extension host. */
  env: Record<string, string>;
  /** The workspace's .vscode/settings.json. */
  workspaceSettings: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startFixtures(_scratch: string): Promise<RunningFixtures> {
  return { env: {}, workspaceSettings: {}, stop: async () => {} };
}
