// The `oprover` command line: prove, check, index, import, optimize. See `oprover help` and docs/cli.md.
// main.ts runs it; tests call main() directly.
import { runBounded } from '../core/bounded';
import fs from 'node:fs';
import path from 'node:path';
import pkg from '../../package.json';
import { makeCandidate } from '../core/extract';
import { findDeclarations, findSorries } from '../core/source';
import type { ProofTarget, Verdict } from '../core/types';
import { importCorpus, importDeclarations, indexWorkspace, type ImportResult } from '../retrieval/indexer';
import { HELP, parseCli, resolveCliConfig, UsageError, type CliOptions, type ResolvedCli } from './args';
import { isLakeProject, projectRootOf } from '../lean/project';
import { collectInputs, walkLeanFiles } from './discover';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { buildPorts, buildVerifier, defaultBankDir, openBank } from './ports';
import { Progress } from './progress';
import { optimizeSummary, runOptimize } from './optimize-run';
import { runProve } from './prove-run';
import { commandSearch } from './search';
import { isMetricId } from '../core/optimize/metrics';
import { summaryText } from './report';

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (): void => {
    count++;
    if (count === 1) {
      log('\noprover: interrupted; finishing the state file (press Ctrl-C again to quit at once)');
      controller.abort();
    } else {
      process.exit(ExitCode.Interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}


/** The ports a run builds per project root: Lean, the endpoint and the memory bank, from the command line. */
function portsFor(options: CliOptions, resolved: ResolvedCli) {
  return (root: string, isLake: boolean) =>
    buildPorts(root, isLake, { config: resolved.config, apiKey: resolved.apiKey, kimina: resolved.kimina, bankDir: options.bankDir, log: options.quiet ? () => undefined : log });
}

async function commandProve(options: CliOptions, resolved: ResolvedCli): Promise<ExitCodeValue> {
  const signal = interruptSignal();
  const report = await runProve({
    paths: options.positionals,
    config: resolved.config,
    insert: options.insert,
    fresh: options.fresh,
    retryFailed: options.retryFailed,
    index: options.index,
    searchOnly: options.search,
    statePath: options.statePath,
    signal,
    ports: portsFor(options, resolved),
    progress: (total) => {
      if (!options.quiet) log(`oprover: ${total} target${total === 1 ? '' : 's'} with sorry under ${options.positionals.join(' ')}`);
      return new Progress(process.stderr, total, !options.quiet);
    },
  });
  if (options.report) writeJson(options.report, report);
  if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(summaryText(report, options.report) + '\n');
  return report.exitCode;
}

async function commandOptimize(options: CliOptions, resolved: ResolvedCli): Promise<ExitCodeValue> {
  const metric = resolved.config.optimizeMetric;
  if (!isMetricId(metric)) throw new UsageError(`--metric ${metric}: expected one of length, readability, characters, custom`);
  const signal = interruptSignal();
  const report = await runOptimize({
    paths: options.positionals,
    config: resolved.config,
    metric,
    insert: options.insert,
    fresh: options.fresh,
    retryFailed: options.retryFailed,
    index: options.index,
    statePath: options.statePath,
    signal,
    ports: portsFor(options, resolved),
    progress: (total) => {
      if (!options.quiet) log(`oprover: ${total} complete proof${total === 1 ? '' : 's'} to optimize (${metric}) under ${options.positionals.join(' ')}`);
      return new Progress(process.stderr, total, !options.quiet, 'improved');
    },
  });
  if (options.report) writeJson(options.report, report);
  if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(optimizeSummary(report, options.report) + '\n');
  return report.exitCode;
}

interface CheckItem {
  file: string;
  line: number;
  declaration: string;
  status: 'passed' | 'failed' | 'incomplete';
  reason: string;
  rule?: string;
  timeMs: number;
}

async function commandCheck(options: CliOptions, resolved: ResolvedCli): Promise<ExitCodeValue> {
  const file = path.resolve(options.positionals[0]!);
  if (!file.endsWith('.lean') || !fs.existsSync(file)) throw new UsageError(`${options.positionals[0]}: not an existing .lean file`);
  const root = projectRootOf(path.dirname(file)).root;
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(root, file).split(path.sep).join('/');
  const sorryDecls = new Set(findSorries(text).map((s) => s.declaration?.start));
  const decls = findDeclarations(text).filter((d) => (d.kind === 'theorem' || d.kind === 'lemma' || d.kind === 'example') && d.body.trim().startsWith(':='));
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const items: CheckItem[] = [];
  const { verifier, description, missing } = await buildVerifier(root, isLakeProject(root), {
    config: resolved.config,
    kimina: resolved.kimina,
    log: options.quiet ? () => undefined : log,
  });
  if (!verifier) {
    const out = { tool: 'oprover', command: 'check', file: rel, checker: description, missing: [missing!], declarations: decls.length, items, exitCode: ExitCode.SetupIncomplete };
    if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else process.stdout.write(`${rel}: ${decls.length} declarations with proofs, none checked.\nSetup incomplete:\n  - ${missing!.message}\nexit ${ExitCode.SetupIncomplete}\n`);
    return ExitCode.SetupIncomplete;
  }
  const signal = interruptSignal();
  try {
    await runBounded(
      decls,
      resolved.config.batchConcurrency,
      async (d) => {
        const name = d.fullName ?? d.name ?? 'example';
        const line = lineOf(d.start);
        if (sorryDecls.has(d.start)) {
          items.push({ file: rel, line, declaration: name, status: 'incomplete', reason: 'the proof uses sorry', timeMs: 0 });
          return;
        }
        const position = { line: line - 1, character: 0 };
        const target: ProofTarget = { file, projectRoot: root, text, version: 0, declaration: d, sorry: { offset: d.bodyStart, range: { start: position, end: position }, declaration: d } };
        const candidate = makeCandidate(target, d.body.trim(), { kind: 'replay', proofId: 'existing-proof' });
        let verdict: Verdict | undefined;
        try {
          verdict = (await verifier.verify({ target, candidates: [candidate], timeoutMs: resolved.config.candidateTimeoutMs }, signal)).get(candidate.id);
        } catch (err) {
          verdict = { kind: 'infra-error', reason: err instanceof Error ? err.message : String(err), messages: [], feedback: '', elapsedMs: 0 };
        }
        const item: CheckItem = { file: rel, line, declaration: name, status: verdict?.kind === 'proved' ? 'passed' : 'failed', reason: verdict?.reason ?? 'no verdict', timeMs: verdict?.elapsedMs ?? 0 };
        if (verdict?.rule) item.rule = verdict.rule;
        items.push(item);
        if (!options.quiet) log(`${item.status.padEnd(10)} ${rel}:${line} ${name} — ${item.reason}`);
      },
      signal,
    );
  } finally {
    await verifier.dispose().catch(() => undefined);
  }
  items.sort((a, b) => a.line - b.line);
  const failed = items.filter((i) => i.status !== 'passed').length;
  const code = signal.aborted ? ExitCode.Interrupted : failed > 0 ? ExitCode.Unproved : ExitCode.Ok;
  const out = { tool: 'oprover', command: 'check', file: rel, checker: description, missing: [], declarations: decls.length, items, exitCode: code };
  if (options.report) writeJson(options.report, out);
  if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else process.stdout.write(`${rel}: ${items.length - failed} of ${items.length} proofs pass the gate (${description})\nexit ${code}\n`);
  return code;
}

async function commandIndex(options: CliOptions, resolved: ResolvedCli): Promise<ExitCodeValue> {
  let inputs;
  try {
    inputs = collectInputs([options.positionals[0] ?? '.']);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const files = inputs.isLakeProject ? walkLeanFiles(inputs.root) : inputs.files;
  const bankDir = options.bankDir ?? defaultBankDir(inputs.root);
  const bank = openBank(bankDir, resolved.config, options.quiet ? () => undefined : log);
  try {
    const rel = files.map((f) => path.relative(inputs.root, f).split(path.sep).join('/'));
    const r = await indexWorkspace(bank, rel, { root: inputs.root, signal: interruptSignal(), replace: true });
    const stats = await bank.stats();
    const out = { tool: 'oprover', command: 'index', root: inputs.root, bank: bankDir, ...r, records: stats.records };
    if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else {
      process.stdout.write(`indexed ${r.files} files: ${r.theorems} complete proofs, ${r.added} new, ${r.duplicates} already stored, ${r.removed} changed or gone removed; the bank at ${bankDir} holds ${stats.records}\n`);
      for (const f of r.failed) process.stdout.write(`  could not read ${f.file}: ${f.error}\n`);
    }
    return r.cancelled ? ExitCode.Interrupted : ExitCode.Ok;
  } finally {
    await bank.close();
  }
}

function malformedText(r: ImportResult): string {
  const lines = r.malformed.slice(0, 10).map((m) => `  line ${m.line}: ${m.error}\n`);
  if (r.malformed.length > 10) lines.push(`  … and ${r.malformed.length - 10} more\n`);
  return lines.join('');
}

async function commandImport(options: CliOptions, resolved: ResolvedCli): Promise<ExitCodeValue> {
  const corpus = path.resolve(options.positionals[0]!);
  if (!fs.existsSync(corpus)) throw new UsageError(`${options.positionals[0]}: no such file`);
  const cwd = process.cwd();
  const root = projectRootOf(cwd).root;
  const bankDir = options.bankDir ?? defaultBankDir(root);
  const bank = openBank(bankDir, resolved.config, options.quiet ? () => undefined : log);
  try {
    if (options.declarations) {
      // Statements without proofs: their own store beside the bank (no embedder, no proof record).
      const r = await importDeclarations(bank, corpus, { signal: interruptSignal() });
      const held = (await bank.declarations()).size;
      const out = { tool: 'oprover', command: 'import', kind: 'declarations', dump: corpus, bank: bankDir, ...r, declarations: held };
      if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      else process.stdout.write(`imported ${r.imported} declarations, statements only (${r.duplicates} already stored, ${r.malformed.length} lines skipped); ${bankDir} holds ${held} declarations\n${malformedText(r)}`);
      return r.cancelled ? ExitCode.Interrupted : ExitCode.Ok;
    }
    const r = await importCorpus(bank, corpus, { signal: interruptSignal() });
    const stats = await bank.stats();
    const out = { tool: 'oprover', command: 'import', corpus, bank: bankDir, ...r, records: stats.records };
    if (options.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else process.stdout.write(`imported ${r.imported} proofs (${r.duplicates} already stored, ${r.malformed.length} lines skipped); the bank at ${bankDir} holds ${stats.records}\n${malformedText(r)}`);
    return r.cancelled ? ExitCode.Interrupted : ExitCode.Ok;
  } finally {
    await bank.close();
  }
}

export async function main(argv: readonly string[]): Promise<ExitCodeValue> {
  let options: CliOptions;
  let resolved: ResolvedCli;
  try {
    options = parseCli(argv);
    if (options.command === 'help') {
      process.stdout.write(HELP);
      return ExitCode.Ok;
    }
    if (options.command === 'version') {
      process.stdout.write(`oprover ${pkg.version}\n`);
      return ExitCode.Ok;
    }
    resolved = resolveCliConfig(options, process.env, (f) => fs.readFileSync(f, 'utf8'));
    switch (options.command) {
      case 'prove':
        for (const p of options.positionals) if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
        return await commandProve(options, resolved);
      case 'check':
        return await commandCheck(options, resolved);
      case 'index':
        return await commandIndex(options, resolved);
      case 'import':
        return await commandImport(options, resolved);
      case 'search':
        return await commandSearch(options, resolved, (text) => process.stdout.write(text), log);
      case 'optimize':
        for (const p of options.positionals) if (!fs.existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
        return await commandOptimize(options, resolved);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      log(`oprover: ${err.message}\nRun \`oprover help\` for usage.`);
      return ExitCode.Usage;
    }
    log(`oprover: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.Infrastructure;
  }
}
