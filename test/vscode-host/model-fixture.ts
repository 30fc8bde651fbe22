// The OpenAI-compatible test model server (test/fixtures/model-server/), run in the tier runner's own
// process on a free loopback port, with the replies scripted in model-script.json next to this file:
// for add_comm_example a wrong attempt first and, once the prompt carries that failed attempt, a
// right one; for the batch file one reply per declaration.
import fs from 'node:fs';
import path from 'node:path';
import { startModelServer, type ModelServerOptions } from '../fixtures/model-server/server';

export interface RunningModel {
  baseUrl: string;
  model: string;
  /** The API key reaches the extension through OPROVER_API_KEY, as in CI (SecretStorage is empty). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const modelScript = path.join(import.meta.dirname, 'model-script.json');
const apiKey = 'test-key-for-the-fixture-server';

export async function startModelFixture(): Promise<RunningModel> {
  const options = JSON.parse(fs.readFileSync(modelScript, 'utf8')) as ModelServerOptions;
  const server = await startModelServer({ ...options, apiKey });
  return { baseUrl: server.url, model: options.models?.[0] ?? 'oprover-test', env: { OPROVER_API_KEY: apiKey }, stop: () => server.close() };
}
