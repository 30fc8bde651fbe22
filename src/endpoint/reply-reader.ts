// Reads model replies into candidates on a worker thread (reply-worker.ts), with a time limit: a
// reply whose reading runs past it is refused and the thread replaced, so neither the editor nor a
// batch ever waits on one reply. Where no worker script is at hand, extraction runs inline.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { candidateFromCompletion, type Extraction } from '../core/extract';
import type { ReplyReaderPort } from '../core/prover';

/** Extraction as a port (the completion, with its finish reason and reasoning field): the prover awaits it, whatever thread does the work. */
export type ReplyReader = ReplyReaderPort;

export const inlineReader: ReplyReader = async (completion, target, origin, options) => candidateFromCompletion(completion, target, origin, options);

/** Reading limit per reply: linear extraction of the largest accepted reply takes far less. */
const READ_LIMIT_MS = 20_000;

export class ThreadedReplyReader {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (e: Extraction) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly script: string, private readonly execArgv: string[] = [], private readonly limitMs = READ_LIMIT_MS) {}

  /** The built worker next to the bundle (dist/reply-worker.js), else undefined. */
  static bundled(dir: string): ThreadedReplyReader | undefined {
    const script = path.join(dir, 'reply-worker.js');
    return fs.existsSync(script) ? new ThreadedReplyReader(script) : undefined;
  }

  readonly read: ReplyReader = (completion, target, origin, options) =>
    new Promise<Extraction>((resolve) => {
      const worker = this.ensure();
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, problem: `reading the reply took longer than ${Math.round(this.limitMs / 1000)} s; it was not used` });
        this.restart();
      }, this.limitMs);
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ id, completion, target, origin, options });
    });

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { execArgv: this.execArgv });
    worker.on('message', (m: { id: number; extraction: Extraction }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(m.id);
      p.resolve(m.extraction);
    });
    const fail = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.resolve({ ok: false, problem: `the reply reader stopped (${why}); the reply was not used` });
        this.pending.delete(id);
      }
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit ${code}`));
    // After the listeners: a 'message' listener added later would hold the process again. A reply
    // awaited keeps it alive through its timer; an idle thread never does.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Replaces a thread stuck on a reply; replies waiting on it are refused by their own timers. */
  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
  }

  async dispose(): Promise<void> {
    const old = this.worker;
    this.worker = undefined;
    await old?.terminate();
  }
}
