// Runs the benchmarks and writes bench/results/summary.json.
// usage: npm run bench [-- name...]     (names: verify, retrieval, loop, e2e; default: every bench/<name>.ts)
// Each bench runs as `node --import tsx bench/<name>.ts` and writes bench/results/<name>.json with a
// `headline` object. A bench may exit non-zero with a reason (e.g. verify without Lean): that is
// recorded as its status, the others still run, and the run itself then exits 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const benchDir = path.join(root, 'bench');
const resultsDir = path.join(benchDir, 'results');
const ORDER = ['verify', 'retrieval', 'loop', 'e2e', 'extract'];

const available = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const requested = process.argv.slice(2);
for (const name of requested) {
  if (!available.includes(name)) {
    console.error(`bench: no bench/${name}.ts (available: ${available.join(', ') || 'none'})`);
    process.exit(2);
  }
}
const names = (requested.length > 0 ? requested : available).sort((a, b) => {
  const ia = ORDER.indexOf(a) < 0 ? ORDER.length : ORDER.indexOf(a);
  const ib = ORDER.indexOf(b) < 0 ? ORDER.length : ORDER.indexOf(b);
  return ia - ib || a.localeCompare(b);
});

fs.mkdirSync(resultsDir, { recursive: true });
const summaryPath = path.join(resultsDir, 'summary.json');
// Keep the entries of benches not run this time, so `npm run bench -- e2e` updates only e2e.
let previous = {};
try {
  previous = JSON.parse(fs.readFileSync(summaryPath, 'utf8')).benches ?? {};
} catch {
  previous = {};
}

const benches = { ...previous };
for (const name of names) {
  const resultFile = path.join(resultsDir, `${name}.json`);
  const before = fs.existsSync(resultFile) ? fs.statSync(resultFile).mtimeMs : 0;
  console.log(`\n=== bench ${name} ===`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(benchDir, `${name}.ts`)], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  if (r.stderr) process.stderr.write(r.stderr);
  const fresh = fs.existsSync(resultFile) && fs.statSync(resultFile).mtimeMs > before;
  let headline = null;
  if (fresh) {
    try {
      headline = JSON.parse(fs.readFileSync(resultFile, 'utf8')).headline ?? null;
    } catch {
      headline = null;
    }
  }
  const lastLines = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  const status = r.status === 0 ? 'ok' : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  benches[name] = {
    status,
    reason: r.status === 0 ? undefined : lastLines || 'no output',
    seconds: Math.round(seconds * 10) / 10,
    result: fresh ? path.relative(root, resultFile) : undefined,
    headline,
    ranAt: new Date().toISOString(),
  };
  console.log(`=== ${name}: ${status} in ${seconds.toFixed(1)} s${headline ? `: ${JSON.stringify(headline)}` : ''}`);
}

const cpus = os.cpus();
const summary = {
  machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.platform()} ${os.release()}` },
  benches,
};
fs.writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + '\n');
console.log(`\nwrote ${path.relative(root, summaryPath)}`);
for (const [name, b] of Object.entries(benches)) console.log(`  ${name.padEnd(10)} ${b.status}${b.reason ? ` (${b.reason.slice(0, 160)})` : ''}`);
// The run's own exit status: non-zero when a bench of this run failed (verify without Lean, say),
// after the others ran and the summary was written.
const failed = names.filter((name) => benches[name].status !== 'ok');
if (failed.length > 0) {
  console.log(`\n${failed.length} bench${failed.length === 1 ? '' : 'es'} did not run to the end: ${failed.join(', ')}`);
  process.exitCode = 1;
}
