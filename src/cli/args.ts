// Command-line parsing and configuration for the `oprover` CLI: flags, environment variables and an
// optional JSON config file, merged over the defaults and validated by the shared resolveConfig.
import { parseArgs } from 'node:util';
import { ConfigError, resolveConfig, type OProverConfig } from '../config';
import { ExitCode } from './exit-codes';

export type Command = 'prove' | 'check' | 'index' | 'import' | 'search' | 'optimize' | 'help' | 'version';

export interface CliOptions {
  command: Command;
  positionals: string[];
  endpoints: string[];
  model?: string;
  rounds?: number;
  samples?: number;
  k?: number;
  concurrency?: number;
  lean?: string;
  lake?: string;
  sandbox?: string;
  configFile?: string;
  report?: string;
  statePath?: string;
  bankDir?: string;
  kimina?: string;
  insert: boolean;
  json: boolean;
  fresh: boolean;
  retryFailed: boolean;
  index: boolean;
  quiet: boolean;
  /** Search mode: the pre-pass and the proof-state search only, no model rounds. */
  search: boolean;
  searchBudget?: number;
  /** `optimize --metric`: length, readability, characters or custom (default oprover.optimizeMetric). */
  metric?: string;
  /** `import --declarations`: the file is a declaration dump (statements only), not a proof corpus. */
  declarations: boolean;
}

/** A mistake in how the CLI was called or configured; exits with ExitCode.Usage. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMANDS: Command[] = ['prove', 'check', 'index', 'import', 'search', 'optimize', 'help', 'version'];

function int(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--${name} expects a whole number, got "${raw}"`);
  return Number(raw);
}

export function parseCli(argv: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        endpoint: { type: 'string', multiple: true },
        model: { type: 'string' },
        rounds: { type: 'string' },
        samples: { type: 'string' },
        k: { type: 'string' },
        concurrency: { type: 'string', short: 'j' },
        lean: { type: 'string' },
        lake: { type: 'string' },
        sandbox: { type: 'string' },
        config: { type: 'string' },
        report: { type: 'string' },
        state: { type: 'string' },
        bank: { type: 'string' },
        kimina: { type: 'string' },
        insert: { type: 'boolean' },
        json: { type: 'boolean' },
        fresh: { type: 'boolean' },
        'retry-failed': { type: 'boolean' },
        'no-index': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        search: { type: 'boolean' },
        'search-budget': { type: 'string' },
        metric: { type: 'string' },
        declarations: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(err));
  }
  const { values, positionals } = parsed;
  let command: Command;
  let rest = positionals;
  if (values.help) command = 'help';
  else if (values.version) command = 'version';
  else if (positionals.length === 0) command = 'help';
  else {
    const first = positionals[0]!;
    if (!(COMMANDS as string[]).includes(first)) throw new UsageError(`unknown command "${first}"; expected one of: prove, check, index, import, search, optimize, help`);
    command = first as Command;
    rest = positionals.slice(1);
  }
  const options: CliOptions = {
    command,
    positionals: rest,
    endpoints: values.endpoint ?? [],
    model: values.model,
    rounds: int('rounds', values.rounds),
    samples: int('samples', values.samples),
    k: int('k', values.k),
    concurrency: int('concurrency', values.concurrency),
    lean: values.lean,
    lake: values.lake,
    sandbox: values.sandbox,
    configFile: values.config,
    report: values.report,
    statePath: values.state,
    bankDir: values.bank,
    kimina: values.kimina,
    insert: values.insert ?? false,
    json: values.json ?? false,
    fresh: values.fresh ?? false,
    retryFailed: values['retry-failed'] ?? false,
    index: !(values['no-index'] ?? false),
    quiet: values.quiet ?? false,
    search: values.search ?? false,
    searchBudget: int('search-budget', values['search-budget']),
    declarations: values.declarations ?? false,
  };
  if (options.declarations && command !== 'import') throw new UsageError('--declarations applies to `oprover import` only');
  if (command === 'search' && (rest.length === 0 || !rest[0]!.trim())) throw new UsageError('`oprover search` needs a STATEMENT (quote it), e.g. oprover search "theorem t (n : Nat) : n + 0 = n"');
  if (values.metric !== undefined) {
    if (command !== 'optimize') throw new UsageError('--metric applies to `oprover optimize` only');
    options.metric = values.metric;
  }
  if ((command === 'prove' || command === 'check' || command === 'import' || command === 'optimize') && rest.length === 0) {
    throw new UsageError(`\`oprover ${command}\` needs a ${command === 'import' ? (options.declarations ? 'DECLARATIONS.jsonl file' : 'CORPUS.jsonl file') : command === 'check' ? 'FILE.lean' : 'PATH (a .lean file or a folder)'}`);
  }
  if (rest.length > 1 && command !== 'prove' && command !== 'optimize') throw new UsageError(`\`oprover ${command}\` takes one path, got ${rest.length}`);
  return options;
}

/** What the environment contributes; only these variables are read. */
export interface CliEnvironment {
  OPROVER_ENDPOINT?: string;
  OPROVER_MODEL?: string;
  OPROVER_API_KEY?: string;
  OPROVER_KIMINA_URL?: string;
  OPROVER_KIMINA_API_KEY?: string;
}

export interface ResolvedCli {
  config: OProverConfig;
  apiKey?: string;
  kimina?: { url: string; apiKey?: string };
}

/**
 * The effective configuration: defaults, then the JSON config file, then environment variables,
 * then flags. `readConfigFile` returns the file's text (injected so this stays testable).
 */
export function resolveCliConfig(options: CliOptions, env: CliEnvironment, readConfigFile: (path: string) => string): ResolvedCli {
  let fromFile: Record<string, unknown> = {};
  if (options.configFile) {
    let text: string;
    try {
      text = readConfigFile(options.configFile);
    } catch (err) {
      throw new UsageError(`cannot read --config ${options.configFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--config ${options.configFile} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new UsageError(`--config ${options.configFile} must hold a JSON object of settings`);
  }
  const user: Record<string, unknown> = { ...fromFile };

  const model = options.model ?? env.OPROVER_MODEL?.trim();
  const urls = options.endpoints.length > 0 ? options.endpoints : (env.OPROVER_ENDPOINT ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length > 0) user.endpoints = urls.map((baseUrl) => ({ baseUrl, model: model ?? '' }));
  else if (model !== undefined && Array.isArray(user.endpoints)) {
    user.endpoints = (user.endpoints as Record<string, unknown>[]).map((e) => ({ ...e, model: typeof e?.model === 'string' && e.model ? e.model : model }));
  }
  if (options.rounds !== undefined) user.rounds = options.rounds;
  if (options.samples !== undefined) user.samplesPerRound = options.samples;
  if (options.k !== undefined) user.retrievalK = options.k;
  if (options.concurrency !== undefined) user.batchConcurrency = options.concurrency;
  if (options.lean !== undefined) user.leanPath = options.lean;
  if (options.lake !== undefined) user.lakePath = options.lake;
  if (options.sandbox !== undefined) user.leanSandbox = options.sandbox;
  if (options.searchBudget !== undefined) user.searchBudget = options.searchBudget;
  if (options.metric !== undefined) user.optimizeMetric = options.metric;
  user.insertMode = options.insert ? 'insert-all' : 'report-only';

  let config: OProverConfig;
  try {
    config = resolveConfig(user as Partial<Record<keyof OProverConfig, unknown>>);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const out: ResolvedCli = { config };
  const key = env.OPROVER_API_KEY?.trim();
  if (key) out.apiKey = key;
  const kiminaUrl = options.kimina ?? env.OPROVER_KIMINA_URL?.trim();
  if (kiminaUrl) {
    out.kimina = { url: kiminaUrl };
    const kiminaKey = env.OPROVER_KIMINA_API_KEY?.trim();
    if (kiminaKey) out.kimina.apiKey = kiminaKey;
  }
  return out;
}

export const HELP = `oprover — prove Lean 4 sorries with the OProver repair loop, from the command line

usage:
  oprover prove PATH...     prove every sorry in a .lean file or a folder / Lake project
  oprover check FILE        check the file's existing proofs through the acceptance gate
  oprover index [PATH]      add the complete proofs of a project's .lean files to its memory bank
  oprover import CORPUS     add a JSONL proof corpus to the memory bank
  oprover import --declarations DUMP
                            add a JSONL declaration dump (statements only, e.g. Mathlib's), listed
                            in prompts as lemmas that may help, never as proofs
  oprover search STATEMENT  show the proofs the bank retrieves for a statement (--k N, default 8; --json)
  oprover optimize PATH...  rewrite complete proofs to improve a metric (only verified, strictly better rewrites count)
  oprover help | --version

options:
  --endpoint URL       OpenAI-compatible endpoint (repeat for several); env OPROVER_ENDPOINT (comma-separated)
  --model NAME         model name at the endpoint; env OPROVER_MODEL. API key: env OPROVER_API_KEY
  --rounds N           model rounds per sorry (default 4)
  --samples N          samples per round (default 4)
  --k N                retrieved proofs per prompt (default 4)
  -j, --concurrency N  sorries proved at once (default 2)
  --lean PATH          lean executable (default: lean on PATH, else ~/.elan/bin/lean)
  --lake PATH          lake executable (default: lake next to lean)
  --sandbox MODE       auto (default: Lean without network where bubblewrap works), no-network, off
  --kimina URL         check candidates on a kimina-lean-server instead of a local Lean;
                       env OPROVER_KIMINA_URL, key OPROVER_KIMINA_API_KEY
  --config FILE        JSON object of settings (the keys of the oprover.* settings, e.g. "rounds")
  --report FILE        write the JSON report there
  --json               print the JSON report on stdout instead of the summary
  --insert             write verified proofs into the files (only over unchanged text)
  --state FILE         resume file (default PROJECT/.oprover/state.json)
  --fresh              ignore earlier results in the state file
  --retry-failed       redo sorries an earlier run finished without a proof
  --bank DIR           memory bank folder (default PROJECT/.oprover/bank)
  --no-index           do not add the project's complete proofs to the bank before proving
  -q, --quiet          no progress output
  --search             search mode: the pre-pass and the proof-state search over goal states only
                       (no model rounds, no endpoint needed)
  --search-budget N    Lean probes of the proof-state search per sorry (default 96; 0 turns it off)
  --declarations       import: the file is a declaration dump (name, type; no proofs)
  --metric NAME        optimize: length (tactic steps, default), readability, characters, or custom
                       (weights from the optimizeCustomWeights setting in --config)

exit codes:
  0  every sorry proved (or none found)
  1  the run completed and some sorries stayed unproved
  2  usage or configuration error
  3  setup incomplete: no Lean toolchain, no reachable checker, or no inference endpoint, so some
     sorries could not be attempted fully; what ran locally is reported and the summary says what to install
  4  infrastructure failure (the checker or the endpoint failed while proving)
  130 interrupted (Ctrl-C); finished sorries are kept in the state file and a re-run continues
`;
