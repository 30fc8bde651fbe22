// Builds the shipped default embedder, models/lean-embedder.onnx (+ lean-embedder.json), from a
// JSONL proof corpus. Deterministic: the same corpus and options give the same bytes.
// usage: node --import tsx scripts/make-embedder.ts [--corpus FILE.jsonl] [--out DIR] [--dim N] [--buckets N] [--smoothing X]
// Default corpus: test/fixtures/retrieval/batteries-theorems.jsonl (Batteries, Apache-2.0).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildBuiltinModel, DEFAULT_BUILTIN_OPTIONS } from '../src/retrieval/builtin-model';
import { BUILTIN_META_FILE, BUILTIN_MODEL_FILE } from '../src/retrieval/embedder';

const root = path.resolve(__dirname, '..');

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** The declaration text of each corpus line: `decl`, or statement + proof, or OProofs' formal fields. */
export function corpusTexts(file: string): string[] {
  const texts: string[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const text = r.decl ?? (r.statement && r.proof ? `${r.statement} := ${r.proof}` : undefined) ?? (r.formal_proof ? `${r.formal_statement ?? ''}\n${r.formal_proof}` : undefined);
    if (typeof text === 'string') texts.push(text);
  }
  return texts;
}

function main(): void {
  const corpus = path.resolve(argument('corpus', path.join(root, 'test/fixtures/retrieval/batteries-theorems.jsonl')));
  const out = path.resolve(argument('out', path.join(root, 'models')));
  const options = {
    ...DEFAULT_BUILTIN_OPTIONS,
    dim: Number(argument('dim', String(DEFAULT_BUILTIN_OPTIONS.dim))),
    buckets: Number(argument('buckets', String(DEFAULT_BUILTIN_OPTIONS.buckets))),
    smoothing: Number(argument('smoothing', String(DEFAULT_BUILTIN_OPTIONS.smoothing))),
  };
  const texts = corpusTexts(corpus);
  const { onnx, meta } = buildBuiltinModel(texts, options);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, BUILTIN_MODEL_FILE), onnx);
  fs.writeFileSync(path.join(out, BUILTIN_META_FILE), JSON.stringify(meta, null, 2) + '\n');
  const sha = crypto.createHash('sha256').update(onnx).digest('hex');
  console.log(`make-embedder: ${texts.length} declarations → ${path.relative(root, out)}/${BUILTIN_MODEL_FILE} (${onnx.length} bytes, sha256 ${sha.slice(0, 16)}…), dim ${meta.dim}, ${meta.buckets} buckets`);
}

if (require.main === module) main();
