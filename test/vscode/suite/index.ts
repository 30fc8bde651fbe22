// The test runner the extension host loads (runTests' extensionTestsPath): runs every bundled
// *.test.js next to it with mocha, prints a plain closing line, and writes the counts to the file
// named by OPROVER_VSCODE_STATS so that test/vscode/run.ts can report them.
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.OPROVER_VSCODE_TEST_TIMEOUT_MS ?? 60_000),
    grep: process.env.OPROVER_VSCODE_GREP || undefined,
  });
  const here = __dirname;
  for (const file of fs.readdirSync(here).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(here, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = { passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, skipped: runner.stats?.pending ?? 0 };
      console.log(`vscode: ${stats.passed} passed, ${stats.failed} failed, ${stats.skipped} skipped`);
      const statsFile = process.env.OPROVER_VSCODE_STATS;
      if (statsFile) fs.writeFileSync(statsFile, JSON.stringify(stats));
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
