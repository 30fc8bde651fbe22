// `oprover search "STATEMENT" [--k N] [--json]`: what the memory bank returns for a statement, as the
// prover would be shown it (ids, names, fused scores, sources).
import fs from 'node:fs';
import path from 'node:path';
import type { RetrievedProof } from '../core/types';
import { projectRootOf } from '../lean/project';
import type { CliOptions, ResolvedCli } from './args';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { defaultBankDir, openBank } from './ports';

/** Results shown when --k is not given. */
export const SEARCH_DEFAULT_K = 8;

function sourceText(p: RetrievedProof): string {
  const where = p.source.file ? `${p.source.file}${p.source.line ? `:${p.source.line}` : ''}` : '';
  return [p.source.kind, where].filter(Boolean).join(' ');
}

/** One line per result: rank, score, name (or id), source, then the statement's first line. */
export function searchText(results: readonly RetrievedProof[]): string {
  return results
    .map((p, i) => {
      const head = `${String(i + 1).padStart(2)}. ${p.score.toFixed(4)}  ${p.name ?? '(unnamed)'}  [${p.id}]  ${sourceText(p)}`;
      const statement = p.statement.split('\n')[0]!.trim();
      return `${head}\n      ${statement.length > 160 ? `${statement.slice(0, 157)}…` : statement}`;
    })
    .join('\n');
}

export async function commandSearch(options: CliOptions, resolved: ResolvedCli, write: (text: string) => void, log: (message: string) => void): Promise<ExitCodeValue> {
  const statement = options.positionals[0]!;
  const k = options.k ?? SEARCH_DEFAULT_K;
  const bankDir = options.bankDir ?? defaultBankDir(projectRootOf(process.cwd()).root);
  if (!fs.existsSync(path.join(bankDir, 'records.log'))) {
    log(`oprover: no memory bank at ${bankDir}; fill one with \`oprover index\` or \`oprover import CORPUS.jsonl\` (or point --bank at it)`);
    if (options.json) write(JSON.stringify({ tool: 'oprover', command: 'search', bank: bankDir, query: statement, k, results: [] }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const bank = openBank(bankDir, resolved.config, options.quiet ? () => undefined : log);
  try {
    const results = await bank.retrieve({ statement }, k);
    const stats = await bank.stats();
    if (options.json) {
      write(JSON.stringify({ tool: 'oprover', command: 'search', bank: bankDir, records: stats.records, embedder: stats.embedder, query: statement, k, results: results.map((p, i) => ({ rank: i + 1, ...p })) }, null, 2) + '\n');
    } else {
      write(`${results.length} of ${stats.records} proofs in ${bankDir} (embedder ${stats.embedder}):\n${searchText(results)}\n`);
    }
    return ExitCode.Ok;
  } finally {
    await bank.close();
  }
}
