// The built-in model's features of a batch of texts on a worker thread (feature-worker.ts): plain
// JavaScript (lexing and hashing), so the caller's thread is free meanwhile (a bank computes its
// dedup keys while the thread featurises the same batch; bank.ts). onnxruntime stays on the
// caller's thread. Where the script is not at hand, or the thread fails, the caller computes the
// features itself.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FeatureOptions, PackedFeatures } from './lean-features';

interface Reply extends Partial<PackedFeatures> {
  id: number;
  error?: string;
}

export class FeatureThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: PackedFeatures) => void; reject: (e: Error) => void }>();

  /** @param loader a module the thread requires before the script (the TypeScript loader, for sources) */
  constructor(
    private readonly script: string,
    private readonly loader?: string,
  ) {}

  /**
   * The script next to this module: `feature-worker.js` beside the bundle (dist/), or the
   * TypeScript source when the sources run through a loader that the thread inherits (tests,
   * benchmarks); undefined when neither is there.
   */
  static beside(dir = __dirname): FeatureThread | undefined {
    const built = path.join(dir, 'feature-worker.js');
    if (fs.existsSync(built)) return new FeatureThread(built);
    const source = path.join(dir, 'feature-worker.ts');
    if (!fs.existsSync(source) || !process.execArgv.some((a) => a.includes('tsx'))) return undefined;
    try {
      // Resolved at run time, from the sources' own dependencies (never part of the bundle).
      const loader = ['tsx', 'cjs'].join('/');
      return new FeatureThread(source, require.resolve(loader, { paths: [dir] }));
    } catch {
      return undefined;
    }
  }

  /** The texts' features, exactly as `packFeatures` of `hashedFeatures` gives them on this thread. */
  features(texts: readonly string[], options: FeatureOptions): Promise<PackedFeatures> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const worker = this.ensure();
      // The thread keeps the process alive only while it owes a reply.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, texts, buckets: options.buckets, maxFeatures: options.maxFeatures });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = this.loader ? new Worker(`require(${JSON.stringify(this.loader)}); require(${JSON.stringify(this.script)});`, { eval: true, execArgv: [] }) : new Worker(this.script);
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined || !m.offsets || !m.ids || !m.weights) {
        p.reject(new Error(`feature thread: ${m.error ?? 'an empty reply'}`));
        return;
      }
      p.resolve({ offsets: m.offsets, ids: m.ids, weights: m.weights });
    });
    const fail = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new Error(`feature thread stopped (${why})`));
      }
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit ${code}`));
    // Unreferenced after the listeners (adding a message listener references the thread again).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async dispose(): Promise<void> {
    const old = this.worker;
    this.worker = undefined;
    await old?.terminate();
  }
}
