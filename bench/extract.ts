// Cost of reading a hostile reply: extraction and screening of the worst inputs we know (lines
// starting with `|`, unclosed `«`, unclosed `'\u{`, runs of configuration items, many `open … in`)
// at 25, 50, 100 and 150 KB (the answer limit is 200 KB), beside a linear baseline measured in the same run (reading the same
// number of characters of an ordinary proof through the same path). Linear code keeps each ratio flat as the size
// doubles; a quadratic scan doubles it. Writes bench/results/extract.json.
import fs from 'node:fs';
import path from 'node:path';
import { candidateFromReply } from '../src/core/extract';
import { screenBody } from '../src/core/screen';
import { findSorries } from '../src/core/source';
import type { ProofTarget } from '../src/core/types';

const TEXT = 'theorem t (a b : Nat) : a + b = b + a := by sorry\n';
const sorry = findSorries(TEXT)[0]!;
const target: ProofTarget = { file: 'T.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
const HEADER = 'theorem t (a b : Nat) : a + b = b + a';

/** Fills a pattern up to `size` characters. */
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const WORST: Record<string, (size: number) => string> = {
  'pipe-lines': (n) => '```lean4\n' + HEADER + '\n' + fill('| x\n', n) + '```',
  'unclosed-guillemets': (n) => '```lean4\n' + HEADER + ' := by\n  exact ' + fill('a «', n) + '\n```',
  'unclosed-char-escapes': (n) => '```lean4\n' + HEADER + ' := by\n  exact ' + fill("'\\u{", n) + '\n```',
  'config-items': (n) => '```lean4\n' + HEADER + ' := by\n  simp ' + fill('(maxSteps := 1) ', n) + '\n```',
  'opens': (n) => '```lean4\n' + HEADER + ' := by\n' + fill('  open A B C in\n  exact h\n', n) + '```',
};
const BASELINE = (n: number) => '```lean4\n' + HEADER + ' := by\n' + fill('  rw [Nat.add_comm a b]\n  simp only [h]\n', n) + '```';

/**
 * Fastest of `repeat` runs of each, interleaved: on a loaded machine the fastest run is the one
 * least disturbed, and interleaving exposes both to the same load.
 */
function bestMs(a: () => unknown, b: () => unknown, repeat = 15): [number, number] {
  let bestA = Infinity;
  let bestB = Infinity;
  for (let i = 0; i < repeat; i++) {
    let t = process.hrtime.bigint();
    a();
    bestA = Math.min(bestA, Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    b();
    bestB = Math.min(bestB, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return [bestA, bestB];
}

/** What the loop does with a reply: extraction, then screening of the body it yields. */
function read(reply: string): void {
  const e = candidateFromReply(reply, target, { kind: 'model', round: 1, sample: 0 });
  if (e.ok) screenBody(e.candidate.body, { allowNativeDecide: false });
}

const sizes = [25_000, 50_000, 100_000, 150_000];
const rows: Record<string, { size: number; ms: number; baseline_ms: number; ratio: number }[]> = {};
for (const [name, make] of Object.entries(WORST)) {
  rows[name] = sizes.map((size) => {
    const reply = make(size);
    const base = BASELINE(size);
    const [ms, baselineMs] = bestMs(() => read(reply), () => read(base));
    return { size, ms: +ms.toFixed(2), baseline_ms: +baselineMs.toFixed(2), ratio: +(ms / Math.max(baselineMs, 0.01)).toFixed(2) };
  });
}
// Growth of the ratio from 25 KB to 150 KB: about 1 for linear code, about 6 for a quadratic scan.
const growth = Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, +(r[3]!.ratio / Math.max(r[0]!.ratio, 0.01)).toFixed(2)]));
const headline = { worst_ratio_growth_25k_to_150k: Math.max(...Object.values(growth)), ratio_growth: growth, quadratic_would_be: 6 };
const out = { bench: 'extract', at: new Date().toISOString(), headline, rows };
const dir = path.join(import.meta.dirname, 'results');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'extract.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(headline, null, 2));
