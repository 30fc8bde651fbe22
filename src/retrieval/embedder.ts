// Text → unit vectors through onnxruntime-node, with no network at any time. Two embedders:
// - BuiltinEmbedder: the model shipped in models/ (Lean-aware hashed features, see builtin-model.ts).
// - OnnxSentenceEmbedder: a sentence-embedding export the user brings (a folder with model.onnx and
//   tokenizer.json), pooled as it needs (mean, cls, or none when the model pools itself).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { ActionableError } from '../core/types';
import { FeatureThread } from './feature-thread';
import { hashedFeatures, packFeatures, type PackedFeatures } from './lean-features';
import type { BuiltinModelMeta } from './builtin-model';

export interface Embedder {
  /** Vector width. */
  readonly dim: number;
  /** Changes whenever vectors from this embedder are not comparable with older ones (model, pooling, features). */
  readonly fingerprint: string;
  /** One L2-normalised vector per text, packed row-major: texts.length × dim. */
  embed(texts: readonly string[]): Promise<Float32Array>;
  dispose(): Promise<void>;
  /**
   * True when a large `embed` call does its work off the caller's thread (the built-in model's
   * features): a bank then starts embedding a batch before working out which of it is new, since
   * the two run at once, and drops the vectors of duplicates.
   */
  readonly embedsOffThread?: boolean;
}

export type Pooling = 'mean' | 'cls' | 'none';

/** Where the shipped model lives: models/ at the package root, found from the bundle (dist/) or the sources (src/retrieval/). */
export function defaultModelsDir(): string {
  const candidates = [path.resolve(__dirname, '..', 'models'), path.resolve(__dirname, '..', '..', 'models')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, BUILTIN_MODEL_FILE))) ?? candidates[0]!;
}

export const BUILTIN_MODEL_FILE = 'lean-embedder.onnx';
export const BUILTIN_META_FILE = 'lean-embedder.json';

function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] };
}

/** First 32 hex digits of the SHA-256 of the parts (each length-prefixed, so parts cannot run together). */
export function contentHash(parts: readonly (Uint8Array | string)[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(bytes.length));
    hash.update(length).update(bytes);
  }
  return hash.digest('hex').slice(0, 32);
}

function l2NormalizeRows(data: Float32Array, dim: number): Float32Array {
  for (let base = 0; base < data.length; base += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += data[base + j]! * data[base + j]!;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < dim; j++) data[base + j]! /= norm;
  }
  return data;
}

async function openSession(modelPath: string, threads: number, what: string): Promise<ort.InferenceSession> {
  if (!fs.existsSync(modelPath)) {
    throw new ActionableError(`${what}: ${modelPath} does not exist`, 'embedder-missing-file');
  }
  try {
    return await ort.InferenceSession.create(modelPath, sessionOptions(threads));
  } catch (error) {
    throw new ActionableError(`${what}: onnxruntime could not load ${modelPath}: ${(error as Error).message}`, 'embedder-bad-model');
  }
}

/** The shipped Lean-aware embedder. */
/** Texts from which a batch's features are computed on the feature thread (below, the hand-off costs more). */
const THREAD_MIN_TEXTS = 64;

export class BuiltinEmbedder implements Embedder {
  readonly fingerprint: string;
  /** The feature thread: undefined until a large batch asks, null when there is none. */
  private thread: FeatureThread | null | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly meta: BuiltinModelMeta,
    model: Uint8Array,
  ) {
    // The weights and everything that shapes a text's features (a refit table of the same size differs).
    const { format, featureVersion, buckets, dim, maxFeatures } = meta;
    this.fingerprint = `lean-hash/${contentHash([model, JSON.stringify({ format, featureVersion, buckets, dim, maxFeatures })])}`;
  }

  get dim(): number {
    return this.meta.dim;
  }

  /** Load `lean-embedder.onnx` and its `lean-embedder.json` from `dir` (default: the shipped models/). */
  static async load(dir = defaultModelsDir(), threads = 1): Promise<BuiltinEmbedder> {
    const metaPath = path.join(dir, BUILTIN_META_FILE);
    if (!fs.existsSync(metaPath)) throw new ActionableError(`built-in embedder: ${metaPath} does not exist; run scripts/train-embedder.ts --corpus DIR`, 'embedder-missing-file');
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as BuiltinModelMeta;
    if (meta.format !== 'oprover-lean-hash') throw new ActionableError(`built-in embedder: ${metaPath} is not an oprover-lean-hash description`, 'embedder-bad-model');
    const modelPath = path.join(dir, BUILTIN_MODEL_FILE);
    const session = await openSession(modelPath, threads, 'built-in embedder');
    return new BuiltinEmbedder(session, meta, fs.readFileSync(modelPath));
  }

  /** Load from bytes already in memory (benchmarks fit a model per data split). */
  static async fromBytes(onnx: Uint8Array, meta: BuiltinModelMeta, threads = 1): Promise<BuiltinEmbedder> {
    const session = await ort.InferenceSession.create(onnx, sessionOptions(threads));
    return new BuiltinEmbedder(session, meta, onnx);
  }

  get embedsOffThread(): boolean {
    if (this.thread === undefined) this.thread = FeatureThread.beside() ?? null;
    return this.thread !== null;
  }

  /** Features of the texts: on the feature thread for a large batch (the same numbers), else here. */
  private async features(texts: readonly string[]): Promise<PackedFeatures> {
    const thread = texts.length >= THREAD_MIN_TEXTS && this.embedsOffThread ? this.thread : undefined;
    if (thread) {
      try {
        return await thread.features(texts, this.meta);
      } catch {
        // A failed thread costs speed, not the batch: computed here, and here from now on.
        this.thread = null;
        await thread.dispose().catch(() => undefined);
      }
    }
    return packFeatures(texts.map((t) => hashedFeatures(t, this.meta)));
  }

  async embed(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dim);
    // Padding is to the longest feature list of a batch, and a few long texts would make most of
    // a batch padding: batches of 64 are taken in order of feature count, and the vectors written
    // back in the texts' order.
    const { offsets, ids: allIds, weights: allWeights } = await this.features(texts);
    const count = (i: number) => offsets[i + 1]! - offsets[i]!;
    const order = texts.map((_, i) => i).sort((a, b) => count(a) - count(b) || a - b);
    const batchSize = 64;
    for (let from = 0; from < order.length; from += batchSize) {
      const rows = order.slice(from, from + batchSize);
      const width = Math.max(1, ...rows.map(count));
      const ids = new BigInt64Array(rows.length * width);
      const weights = new Float32Array(rows.length * width);
      rows.forEach((r, b) => {
        ids.set(allIds.subarray(offsets[r]!, offsets[r + 1]!), b * width);
        weights.set(allWeights.subarray(offsets[r]!, offsets[r + 1]!), b * width);
      });
      const result = await this.session.run({
        ids: new ort.Tensor('int64', ids, [rows.length, width]),
        weights: new ort.Tensor('float32', weights, [rows.length, width]),
      });
      const data = result.embedding!.data as Float32Array;
      rows.forEach((r, b) => out.set(data.subarray(b * this.dim, (b + 1) * this.dim), r * this.dim));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.thread?.dispose();
    this.thread = null;
    await this.session.release();
  }
}

const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

export interface SentenceEmbedderOptions {
  pooling: Pooling;
  /** Longest token sequence fed to the model (longer texts are cut). */
  maxTokens?: number;
  threads?: number;
}

/** A user-supplied sentence-embedding export: `model.onnx` + `tokenizer.json` (+ optional `tokenizer_config.json`). */
export class OnnxSentenceEmbedder implements Embedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    readonly dim: number,
    private readonly outputName: string,
    private readonly options: Required<SentenceEmbedderOptions>,
    readonly fingerprint: string,
  ) {}

  static async load(folder: string, options: SentenceEmbedderOptions): Promise<OnnxSentenceEmbedder> {
    const what = `embedder in ${folder}`;
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
      throw new ActionableError(`${what}: the folder does not exist (setting oprover.embedderPath)`, 'embedder-missing-file');
    }
    const tokenizerPath = path.join(folder, 'tokenizer.json');
    if (!fs.existsSync(tokenizerPath)) {
      throw new ActionableError(`${what}: tokenizer.json is missing; export the tokenizer next to model.onnx`, 'embedder-missing-file');
    }
    const modelPath = ['model.onnx', path.join('onnx', 'model.onnx')].map((p) => path.join(folder, p)).find((p) => fs.existsSync(p));
    if (!modelPath) throw new ActionableError(`${what}: model.onnx is missing (looked for model.onnx and onnx/model.onnx)`, 'embedder-missing-file');

    let tokenizer: Tokenizer;
    try {
      const configPath = path.join(folder, 'tokenizer_config.json');
      const config = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {};
      tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(tokenizerPath, 'utf8')), config);
    } catch (error) {
      throw new ActionableError(`${what}: tokenizer.json could not be read: ${(error as Error).message}`, 'embedder-bad-tokenizer');
    }

    const session = await openSession(modelPath, options.threads ?? 1, what);
    const fail = async (message: string): Promise<never> => {
      await session.release();
      throw new ActionableError(`${what}: ${message}`, 'embedder-bad-model');
    };
    if (!session.inputNames.includes('input_ids')) {
      await fail(`model.onnx has inputs [${session.inputNames.join(', ')}]; expected input_ids (and optionally attention_mask, token_type_ids)`);
    }
    for (const meta of session.inputMetadata) {
      if (!KNOWN_INPUTS.includes(meta.name)) await fail(`model.onnx wants an input "${meta.name}" that a sentence embedder cannot supply; known inputs: ${KNOWN_INPUTS.join(', ')}`);
      if (meta.isTensor && meta.type !== 'int64') await fail(`model.onnx input "${meta.name}" is ${meta.type}; expected int64`);
    }
    // The output: a pooled [batch, dim] one for pooling "none", a [batch, tokens, dim] one otherwise.
    const wantedRank = options.pooling === 'none' ? 2 : 3;
    const preferred = options.pooling === 'none' ? ['sentence_embedding', 'embeddings', 'pooler_output'] : ['last_hidden_state', 'token_embeddings'];
    const tensors = session.outputMetadata.filter((m): m is ort.InferenceSession.TensorValueMetadata => m.isTensor && m.shape.length === wantedRank);
    const output = tensors.find((m) => preferred.includes(m.name)) ?? tensors[0];
    if (!output) {
      const shapes = session.outputMetadata.map((m) => `${m.name}${m.isTensor ? `[${m.shape.join(', ')}]` : ''}`).join(', ');
      await fail(`pooling "${options.pooling}" needs an output of rank ${wantedRank} (${wantedRank === 3 ? 'batch × tokens × dim' : 'batch × dim'}); model.onnx has ${shapes}`);
    }
    const dim = output!.shape[wantedRank - 1];
    if (typeof dim !== 'number' || dim <= 0) await fail(`output "${output!.name}" has no fixed width (shape [${output!.shape.join(', ')}])`);
    if (output!.type !== 'float32') await fail(`output "${output!.name}" is ${output!.type}; expected float32`);

    // What the vectors depend on: the weights, the vocabulary and how the output is pooled and cut.
    const configPath = path.join(folder, 'tokenizer_config.json');
    const fingerprint = `onnx/${contentHash([
      fs.readFileSync(modelPath),
      fs.readFileSync(tokenizerPath),
      fs.existsSync(configPath) ? fs.readFileSync(configPath) : '',
      JSON.stringify({ pooling: options.pooling, maxTokens: options.maxTokens ?? 256, output: output!.name }),
    ])}`;
    return new OnnxSentenceEmbedder(session, tokenizer, dim as number, output!.name, { maxTokens: 256, threads: 1, ...options }, fingerprint);
  }

  private encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.options.maxTokens) return ids;
    // Keep the closing special token (e.g. [SEP]) when cutting.
    return [...ids.slice(0, this.options.maxTokens - 1), ids[ids.length - 1]!];
  }

  async embed(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dim);
    const batchSize = 16;
    for (let from = 0; from < texts.length; from += batchSize) {
      const encoded = texts.slice(from, from + batchSize).map((t) => this.encode(t));
      const batch = encoded.length;
      const width = Math.max(1, ...encoded.map((e) => e.length));
      const ids = new BigInt64Array(batch * width);
      const mask = new BigInt64Array(batch * width);
      encoded.forEach((e, b) => {
        for (let i = 0; i < e.length; i++) {
          ids[b * width + i] = BigInt(e[i]!);
          mask[b * width + i] = 1n;
        }
      });
      const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, [batch, width]) };
      if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', mask, [batch, width]);
      if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch * width), [batch, width]);
      const result = await this.session.run(feeds);
      const tensor = result[this.outputName]!;
      const data = tensor.data as Float32Array;
      const pooled = out.subarray(from * this.dim, (from + batch) * this.dim);
      if (this.options.pooling === 'none') {
        pooled.set(data.subarray(0, batch * this.dim));
      } else {
        const tokens = tensor.dims[1]!;
        for (let b = 0; b < batch; b++) {
          const row = pooled.subarray(b * this.dim, (b + 1) * this.dim);
          if (this.options.pooling === 'cls') {
            row.set(data.subarray(b * tokens * this.dim, b * tokens * this.dim + this.dim));
            continue;
          }
          const count = encoded[b]!.length;
          for (let t = 0; t < count; t++) {
            const base = (b * tokens + t) * this.dim;
            for (let j = 0; j < this.dim; j++) row[j]! += data[base + j]!;
          }
          for (let j = 0; j < this.dim; j++) row[j]! /= Math.max(1, count);
        }
      }
    }
    return l2NormalizeRows(out, this.dim);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The embedder the settings ask for: a user folder when `embedderPath` is set, else the built-in one. */
export async function createEmbedder(settings: { embedderPath: string; embedderPooling: Pooling }, modelsDir?: string): Promise<Embedder> {
  if (settings.embedderPath.trim()) return OnnxSentenceEmbedder.load(settings.embedderPath.trim(), { pooling: settings.embedderPooling });
  return BuiltinEmbedder.load(modelsDir);
}
