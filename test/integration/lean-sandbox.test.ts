// The no-network sandbox for the Lean server, run for real through bubblewrap: a process inside
// cannot reach the network (not even a listener on this machine's loopback), cannot write outside
// the project and the toolchain's caches, sees no API key, and dies with its process group. Skipped
// with the reason where bubblewrap cannot make a sandbox (not Linux, not installed, no user namespaces).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config';
import { makeCandidate } from '../../src/core/extract';
import { findSorries } from '../../src/core/source';
import { bubblewrap, leanServerEnv, sandboxCommand, type ServerCommand } from '../../src/lean/server';
import { LeanVerifier } from '../../src/lean/verifier';

const FAKE_LEAN = path.resolve(__dirname, '../fixtures/lean-server/bin/lean');

/** What the probe saw from inside, as one JSON line on stdout. */
interface ProbeReport {
  pid: number;
  connect: string;
  writeProject: string;
  writeOutside: string;
  apiKeyVisible: boolean;
}

const PROBE = `
const fs = require('node:fs'), net = require('node:net'), path = require('node:path');
const [port, project, outside] = process.argv.slice(1);
const tryWrite = (file) => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return 'ok'; } catch (e) { return e.code || String(e); } };
const s = net.connect({ host: '127.0.0.1', port: Number(port) });
const report = (connect) => {
  process.stdout.write(JSON.stringify({ pid: process.pid, connect, writeProject: tryWrite(path.join(project, 'probe.txt')),
    writeOutside: tryWrite(path.join(outside, 'oprover-sandbox-probe.txt')), apiKeyVisible: 'OPENAI_API_KEY' in process.env }) + '\\n');
  process.exit(0);
};
s.once('connect', () => { s.destroy(); report('connected'); });
s.once('error', (e) => report(e.code || e.message));
setTimeout(() => report('timeout'), 5000);
`;

function run(command: ServerCommand, env: NodeJS.ProcessEnv): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.command, command.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ProbeReport);
      } catch {
        reject(new Error(`probe exited ${code}: ${out} ${err}`));
      }
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Lean server sandbox (bubblewrap, for real)', function () {
  this.timeout(60_000);
  const probe = bubblewrap();
  let listener: net.Server;
  let port: number;
  let project: string;
  // A folder outside the sandbox's writable places: the home folder itself (only ~/.cache and ~/.elan are writable).
  const outside = os.homedir();

  before(async function () {
    if (!probe.ok) {
      console.log(`      skipped: ${probe.reason}`);
      this.skip();
    }
    listener = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as net.AddressInfo).port;
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-sandbox-'));
  });

  after(() => {
    listener?.close();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it('cuts the network and writes outside the project; the same probe unsandboxed reaches both', async function () {
    if (!probe.ok) this.skip();
    const env = { ...leanServerEnv({ ...process.env, OPENAI_API_KEY: 'sk-sandbox-test' }) };
    const probeCommand: ServerCommand = { command: process.execPath, args: ['-e', PROBE, String(port), project, project] };
    const control = await run(probeCommand, env);
    assert.equal(control.connect, 'connected', 'the control run reaches the listener, so the test can tell');

    const inside = await run(sandboxCommand({ command: process.execPath, args: ['-e', PROBE, String(port), project, outside] }, project, probe.bwrap), env);
    assert.notEqual(inside.connect, 'connected', 'no network inside the sandbox');
    assert.notEqual(inside.connect, 'timeout');
    assert.equal(inside.writeProject, 'ok', 'the project stays writable');
    assert.equal(inside.writeOutside, 'EROFS', 'the rest of the file system is read-only');
    assert.equal(inside.apiKeyVisible, false, 'the API key is filtered out before the sandbox');
    assert.ok(inside.pid < 10, `own PID namespace (pid ${inside.pid} inside)`);
  });

  it('a group kill ends every process inside the sandbox', async function () {
    if (!probe.ok) this.skip();
    const pidFile = path.join(project, 'pids.txt');
    // Two sleepers inside; the outer PIDs are found through /proc by a marker argument.
    const marker = `oprover-sandbox-marker-${process.pid}`;
    const wrapped = sandboxCommand({ command: 'sh', args: ['-c', `sleep 300 & sleep 300 & echo started > ${pidFile}; wait`, marker] }, project, probe.bwrap);
    const child = spawn(wrapped.command, wrapped.args, { detached: true, stdio: 'ignore' });
    for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(pidFile), 'the sandboxed shell started');
    const inSandbox = (): number[] =>
      fs
        .readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .map(Number)
        .filter((pid) => {
          try {
            const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === child.pid && pid !== child.pid;
          } catch {
            return false;
          }
        });
    const members = inSandbox();
    assert.ok(members.length >= 3, `the sandboxed processes share the server's process group (found ${members.length})`);
    process.kill(-child.pid!, 'SIGKILL');
    for (let i = 0; i < 100 && members.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(members.filter(alive), [], 'nothing outlives the group kill');
  });

  it('verifies a proof with the Lean server inside the sandbox', async function () {
    if (!probe.ok) this.skip();
    const text = 'theorem comm (a b : Nat) : a + b = b + a := by\n  sorry\n';
    fs.writeFileSync(path.join(project, 'lean-fixture.json'), JSON.stringify({ commandDelayMs: 1, rules: [{ contains: 'exact Nat.add_comm', axioms: [] }] }));
    const logs: string[] = [];
    const verifier = new LeanVerifier({ projectRoot: project, config: { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, verifierSlots: 1, leanSandbox: 'no-network' }, log: (m) => logs.push(m) });
    try {
      const sorry = findSorries(text)[0]!;
      const target = { file: path.join(project, 'Demo.lean'), projectRoot: project, text, version: 0, sorry, declaration: sorry.declaration! };
      const candidate = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
      const verdict = (await verifier.verify({ target, candidates: [candidate], timeoutMs: 20_000 })).get(candidate.id)!;
      assert.equal(verdict.kind, 'proved', verdict.reason);
      assert.ok(logs.some((l) => l.startsWith(`starting ${probe.bwrap} --unshare-net`)), logs.join('\n'));
    } finally {
      await verifier.dispose();
    }
  });
});
