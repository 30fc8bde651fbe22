// Running the CLI as a user does (a real process) from the CLI's integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = path.resolve(__dirname, '../..');
const CLI = path.join(root, 'src/cli/main.ts');
// The CLI runs in project folders outside the repository, so tsx is named by its full path.
const TSX = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment with no endpoint, no Lean on PATH and a HOME without ~/.elan. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-home-')) };
  return { ...env, ...extra };
}

export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<CliRun> {
  const child = startCli(args, cwd, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A scratch project folder with these files. */
export function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-cli-project-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
