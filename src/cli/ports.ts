// Wires the wings into the core for the command line, as src/context.ts does for the editor: the
// Verifier (a local Lean server, or a kimina-lean-server), the Retriever (the project's memory bank
// under .oprover/bank) and the Model (the configured endpoints). Whatever is missing is reported as
// a Missing entry with the action that fixes it, never thrown.
import path from 'node:path';
import type { OProverConfig } from '../config';
import type { Model, Verifier } from '../core/types';
import type { GoalSource } from '../core/prover';
import type { GoalOracleFactory } from '../core/search/round';
import { EditorGoals, goalSource } from '../lean/editor-goals';
import { statesSource } from '../lean/states';
import type { StatesSource } from '../core/optimize/states';
import { KiminaVerifier } from '../lean/kimina';
import { tacticGoalsFactory } from '../lean/tactic-goals';
import { indexWorkspace } from '../retrieval/indexer';
import { memoryFromSettings, type MemoryBank } from '../retrieval/memory';
import type { RunPorts } from './prove-run';
import type { Missing } from './report';
import { findToolchain } from './toolchain';
import { createLocalVerifier, createModel } from './wings';

export interface PortOptions {
  config: OProverConfig;
  apiKey?: string;
  kimina?: { url: string; apiKey?: string };
  bankDir?: string;
  /** Skip the memory bank entirely (tests of other parts). */
  noBank?: boolean;
  log: (message: string) => void;
}

export const NO_ENDPOINT_MESSAGE = 'no inference endpoint configured: pass --endpoint URL (an OpenAI-compatible server such as vLLM or SGLang) or set OPROVER_ENDPOINT';

export function defaultBankDir(root: string): string {
  return path.join(root, '.oprover', 'bank');
}

export function openBank(dir: string, config: OProverConfig, log: (m: string) => void): MemoryBank {
  return memoryFromSettings(dir, config, log);
}

/** The verifier the options ask for, or what is missing. */
export async function buildVerifier(root: string, isLakeProject: boolean, options: PortOptions): Promise<{ verifier?: Verifier; goal?: GoalSource; search?: GoalOracleFactory; states?: StatesSource; description: string; missing?: Missing }> {
  if (options.kimina) {
    const verifier = new KiminaVerifier({
      baseUrl: options.kimina.url,
      apiKey: options.kimina.apiKey,
      allowNativeDecide: options.config.allowNativeDecide,
      maxFeedbackErrors: options.config.maxFeedbackErrors,
    });
    const available = await verifier.availability();
    if (!available.ok) return { description: verifier.description, missing: { what: 'checker', message: `${available.reason}: start the server or check --kimina / OPROVER_KIMINA_URL` } };
    return { verifier, description: verifier.description };
  }
  const toolchain = findToolchain(options.config.leanPath, options.config.lakePath);
  if (!toolchain.lean) return { description: 'none', missing: { what: 'lean', message: toolchain.problem! } };
  const verifier = createLocalVerifier(root, toolchain, options.config, options.log);
  const available = await verifier.availability();
  if (!available.ok) {
    await verifier.dispose().catch(() => undefined);
    return { description: `Lean at ${toolchain.lean}`, missing: { what: 'lean', message: available.reason } };
  }
  // The goal at a sorry, and the goals per tactic prefix of the search, come from the same server.
  return { verifier, goal: goalSource(new EditorGoals({ fallback: verifier.goalAt.bind(verifier), termFallback: (root, text, position, file) => verifier.goalAt(root, text, position, file, undefined, true) })), search: tacticGoalsFactory(verifier, options.config), states: statesSource(verifier), description: available.description };
}

export async function buildPorts(root: string, isLakeProject: boolean, options: PortOptions): Promise<RunPorts> {
  const missing: Missing[] = [];
  const { verifier, goal, search, states, description, missing: verifierMissing } = await buildVerifier(root, isLakeProject, options);
  if (verifierMissing) missing.push(verifierMissing);

  let model: Model | undefined;
  if (options.config.endpoints.length === 0) missing.push({ what: 'endpoint', message: NO_ENDPOINT_MESSAGE });
  else model = createModel(options.config, options.apiKey, (level, message) => {
    if (level === 'warn' || level === 'error') options.log(`endpoint: ${message}`);
  });

  const bankDir = options.bankDir ?? defaultBankDir(root);
  const bank = options.noBank ? undefined : openBank(bankDir, options.config, options.log);
  const ports: RunPorts = {
    verifier,
    goal,
    search,
    states,
    verifierDescription: description,
    model,
    retriever: bank,
    bankDir: bank ? bankDir : undefined,
    missing,
    async dispose() {
      await verifier?.dispose().catch(() => undefined);
      await bank?.close().catch(() => undefined);
    },
  };
  if (bank) {
    ports.indexProject = async (projectRoot, files, signal) => {
      const rel = files.map((f) => path.relative(projectRoot, f).split(path.sep).join('/'));
      const r = await indexWorkspace(bank, rel, { root: projectRoot, signal, replace: true });
      const stats = await bank.stats();
      return `memory bank ${path.relative(projectRoot, bankDir) || bankDir}: ${stats.records} proofs (${r.added} new from ${r.files} file${r.files === 1 ? '' : 's'})`;
    };
    ports.bankProofs = async () => (await bank.stats()).records;
  }
  return ports;
}
