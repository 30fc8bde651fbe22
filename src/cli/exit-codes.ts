// The CLI's exit codes, documented in `oprover help` and docs/cli.md.
export const ExitCode = {
  /** Every sorry proved (or none found); for `check`, every proof passed the gate. */
  Ok: 0,
  /** The run completed, and some sorries stayed unproved (or some proofs failed the gate). */
  Unproved: 1,
  /** Usage or configuration error: nothing was attempted. */
  Usage: 2,
  /** Setup incomplete: no Lean toolchain / checker, or no inference endpoint, so some sorries could not be attempted fully. */
  SetupIncomplete: 3,
  /** The checker or the endpoint failed while proving (crash, unreachable mid-run). */
  Infrastructure: 4,
  /** Interrupted by Ctrl-C or SIGTERM; finished work is in the state file. */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
