// Starts the OpenAI-compatible test model server (test/fixtures/model-server/) with the replies the
// real-VS-Code tiers script, on a free loopback port.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './code-server';

export interface RunningModel {
  baseUrl: string;
  model: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

const modelServerDir = path.join(repoRoot, 'test', 'fixtures', 'model-server');

export async function startModelFixture(_scratch: string): Promise<RunningModel> {
  if (!fs.existsSync(modelServerDir)) {
    console.log('fixtures: test/fixtures/model-server is not there yet: no endpoint configured');
    return { baseUrl: '', model: '', env: {}, stop: async () => {} };
  }
  throw new Error('fixtures: the model server is present but not wired here yet');
}
