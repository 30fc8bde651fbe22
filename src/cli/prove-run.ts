// `oprover prove`: every sorry under the given paths, proved with bounded concurrency through the
// same repair loop the editor uses, resumable through the state file, reported as JSON, and
// optionally written back into the files. When a prerequisite is missing (no Lean, no endpoint) it
// still runs what works locally — finding the targets, retrieving proofs to replay, preparing the
// pre-pass — and says exactly what is missing.
import fs from 'node:fs';
import path from 'node:path';
import type { OProverConfig } from '../config';
import type { JobEvent } from '../core/events';
import { prepassCandidates } from '../core/prepass';
import { prove, type GoalSource, type ProverPorts } from '../core/prover';
import { holeEditRange } from '../core/hole/splice';
import type { GoalOracleFactory } from '../core/search/round';
import type { StatesSource } from '../core/optimize/states';
import { screenBody } from '../core/screen';
import type { Candidate, Model, RetrievedProof, Retriever, Verifier, VerifiedProof } from '../core/types';
import { collectInputs, jobsForFile, walkLeanFiles, type ProofJob } from './discover';
import { insertProofs, type ProofEdit } from './insert';
import type { Progress } from './progress';
import { exitCodeFor, reportHeader, runJobs, totalsOf, type Missing, type ProveReport, type ReportItem } from './report';
import { StateStore, stateFilePath, type FinishedEntry } from '../state/resume';
import { withHelpers } from '../core/helpers';

/** The ports for one run, built by the caller (real ones in the CLI, in-memory ones in tests). */
export interface RunPorts {
  /** Absent when no checker is available; `missing` then says why. */
  verifier?: Verifier;
  verifierDescription: string;
  model?: Model;
  retriever?: Retriever;
  /** The goal at a sorry for prompts (a local Lean only). */
  goal?: GoalSource;
  /** Goals per tactic prefix (a local Lean): the proof-state search. */
  search?: GoalOracleFactory;
  /** Goals after each tactic line, for optimization prompts (a local Lean only). */
  states?: StatesSource;
  /** Adds the project's complete proofs to the memory bank before proving; returns a line to show. */
  indexProject?: (root: string, files: string[], signal: AbortSignal) => Promise<string>;
  /** Size of the memory bank, for the report. */
  bankProofs?: () => Promise<number>;
  bankDir?: string;
  missing: Missing[];
  dispose(): Promise<void>;
}

export interface ProveRunOptions {
  paths: string[];
  config: OProverConfig;
  insert: boolean;
  fresh: boolean;
  retryFailed: boolean;
  index: boolean;
  statePath?: string;
  signal: AbortSignal;
  /** Search mode: round 0 only (pre-pass and proof-state search); no endpoint is needed. */
  searchOnly?: boolean;
  /** Builds the ports once the project root is known. */
  ports: (root: string, isLakeProject: boolean) => Promise<RunPorts>;
  progress: (total: number) => Progress;
}

function describeOrigin(c: Candidate, retrievedNames: ReadonlyMap<string, string>): string {
  switch (c.origin.kind) {
    case 'tactic':
      return `pre-pass: tactic ${c.origin.tactic}`;
    case 'replay':
      return `pre-pass: replay of ${retrievedNames.get(c.origin.proofId) ?? c.origin.proofId}`;
    case 'model':
      return `model: round ${c.origin.round}, sample ${c.origin.sample + 1}`;
  }
}

function baseItem(job: ProofJob): ReportItem {
  return {
    file: job.relFile,
    line: job.line,
    declaration: job.declarationName,
    status: 'failed',
    rounds: 0,
    timeMs: 0,
    tokens: { prompt: 0, completion: 0 },
    reason: '',
    sorries: job.sorries.length,
    resumed: false,
  };
}

function fromState(job: ProofJob, entry: FinishedEntry): ReportItem {
  const item: ReportItem = {
    ...baseItem(job),
    status: entry.status,
    rounds: entry.rounds,
    timeMs: entry.elapsedMs,
    tokens: { prompt: entry.promptTokens, completion: entry.completionTokens },
    reason: entry.reason,
    resumed: true,
  };
  if (entry.proof !== undefined) item.proof = entry.proof;
  if (entry.origin !== undefined) item.origin = entry.origin;
  return item;
}

export async function runProve(options: ProveRunOptions): Promise<ProveReport> {
  const started = Date.now();
  const { config, signal } = options;
  const inputs = collectInputs(options.paths);
  const root = inputs.root;

  // Targets, read once: every edit is later checked against exactly this text.
  const texts = new Map<string, string>();
  const jobs: ProofJob[] = [];
  const items: ReportItem[] = [];
  for (const file of inputs.files) {
    const text = fs.readFileSync(file, 'utf8');
    texts.set(file, text);
    const found = jobsForFile(root, file, text);
    jobs.push(...found.jobs);
    for (const s of found.skipped) {
      items.push({ file: s.relFile, line: s.line, declaration: s.declarationName, status: 'skipped', rounds: 0, timeMs: 0, tokens: { prompt: 0, completion: 0 }, reason: s.reason, sorries: 1, resumed: false });
    }
  }

  const state = StateStore.open(options.statePath ?? stateFilePath(root));
  const progress = options.progress(jobs.length);
  if (state.warning) progress.log(`warning: ${state.warning}`);

  const itemByKey = new Map<string, ReportItem>();
  /** Targets whose proof uses helper lemmas of the reply: the text that replaces the whole declaration (the lemmas above it). */
  const withLemmas = new Map<string, string>();
  const pending: ProofJob[] = [];
  for (const job of jobs) {
    const entry = options.fresh ? undefined : state.get(job.key);
    if (entry && !(entry.status === 'failed' && options.retryFailed)) {
      const item = fromState(job, entry);
      itemByKey.set(job.key, item);
      progress.finished(job.key, item);
    } else {
      pending.push(job);
    }
  }

  const ports = pending.length > 0 ? await options.ports(root, inputs.isLakeProject) : undefined;
  const missing = (ports?.missing ?? []).filter((m) => !(options.searchOnly && m.what === 'endpoint'));
  let interrupted = false;
  let bankProofs: number | undefined;
  try {
    if (ports && options.index && ports.indexProject) {
      const projectFiles = inputs.isLakeProject ? walkLeanFiles(root) : inputs.files;
      try {
        progress.log(await ports.indexProject(root, projectFiles, signal));
      } catch (err) {
        progress.log(`warning: the memory bank could not be updated: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const proverPorts: ProverPorts | undefined = ports?.verifier ? { verifier: ports.verifier, retriever: ports.retriever, model: ports.model, goal: ports.goal, search: ports.search, states: ports.states } : undefined;

    const runJob = async (job: ProofJob): Promise<ReportItem> => {
      const item = baseItem(job);
      const label = `${job.relFile}:${job.line} ${job.declarationName}`;
      progress.started(job.key, label);
      const jobStarted = Date.now();
      if (!proverPorts) {
        // No checker: prepare what a checker would get, so the user sees the local part working.
        let retrieved: RetrievedProof[] = [];
        if (ports?.retriever && config.retrievalK > 0) {
          try {
            retrieved = await ports.retriever.retrieve({ statement: job.target.declaration.header, excludeName: job.target.declaration.fullName }, Math.max(config.retrievalK, config.prepassReplays), signal);
          } catch (err) {
            progress.log(`warning: retrieval failed for ${label}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        const pre = config.prepassEnabled ? prepassCandidates(job.target, config.prepassTactics, retrieved.slice(0, config.prepassReplays)) : [];
        item.status = 'blocked';
        item.retrieved = retrieved.map((r) => ({ name: r.name, score: r.score, source: r.source.file }));
        item.prepassCandidates = pre.length;
        item.reason = `not checked: ${missing.map((m) => m.what === 'lean' ? 'no Lean toolchain' : m.what === 'checker' ? 'no checker' : 'no endpoint').join(', ')} (${pre.length} pre-pass candidates ready, ${retrieved.length} retrieved)`;
        item.timeMs = Date.now() - jobStarted;
        return item;
      }
      const retrievedNames = new Map<string, string>();
      const result = await prove(job.target, config, proverPorts, {
        signal,
        searchOnly: options.searchOnly,
        onEvent: (e: JobEvent) => {
          if (e.type === 'round-started') progress.activity(job.key, `${label}: ${e.kind === 'prepass' ? 'pre-pass' : `round ${e.round}`}`);
          if (e.type === 'retrieved') for (const p of e.proofs) retrievedNames.set(p.id, p.name ?? p.source.file ?? p.id);
        },
      });
      item.rounds = result.rounds;
      item.timeMs = result.elapsedMs;
      item.tokens = { prompt: result.promptTokens, completion: result.completionTokens };
      item.reason = result.reason;
      if (result.search) item.search = { status: result.search.status, probes: result.search.probes, nodes: result.search.nodes, timeMs: result.search.elapsedMs };
      if (result.status === 'proved' && result.proof) {
        item.status = 'proved';
        // A hole's proof is the text that replaces its `sorry`; a whole proof is the body.
        item.proof = result.proof.holeEdit ? result.proof.holeEdit.text : result.proof.body;
        if (result.proof.helpers?.length) {
          // The lemmas go just above the declaration, as Lean checked them; the report shows both.
          const d = job.target.declaration;
          withLemmas.set(job.key, `${result.proof.helpers.map((h) => `${h.text}\n\n`).join('')}${job.target.text.slice(d.start, d.bodyStart)}${result.proof.body}`);
          item.proof = withHelpers(result.proof);
        }
        item.origin = result.search?.status === 'proved' ? `proof-state search: ${result.proof.origin.kind === 'tactic' ? result.proof.origin.tactic : ''}` : describeOrigin(result.proof, retrievedNames);
        // A hole's declaration may still hold the user's other holes: only whole proofs go to the bank.
        if (ports?.retriever && !job.target.sorry.hole) {
          const proof: VerifiedProof = {
            statement: job.target.declaration.header,
            proof: result.proof.declarationText,
            source: { kind: 'accepted', file: job.relFile, line: job.line },
          };
          if (job.target.declaration.fullName) proof.name = job.target.declaration.fullName;
          await ports.retriever.remember(proof).catch(() => undefined);
        }
      } else if (result.status === 'failed' && !proverPorts.model && !options.searchOnly) {
        item.status = 'blocked';
        item.reason = `the pre-pass${result.search ? ' and the proof-state search' : ''} found no proof, and model rounds need an inference endpoint`;
      } else if (result.status === 'error') {
        item.status = 'error';
      } else {
        item.status = result.status === 'proved' ? 'failed' : result.status;
      }
      if (item.status === 'proved' || item.status === 'failed') {
        const entry: FinishedEntry = {
          status: item.status,
          reason: item.reason,
          rounds: item.rounds,
          elapsedMs: item.timeMs,
          promptTokens: item.tokens.prompt,
          completionTokens: item.tokens.completion,
          finishedAt: new Date().toISOString(),
        };
        // A proof that needs its helper lemmas is not recorded for a later --insert without them.
        if (item.proof !== undefined && !withLemmas.has(job.key)) entry.proof = item.proof;
        if (item.origin !== undefined) entry.origin = item.origin;
        state.record(job.key, entry);
      }
      return item;
    };

    await runJobs(pending, {
      limit: config.batchConcurrency,
      signal,
      items: itemByKey,
      run: runJob,
      outcome: (job, outcome) => ({ ...baseItem(job), ...outcome }),
      finished: (job, item) => progress.finished(job.key, item),
    });
    interrupted = signal.aborted;
  } finally {
    progress.end();
    if (ports?.bankProofs) bankProofs = await ports.bankProofs().catch(() => undefined);
    await ports?.dispose().catch(() => undefined);
  }

  // Insertion, per file, against the text read at the start.
  if (options.insert) {
    const byFile = new Map<string, { job: ProofJob; item: ReportItem }[]>();
    for (const job of jobs) {
      const item = itemByKey.get(job.key);
      if (item?.status !== 'proved' || item.proof === undefined) continue;
      // A proof from the state file was verified by an earlier run, but the file is only a file:
      // screen it again so nothing but a proof body is ever written into the user's source.
      const recorded = job.target.sorry.hole ? `:= ${item.proof}` : item.proof;
      const screened = item.resumed ? screenBody(recorded, { allowNativeDecide: config.allowNativeDecide }) : { ok: true as const };
      if (!screened.ok) {
        item.inserted = false;
        item.insertSkipped = `the proof recorded in the state file is refused: ${screened.reason}`;
        continue;
      }
      byFile.set(job.file, [...(byFile.get(job.file) ?? []), { job, item }]);
    }
    for (const [file, entries] of byFile) {
      const edits: ProofEdit[] = entries.map(({ job, item }) => {
        const d = job.target.declaration;
        if (job.target.sorry.hole) {
          // Only the hole's `sorry` is replaced; the declaration around it must be as the job read it.
          const range = holeEditRange(job.target.text, job.target.sorry, item.proof!);
          return { key: job.key, declStart: d.start, bodyStart: range.start, declEnd: range.end, originalDecl: job.target.text.slice(d.start, d.end), body: item.proof! };
        }
        const lemmas = withLemmas.get(job.key);
        // With helper lemmas the whole declaration is replaced: the lemmas, then its own header and the proof.
        if (lemmas !== undefined) return { key: job.key, declStart: d.start, bodyStart: d.start, declEnd: d.end, originalDecl: job.target.text.slice(d.start, d.end), body: lemmas };
        return { key: job.key, declStart: d.start, bodyStart: d.bodyStart, declEnd: d.end, originalDecl: job.target.text.slice(d.start, d.end), body: item.proof! };
      });
      const outcome = insertProofs(file, texts.get(file)!, edits);
      for (const key of outcome.applied) itemByKey.get(key)!.inserted = true;
      for (const s of outcome.skipped) {
        const item = itemByKey.get(s.key)!;
        item.inserted = false;
        item.insertSkipped = s.reason;
      }
    }
  }

  for (const job of jobs) items.push(itemByKey.get(job.key)!);
  items.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const totals = totalsOf(items);
  const report: ProveReport = {
    ...reportHeader('prove', { started, root, files: inputs.files.length, config, verifier: ports?.verifierDescription ?? 'not needed (every target finished in an earlier run)' }),
    missing,
    interrupted,
    totals,
    exitCode: exitCodeFor(totals, interrupted),
    items,
  };
  if (ports?.bankDir) report.settings.bank = path.relative(root, ports.bankDir) || '.';
  if (bankProofs !== undefined) report.settings.bankProofs = bankProofs;
  return report;
}
