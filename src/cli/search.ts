// `oprover search "STATEMENT" [--k N] [--json]`: what the memory bank returns for a statement, as the
// prover would be shown it (ids, names, fused scores, sources), and, when a declaration dump was
// imported, the declarations (statements only) the prompt would list as lemmas that may help.
import fs from 'node:fs';
import path from 'node:path';
import type { RetrievedProof } from '../core/types';
import { DECLARATIONS_FILE, type DeclarationHit } from '../retrieval/declaration-store';
import { declarationLine } from '../retrieval/declarations';
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

/** One line per declaration hit, marked as a declaration: rank, BM25 score, name, module, then `name : TYPE`. */
export function declarationSearchText(hits: readonly DeclarationHit[]): string {
  return hits
    .map((d, i) => {
      const head = `${String(i + 1).padStart(2)}. ${d.score.toFixed(4)}  ${d.name}  [declaration]  ${d.module ?? d.source.file}`;
      const line = declarationLine(d);
      return `${head}\n      ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`;
    })
    .join('\n');
}

export async function commandSearch(options: CliOptions, resolved: ResolvedCli, write: (text: string) => void, log: (message: string) => void): Promise<ExitCodeValue> {
  const statement = options.positionals[0]!;
  const k = options.k ?? SEARCH_DEFAULT_K;
  const bankDir = options.bankDir ?? defaultBankDir(projectRootOf(process.cwd()).root);
  const hasProofs = fs.existsSync(path.join(bankDir, 'records.log'));
  const hasDeclarations = fs.existsSync(path.join(bankDir, DECLARATIONS_FILE));
  if (!hasProofs && !hasDeclarations) {
    log(`oprover: no memory bank at ${bankDir}; fill one with \`oprover index\` or \`oprover import CORPUS.jsonl\` (or \`oprover import --declarations DUMP.jsonl\`; or point --bank at it)`);
    if (options.json) write(JSON.stringify({ tool: 'oprover', command: 'search', bank: bankDir, query: statement, k, results: [] }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const bank = openBank(bankDir, resolved.config, options.quiet ? () => undefined : log);
  try {
    // Proofs only when a bank exists (searching must not create one).
    const results = hasProofs ? await bank.retrieve({ statement }, k) : [];
    const stats = hasProofs ? await bank.stats() : { records: 0, embedder: undefined };
    const store = hasDeclarations ? await bank.declarations() : undefined;
    const declarations = store ? await bank.retrieveDeclarations({ statement }, k) : [];
    if (options.json) {
      const out: Record<string, unknown> = { tool: 'oprover', command: 'search', bank: bankDir, records: stats.records, embedder: stats.embedder, query: statement, k, results: results.map((p, i) => ({ rank: i + 1, ...p })) };
      if (store) {
        out.declarationRecords = store.size;
        out.declarationResults = declarations.map((d, i) => ({ rank: i + 1, kind: 'declaration', ...(d.kind ? { declarationKind: d.kind } : {}), name: d.name, signature: d.signature, line: declarationLine(d), module: d.module, doc: d.doc, source: d.source, score: d.score }));
      }
      write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const parts: string[] = [];
      if (hasProofs) parts.push(`${results.length} of ${stats.records} proofs in ${bankDir} (embedder ${stats.embedder}):\n${searchText(results)}`);
      if (store) parts.push(`${declarations.length} of ${store.size} imported declarations in ${bankDir} (statements only, not proofs; BM25):\n${declarationSearchText(declarations)}`);
      write(parts.join('\n\n') + '\n');
    }
    return ExitCode.Ok;
  } finally {
    await bank.close();
  }
}
