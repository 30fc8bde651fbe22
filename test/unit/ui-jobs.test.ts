// The job manager and the bounded runner, with a fake prover in place of the repair loop.
import assert from 'node:assert/strict';
import type { JobEvent } from '../../src/core/events';
import type { JobResult, ProveOptions } from '../../src/core/prover';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { runBounded } from '../../src/core/bounded';
import { JobManager } from '../../src/ui/jobs';

const TEXT = 'theorem t (n : Nat) : n + 0 = n := by\n  sorry\n';

function target(): ProofTarget {
  const sorry = findSorries(TEXT)[0]!;
  return { file: 'Demo.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
}

/** A prover that streams, then waits until aborted (or proves when told to). */
function fakeProver(behaviour: 'prove' | 'hang' | 'throw') {
  return async (t: ProofTarget, o: ProveOptions): Promise<JobResult> => {
    const jobId = o.jobId!;
    if (behaviour === 'throw') throw new Error('no Lean toolchain found: set oprover.leanPath');
    o.onEvent?.({ type: 'job-started', jobId, target: { file: t.file, line: 2, declarationName: 't', statement: t.declaration.header }, endpoint: 'fake', at: Date.now() });
    o.onEvent?.({ type: 'sample-delta', jobId, round: 1, sample: 0, delta: 'by ' });
    o.onEvent?.({ type: 'sample-delta', jobId, round: 1, sample: 0, delta: 'simp' });
    o.onEvent?.({ type: 'sample-delta', jobId, round: 1, sample: 1, delta: 'rfl' });
    const proof = { id: 'c', body: ':= by simp', declarationText: `${t.declaration.header} := by simp`, origin: { kind: 'model' as const, round: 1, sample: 0 } };
    o.onEvent?.({ type: 'attempt', jobId, round: 1, sample: 0, raw: 'by simp', candidate: proof });
    if (behaviour === 'hang') {
      await new Promise<void>((resolve) => o.signal!.addEventListener('abort', () => resolve()));
      o.onEvent?.({ type: 'job-finished', jobId, status: 'cancelled', reason: 'cancelled', rounds: 1, elapsedMs: 1 });
      return { status: 'cancelled', reason: 'cancelled', rounds: 1, elapsedMs: 1, promptTokens: 0, completionTokens: 0 };
    }
    o.onEvent?.({ type: 'job-finished', jobId, status: 'proved', reason: 'proved in round 1', proof, rounds: 1, elapsedMs: 1 });
    return { status: 'proved', reason: 'proved in round 1', proof, rounds: 1, elapsedMs: 1, promptTokens: 0, completionTokens: 0 };
  };
}

describe('job manager', () => {
  it('records events, merging consecutive stream deltas of one sample', async () => {
    const jobs = new JobManager(fakeProver('prove'));
    const seen: JobEvent[] = [];
    jobs.onEvent((e) => seen.push(e));
    const job = jobs.start(target(), { uri: 'file:///Demo.lean', rounds: 2 });
    const result = await job.done;
    assert.equal(result.status, 'proved');
    assert.equal(job.status, 'proved');
    const deltas = job.events.filter((e) => e.type === 'sample-delta');
    assert.deepEqual(deltas.map((e) => (e as { delta: string }).delta), ['by simp', 'rfl']);
    assert.equal(seen.length, 7, 'listeners see every event unmerged (the manager announces the job first)');
    assert.equal(seen[0]!.type, 'job-started');
    assert.equal(jobs.candidate(job.id)?.body, ':= by simp', 'the verified proof');
    assert.equal(jobs.candidate(job.id, { round: 1, sample: 0 })?.id, 'c');
    assert.equal(jobs.candidate(job.id, { round: 3, sample: 0 }), undefined);
  });

  it('cancels a job, and the jobs of a closed document', async () => {
    const jobs = new JobManager(fakeProver('hang'));
    const a = jobs.start(target(), { uri: 'file:///A.lean', rounds: 1 });
    const b = jobs.start(target(), { uri: 'file:///B.lean', rounds: 1 });
    assert.equal(jobs.running().length, 2);
    assert.equal(jobs.cancelForUri('file:///A.lean'), 1);
    assert.equal((await a.done).status, 'cancelled');
    assert.equal(b.status, 'running');
    assert.equal(jobs.cancel(b.id), true);
    assert.equal((await b.done).status, 'cancelled');
    assert.equal(jobs.cancel(b.id), false, 'a finished job cannot be cancelled again');
  });

  it('stops a job at its time limit and says so', async () => {
    const jobs = new JobManager(fakeProver('hang'));
    const job = jobs.start(target(), { uri: 'u', rounds: 1, timeLimitMs: 20 });
    const result = await job.done;
    assert.equal(result.status, 'cancelled');
    assert.match(result.reason, /time limit/);
    const finished = job.events.find((e) => e.type === 'job-finished') as Extract<JobEvent, { type: 'job-finished' }>;
    assert.match(finished.reason, /time limit/);
  });

  it('turns a prover that cannot start into a job with an actionable error', async () => {
    const jobs = new JobManager(fakeProver('throw'));
    const job = jobs.start(target(), { uri: 'u', rounds: 1 });
    const result = await job.done;
    assert.equal(result.status, 'error');
    assert.deepEqual(job.events.map((e) => e.type), ['job-started', 'job-finished']);
    assert.match(result.reason, /oprover\.leanPath/);
  });

  it('clears finished jobs only', async () => {
    const jobs = new JobManager(fakeProver('hang'));
    const running = jobs.start(target(), { uri: 'u', rounds: 1 });
    const done = new JobManager(fakeProver('prove'));
    const finished = done.start(target(), { uri: 'u', rounds: 1 });
    await finished.done;
    assert.deepEqual(done.clearFinished(), [finished.id]);
    assert.deepEqual(jobs.clearFinished(), []);
    jobs.cancel(running.id);
    await running.done;
  });
});

describe('bounded runner', () => {
  it('never runs more than the limit at once, and runs everything', async () => {
    let active = 0;
    let peak = 0;
    const ran: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      ran.push(n);
      active--;
    });
    assert.equal(peak, 3);
    assert.deepEqual([...ran].sort(), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing new after the signal aborts', async () => {
    const stop = new AbortController();
    const ran: number[] = [];
    await runBounded([1, 2, 3, 4], 1, async (n) => {
      ran.push(n);
      if (n === 2) stop.abort();
    }, stop.signal);
    assert.deepEqual(ran, [1, 2]);
  });
});
