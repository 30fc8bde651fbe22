// `oprover prove --search` as a user runs it: a real CLI process over a project whose Lean is the
// scripted server, no endpoint. The search closes the theorem, the report counts its probes, nodes
// and time, and search mode needs no endpoint (an unproved sorry exits 1, not 3).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv, project, root, runCli } from './cli-helpers';
import { CLOSING, FILE, SCRIPT } from './search-fixture';

const FAKE_LEAN = path.join(root, 'test/fixtures/lean-server/bin/lean');

describe('oprover prove --search (scripted Lean server, no endpoint)', function () {
  this.timeout(120_000);

  it('closes the sorry by the proof-state search and reports its probes; with no budget it exits 1', async () => {
    const dir = project({ 'Ex.lean': FILE, 'lean-fixture.json': JSON.stringify(SCRIPT), 'oprover.json': JSON.stringify({ verifierSlots: 2, prepassReplays: 0 }) });
    const run = await runCli(['prove', 'Ex.lean', '--search', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--no-index', '--report', 'report.json'], dir, cleanEnv());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const item = report.items[0];
    assert.equal(item.status, 'proved');
    assert.equal(item.proof, `:= by\n  induction n\n  rfl\n  ${CLOSING}`);
    assert.match(item.origin, /^proof-state search: induction n; rfl; simp_all/);
    assert.equal(item.search.status, 'proved');
    assert.ok(item.search.probes > 0 && item.search.nodes >= item.search.probes, JSON.stringify(item.search));
    assert.match(run.stdout, /\[search: \d+ probes, \d+ nodes, [\d.]+ s\]/);

    const off = await runCli(['prove', 'Ex.lean', '--search', '--search-budget', '0', '--fresh', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--no-index', '--report', 'off.json'], dir, cleanEnv());
    assert.equal(off.code, 1, off.stdout + off.stderr);
    const offItem = JSON.parse(fs.readFileSync(path.join(dir, 'off.json'), 'utf8')).items[0];
    assert.equal(offItem.status, 'failed');
    assert.equal(offItem.search, undefined);
  });
});
