// One job at a time: the writes (and reads that must not interleave with them) of a store on disk.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `job` after every job queued before it (whether those succeeded or failed). */
  run<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles when every job queued so far has. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
