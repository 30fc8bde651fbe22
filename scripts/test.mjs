// Runs the test tiers and prints one closing line "N passed, N failed, N skipped".
// usage: node scripts/test.mjs [unit|integration|lean|vscode|ui ...]   (no argument: every tier)
// Tiers:
//   unit         core logic in plain Node (no vscode, no processes)
//   integration  real processes: the scripted Lean server, the OpenAI-compatible test server, the CLI
//   lean         a real Lean 4 when `lean` is on PATH; otherwise skipped with the reason
//   vscode       mocha inside a real VS Code extension host (code-server + @vscode/test-electron)
//   ui           a real VS Code driven like a person (playwright-core + chromium), screenshots saved
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const all = ['unit', 'integration', 'lean', 'vscode', 'ui'];
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : all;
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function mochaTier(name, globs, extra = []) {
  const stats = path.join(os.tmpdir(), `oprover-test-${process.pid}-${name}.json`);
  fs.rmSync(stats, { force: true });
  const files = globs.flatMap((dir) => walk(path.join(root, dir)).filter((f) => f.endsWith('.test.ts'))).sort();
  if (files.length === 0) {
    lines.push(`${name}: no test files`);
    return;
  }
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'node_modules/mocha/bin/mocha.js'), '--reporter', path.join(root, 'scripts/mocha-reporter.cjs'), ...extra, ...files],
    { cwd: root, stdio: 'inherit', env: { ...process.env, OPROVER_TEST_STATS: stats } },
  );
  let s = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(stats)) s = JSON.parse(fs.readFileSync(stats, 'utf8'));
  if (r.status !== 0 && s.failed === 0) s.failed = 1; // crashed before reporting
  totals.passed += s.passed;
  totals.failed += s.failed;
  totals.skipped += s.skipped;
  lines.push(`${name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
}

/** A tier that runs its own runner script, which writes its counts to OPROVER_TEST_STATS. */
function scriptTier(name, script) {
  const stats = path.join(os.tmpdir(), `oprover-test-${process.pid}-${name}.json`);
  fs.rmSync(stats, { force: true });
  if (!fs.existsSync(path.join(root, script))) {
    lines.push(`${name}: no runner yet`);
    return;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, script)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OPROVER_TEST_STATS: stats },
  });
  let s = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(stats)) s = JSON.parse(fs.readFileSync(stats, 'utf8'));
  if (r.status !== 0 && s.failed === 0) s.failed = 1;
  totals.passed += s.passed;
  totals.failed += s.failed;
  totals.skipped += s.skipped;
  lines.push(`${name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${s.note ? ` (${s.note})` : ''}`);
}

for (const tier of tiers) {
  switch (tier) {
    case 'unit':
      mochaTier('unit', ['test/unit']);
      break;
    case 'integration':
      mochaTier('integration', ['test/integration'], ['--timeout', '60000']);
      break;
    case 'lean':
      mochaTier('lean', ['test/lean'], ['--timeout', '300000']);
      break;
    case 'vscode':
      scriptTier('vscode', 'test/vscode/run.ts');
      break;
    case 'ui':
      scriptTier('ui', 'test/ui/run.ts');
      break;
    default:
      console.error(`unknown tier ${tier}; known: ${all.join(', ')}`);
      process.exit(2);
  }
}
console.log('\n' + lines.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
