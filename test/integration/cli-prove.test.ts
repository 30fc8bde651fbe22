// The CLI as a user runs it (a real process), checking on the kimina fixture server: the pre-pass and
// replays for real, the JSON report, --insert, resume after a killed run, usage errors, `check`,
// `import`, and the main job's messages with no Lean and no endpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProveReport } from '../../src/cli/report';
import { startKiminaFixture, type KiminaFixture } from '../fixtures/kimina/start';
import { cleanEnv, project as projectWith, root, runCli, startCli } from './cli-helpers';

const PROJECT_FILE = `/-! A test file. -/

theorem mul_comm_nat (a b : Nat) : a * b = b * a := by
  exact Nat.mul_comm a b

theorem t_omega (n : Nat) (h : n < 5) : 2 * n + 1 < 11 := by
  sorry

theorem t_decide : 2 ^ 10 = 1024 := by
  sorry

theorem mul_comm_again (a b : Nat) : a * b = b * a := by
  sorry

theorem t_model (n : Nat) : n * 0 = 0 := by
  sorry

def data : Nat := sorry
`;

const TEST_CONFIG = { prepassTactics: ['rfl', 'decide', 'omega', 'simp'], retrievalK: 2, prepassReplays: 2, candidateTimeoutMs: 20_000 };

function project(files: Record<string, string>): string {
  return projectWith({ ...files, 'oprover.json': JSON.stringify(TEST_CONFIG) });
}

function readReport(file: string): ProveReport {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ProveReport;
}

describe('oprover prove on the kimina fixture', function () {
  this.timeout(60_000);
  let kimina: KiminaFixture;
  before(async () => {
    kimina = await startKiminaFixture(['--script', path.join(root, 'test/fixtures/kimina/cli-script.json')]);
  });
  after(() => kimina.stop());

  it('proves what the pre-pass and replays close, reports the rest as needing an endpoint, then resumes and inserts', async () => {
    const dir = project({ 'lakefile.toml': 'name = "demo"\n', 'Demo/Basic.lean': PROJECT_FILE, '.lake/packages/dep/Dep.lean': 'theorem x : False := sorry\n' });
    const first = await runCli(['prove', '.', '--kimina', kimina.url, '--config', 'oprover.json', '--report', 'report.json'], dir);
    assert.equal(first.code, 3, first.stderr + first.stdout);
    const report = readReport(path.join(dir, 'report.json'));
    const byName = new Map(report.items.map((i) => [i.declaration, i]));
    assert.equal(report.files, 1, '.lake is skipped');
    assert.equal(byName.get('t_omega')!.status, 'proved');
    assert.equal(byName.get('t_omega')!.proof, ':= by omega');
    assert.match(byName.get('t_omega')!.origin!, /pre-pass: tactic omega/);
    assert.equal(byName.get('t_decide')!.status, 'proved');
    assert.equal(byName.get('mul_comm_again')!.status, 'proved');
    assert.match(byName.get('mul_comm_again')!.origin!, /replay/);
    assert.equal(byName.get('t_model')!.status, 'blocked');
    assert.match(byName.get('t_model')!.reason, /inference endpoint/);
    assert.equal(byName.get('data')!.status, 'skipped');
    assert.equal(report.exitCode, 3);
    assert.deepEqual(report.missing.map((m) => m.what), ['endpoint']);
    assert.match(first.stdout, /no inference endpoint configured: pass --endpoint URL .* or set OPROVER_ENDPOINT/);
    assert.equal(report.items.find((i) => i.file === 'Demo/Basic.lean' && i.declaration === 't_omega')!.line, 7);
    // Nothing was inserted without --insert.
    assert.equal(fs.readFileSync(path.join(dir, 'Demo/Basic.lean'), 'utf8'), PROJECT_FILE);
    const state = JSON.parse(fs.readFileSync(path.join(dir, '.oprover/state.json'), 'utf8'));
    assert.equal(Object.keys(state.entries).length, 3, 'proved targets are recorded, blocked ones are not');

    // Second run: finished targets come from the state file (no request for them), and --insert writes them.
    const before = kimina.requests().length;
    const second = await runCli(['prove', 'Demo/Basic.lean', '--kimina', kimina.url, '--config', 'oprover.json', '--insert', '--json'], dir);
    assert.equal(second.code, 3, second.stderr);
    const again = JSON.parse(second.stdout) as ProveReport;
    const resumed = again.items.filter((i) => i.resumed).map((i) => i.declaration).sort();
    assert.deepEqual(resumed, ['mul_comm_again', 't_decide', 't_omega']);
    const sentNames = kimina
      .requests()
      .slice(before)
      .flatMap((r) => r.body.codes.map((c) => /#print axioms _root_\.(\S+)/.exec(c.proof)![1]));
    assert.ok(sentNames.length > 0 && sentNames.every((n) => n === 't_model'), `only t_model is checked again, got ${sentNames.join(',')}`);
    assert.equal(again.totals.inserted, 3);
    const text = fs.readFileSync(path.join(dir, 'Demo/Basic.lean'), 'utf8');
    assert.match(text, /theorem t_omega \(n : Nat\) \(h : n < 5\) : 2 \* n \+ 1 < 11 := by omega\n/);
    assert.match(text, /theorem t_decide : 2 \^ 10 = 1024 := by decide\n/);
    assert.match(text, /theorem mul_comm_again \(a b : Nat\) : a \* b = b \* a := by\n {2}exact Nat\.mul_comm a b\n/);
    assert.match(text, /theorem t_model \(n : Nat\) : n \* 0 = 0 := by\n {2}sorry/);
    assert.equal(text.split('sorry').length - 1, 2, 't_model and the def keep their sorry');
  });

  it('continues after the CLI is killed mid-run without redoing finished targets', async () => {
    const slow = Array.from({ length: 6 }, (_, i) => `theorem slow_${i + 1} (n : Nat) (h : n < ${i + 2}) : n < ${i + 3} := by\n  sorry\n`).join('\n');
    const dir = project({ 'Slow.lean': slow });
    const env = cleanEnv();
    const child = startCli(['prove', 'Slow.lean', '--kimina', kimina.url, '--config', 'oprover.json', '-j', '1', '--no-index'], dir, env);
    const stateFile = path.join(dir, '.oprover/state.json');
    const finishedCount = (): number => (fs.existsSync(stateFile) ? Object.keys(JSON.parse(fs.readFileSync(stateFile, 'utf8')).entries).length : 0);
    const deadline = Date.now() + 30_000;
    while (finishedCount() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const done = finishedCount();
    assert.ok(done >= 2 && done < 6, `killed after ${done} of 6`);
    const finishedBefore = Object.keys(JSON.parse(fs.readFileSync(stateFile, 'utf8')).entries);

    const before = kimina.requests().length;
    const rerun = await runCli(['prove', 'Slow.lean', '--kimina', kimina.url, '--config', 'oprover.json', '-j', '2', '--no-index', '--report', 'r.json'], dir, env);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout); // no endpoint configured, but the pre-pass proves every target
    const report = readReport(path.join(dir, 'r.json'));
    assert.equal(report.totals.proved, 6);
    assert.equal(report.totals.resumed, done);
    const checkedAgain = new Set(
      kimina
        .requests()
        .slice(before)
        .flatMap((r) => r.body.codes.map((c) => /#print axioms _root_\.(\S+)/.exec(c.proof)![1])),
    );
    for (const key of finishedBefore) assert.ok(!checkedAgain.has(key.split('::')[1]!), `${key} was not checked again`);
    assert.equal(checkedAgain.size, 6 - done);
  });

  it('stops on Ctrl-C with exit 130 and keeps what finished', async () => {
    const slow = Array.from({ length: 6 }, (_, i) => `theorem slow_${i + 1} (n : Nat) (h : n < ${i + 2}) : n < ${i + 3} := by\n  sorry\n`).join('\n');
    const dir = project({ 'Slow.lean': slow });
    const child = startCli(['prove', 'Slow.lean', '--kimina', kimina.url, '--config', 'oprover.json', '-j', '1', '--no-index', '--report', 'r.json'], dir, cleanEnv());
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const stateFile = path.join(dir, '.oprover/state.json');
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(stateFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 130);
    assert.match(stdout, /Interrupted: finished sorries are saved/);
    const report = readReport(path.join(dir, 'r.json'));
    assert.equal(report.interrupted, true);
    assert.ok(report.totals.proved >= 1);
    assert.ok(report.totals.cancelled >= 1);
  });

  it('exits 0 when every target is proved, and `check` passes or fails proofs through the gate', async () => {
    const dir = project({ 'A.lean': 'theorem t_omega (n : Nat) (h : n < 5) : 2 * n + 1 < 11 := by\n  sorry\n', 'B.lean': 'theorem good_proof (n : Nat) (h : n < 5) : n < 6 := by omega\n\ntheorem bad_proof (n : Nat) : n < n + 1 := by simp\n' });
    const proved = await runCli(['prove', 'A.lean', '--kimina', kimina.url, '--config', 'oprover.json'], dir);
    assert.equal(proved.code, 0, proved.stdout + proved.stderr);
    assert.match(proved.stdout, /1 proved/);
    assert.match(proved.stdout, /Not needed this time, but not set up:\n {2}- no inference endpoint configured/);

    const check = await runCli(['check', 'B.lean', '--kimina', kimina.url, '--json'], dir);
    assert.equal(check.code, 1, check.stderr);
    const out = JSON.parse(check.stdout) as { items: { declaration: string; status: string; rule?: string }[] };
    assert.deepEqual(
      out.items.map((i) => [i.declaration, i.status]),
      [
        ['good_proof', 'passed'],
        ['bad_proof', 'failed'],
      ],
    );
  });
});

describe('oprover without Lean or an endpoint (the main job on a fresh machine)', function () {
  this.timeout(60_000);

  it('finds the sorries, retrieves proofs to replay, and says exactly what is missing, exit 3', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-main-job-'));
    fs.copyFileSync(path.join(root, 'examples/Basics.lean'), path.join(dir, 'Basics.lean'));
    const r = await runCli(['prove', 'Basics.lean', '--report', 'report.json'], dir);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /no Lean toolchain found \(lean\/lake not on PATH\): install elan .* or pass --lean PATH/);
    assert.match(r.stdout, /no inference endpoint configured: pass --endpoint URL .* or set OPROVER_ENDPOINT/);
    assert.match(r.stdout, /Setup incomplete/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    const report = readReport(path.join(dir, 'report.json'));
    assert.equal(report.totals.targets, 7);
    assert.ok(report.items.every((i) => i.status === 'blocked'));
    assert.ok((report.settings.bankProofs ?? 0) >= 2, 'the complete proofs of the file went into the bank');
    const again = report.items.find((i) => i.declaration === 'OProverExamples.mul_comm_again')!;
    assert.equal(again.retrieved![0]!.name, 'OProverExamples.mul_comm_nat', 'the bank proof with the same statement ranks first');
    assert.ok(again.prepassCandidates! > 1);
    assert.equal(fs.readFileSync(path.join(dir, 'Basics.lean'), 'utf8'), fs.readFileSync(path.join(root, 'examples/Basics.lean'), 'utf8'));
  });

  it('exits 2 on usage and configuration errors', async () => {
    const dir = project({ 'A.lean': 'theorem a : True := by sorry\n' });
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"rounds": 0}');
    for (const args of [['prove', 'missing.lean'], ['prove', 'A.lean', '--config', 'bad.json'], ['prove', 'A.lean', '--endpoint', 'not a url'], ['bogus']]) {
      const r = await runCli(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^oprover: /);
    }
  });

  it('imports a corpus into the project bank and indexes a project', async () => {
    const dir = project({ 'lakefile.lean': '', 'A.lean': 'theorem a_thm (n : Nat) : n + 0 = n := by simp\n\ntheorem b : True := by sorry\n' });
    const imported = await runCli(['import', path.join(root, 'test/fixtures/lean-data/batteries-sample.jsonl'), '--json'], dir);
    assert.equal(imported.code, 0, imported.stderr);
    const i = JSON.parse(imported.stdout) as { imported: number; records: number; bank: string };
    assert.ok(i.imported > 0);
    assert.equal(i.bank, path.join(fs.realpathSync(dir), '.oprover', 'bank'));
    const indexed = await runCli(['index', '--json'], dir);
    assert.equal(indexed.code, 0, indexed.stderr);
    const x = JSON.parse(indexed.stdout) as { theorems: number; records: number };
    assert.equal(x.theorems, 1);
    assert.equal(x.records, i.records + 1);
  });
});
