// Entry point of the bundled CLI (dist/cli.js, started by bin/oprover.js).
import { main } from './app';
import { ExitCode } from './exit-codes';

main(process.argv.slice(2)).then(
  (code) => {
    // Exit once stdout is flushed, even if a child process or a native thread pool is still winding down.
    process.stdout.write('', () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`oprover: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(ExitCode.Infrastructure);
  },
);
