// Spec output for people, plus the run's counts written to OPROVER_TEST_STATS for the tier summary.
const Mocha = require('mocha');
const fs = require('node:fs');

class SpecWithStats extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.OPROVER_TEST_STATS;
      if (!file) return;
      const s = runner.stats ?? {};
      fs.writeFileSync(file, JSON.stringify({ passed: s.passes ?? 0, failed: s.failures ?? 0, skipped: s.pending ?? 0 }));
    });
  }
}
module.exports = SpecWithStats;
