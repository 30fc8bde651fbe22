// The OpenAI-compatible test model server (test/fixtures/model-server/), run in the tier runner's own
// process on a free loopback port, with the replies scripted in model-script.json next to this file:
// for add_comm_example a wrong attempt first and, once the prompt carries that failed attempt, a
// right one; for the batch file one reply per declaration. A second loopback server lets the tests
// in the extension host read what the model server received (OPROVER_MODEL_FIXTURE_REQUESTS).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startModelServer, type ModelServerOptions } from '../fixtures/model-server/server';

export interface RunningModel {
  baseUrl: string;
  model: string;
  /**
   * The API key reaches the extension through OPROVER_API_KEY, as in CI (SecretStorage is empty);
   * OPROVER_MODEL_FIXTURE_REQUESTS is where the tests read the received requests.
   */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** One request as the tests see it: GET OPROVER_MODEL_FIXTURE_REQUESTS answers a JSON array of these. */
export interface ReceivedRequest {
  path: string;
  authorization: string | undefined;
}

export const modelScript = path.join(import.meta.dirname, 'model-script.json');
const apiKey = 'test-key-for-the-fixture-server';

export async function startModelFixture(): Promise<RunningModel> {
  const options = JSON.parse(fs.readFileSync(modelScript, 'utf8')) as ModelServerOptions;
  const server = await startModelServer({ ...options, apiKey });
  const inspector = http.createServer((_req, res) => {
    const received: ReceivedRequest[] = server.requests.map((r) => ({ path: r.path, authorization: r.authorization }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(received));
  });
  await new Promise<void>((resolve) => inspector.listen(0, '127.0.0.1', resolve));
  const inspectorUrl = `http://127.0.0.1:${(inspector.address() as AddressInfo).port}/`;
  return {
    baseUrl: server.url,
    model: options.models?.[0] ?? 'oprover-test',
    env: { OPROVER_API_KEY: apiKey, OPROVER_MODEL_FIXTURE_REQUESTS: inspectorUrl },
    stop: async () => {
      inspector.closeAllConnections();
      await new Promise<void>((resolve) => inspector.close(() => resolve()));
      await server.close();
    },
  };
}
