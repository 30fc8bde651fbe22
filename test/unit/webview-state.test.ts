// The panel's reducer: JobEvents and protocol messages in, panel state out.
import assert from 'node:assert/strict';
import { parseFromWebview } from '../../src/ui/protocol';
import { EMPTY_STATE, MAX_STREAM_CHARS, applyEvent, canInsert, reduce, type PanelState } from '../../webview/state';
import { storyEvents } from './webview-fixtures';

function fold(events = storyEvents()): PanelState {
  return reduce(EMPTY_STATE, { type: 'events', events });
}

describe('webview state reducer', () => {
  it('builds one job with one card per round from the loop events', () => {
    const state = fold();
    assert.equal(state.jobs.length, 1);
    const job = state.jobs[0]!;
    assert.equal(job.status, 'proved');
    assert.equal(job.reason, 'proved in round 2');
    assert.deepEqual(job.rounds.map((r) => [r.round, r.finished, r.proved]), [
      [1, true, false],
      [2, true, true],
    ]);
    assert.equal(job.rounds[0]!.retrieved.length, 1);
    assert.equal(job.rounds[0]!.samples[0]!.verdict?.kind, 'lean-error');
    assert.equal(job.proofId, 'c2');
    assert.equal(job.promptTokens, 220);
    assert.equal(job.completionTokens, 70);
    assert.equal(job.elapsedMs, 4200);
    assert.equal(canInsert(job), true);
  });

  it('accumulates streamed text, then replaces it with the finished attempt', () => {
    const events = storyEvents().slice(0, 5);
    const mid = fold(events);
    const sample = mid.jobs[0]!.rounds[0]!.samples[0]!;
    assert.equal(sample.streamed, '```lean4\ntheorem add_zero_right');
    assert.equal(sample.raw, undefined);
    const after = fold(storyEvents().slice(0, 6));
    assert.equal(after.jobs[0]!.rounds[0]!.samples[0]!.streamed, '');
    assert.ok(after.jobs[0]!.rounds[0]!.samples[0]!.candidate);
  });

  it('keeps only the tail of an enormous stream', () => {
    let state = fold(storyEvents().slice(0, 2));
    const chunk = 'x'.repeat(50_000);
    for (let i = 0; i < 6; i++) state = applyEvent(state, { type: 'sample-delta', jobId: 'job-1', round: 1, sample: 0, delta: chunk + i });
    const streamed = state.jobs[0]!.rounds[0]!.samples[0]!.streamed;
    assert.equal(streamed.length, MAX_STREAM_CHARS);
    assert.ok(streamed.endsWith('x5'));
  });

  it('bumps the revision of the changed job only', () => {
    let state = fold(storyEvents('a'));
    state = reduce(state, { type: 'events', events: storyEvents('b').slice(0, 1) });
    const revA = state.jobs.find((j) => j.id === 'a')!.rev;
    const revB = state.jobs.find((j) => j.id === 'b')!.rev;
    state = applyEvent(state, { type: 'round-started', jobId: 'b', round: 1, kind: 'model' });
    assert.equal(state.jobs.find((j) => j.id === 'a')!.rev, revA);
    assert.equal(state.jobs.find((j) => j.id === 'b')!.rev, revB + 1);
    assert.deepEqual(state.jobs.map((j) => j.id), ['b', 'a'], 'newest job first');
  });

  it('stops offering Insert once the proof is inserted', () => {
    const state = reduce(fold(), { type: 'note', note: { jobId: 'job-1', level: 'info', text: 'inserted', inserted: true } });
    assert.equal(canInsert(state.jobs[0]!), false);
    assert.equal(state.jobs[0]!.notes.length, 1);
  });

  it('never offers Insert for a failed job, whatever its attempts', () => {
    const events = storyEvents().slice(0, 9);
    events.push({ type: 'job-finished', jobId: 'job-1', status: 'failed', reason: 'no verified proof after 1 round', rounds: 1, elapsedMs: 10 });
    assert.equal(canInsert(fold(events).jobs[0]!), false);
  });

  it('rebuilds the same state from a reset (a reopened panel)', () => {
    const live = fold();
    const reopened = reduce(EMPTY_STATE, { type: 'reset', events: storyEvents(), notes: [], reports: [] });
    assert.deepEqual(
      reopened.jobs.map((j) => ({ ...j, rev: 0 })),
      live.jobs.map((j) => ({ ...j, rev: 0 })),
    );
  });

  it('forgets removed jobs and tracks focus requests', () => {
    let state = fold();
    state = reduce(state, { type: 'focus', jobId: 'job-1' });
    assert.equal(state.focus?.jobId, 'job-1');
    const seq = state.focus!.seq;
    state = reduce(state, { type: 'focus', jobId: 'job-1' });
    assert.equal(state.focus!.seq, seq + 1);
    state = reduce(state, { type: 'forget', jobIds: ['job-1'] });
    assert.equal(state.jobs.length, 0);
  });

  it('shows events of a job whose start it never saw', () => {
    const state = fold(storyEvents().slice(1, 4));
    assert.equal(state.jobs[0]!.target.declarationName, '(unknown)');
    assert.equal(state.jobs[0]!.rounds[0]!.samples[0]!.streamed, '```lean4\ntheorem');
  });
});

describe('panel protocol', () => {
  it('accepts only well-formed messages from the page', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'action', action: 'insert', jobId: 'j' }), { type: 'action', action: 'insert', jobId: 'j' });
    assert.deepEqual(parseFromWebview({ type: 'action', action: 'copy', jobId: 'j', attempt: { round: 1, sample: 2 } }), { type: 'action', action: 'copy', jobId: 'j', attempt: { round: 1, sample: 2 } });
    assert.equal(parseFromWebview({ type: 'action', action: 'rm -rf', jobId: 'j' }), undefined);
    assert.deepEqual(parseFromWebview({ type: 'action', action: 'settings', jobId: 'j' }), { type: 'action', action: 'settings', jobId: 'j' });
    assert.deepEqual(parseFromWebview({ type: 'setup', step: 'test-connection' }), { type: 'setup', step: 'test-connection' });
    assert.equal(parseFromWebview({ type: 'setup', step: 'workbench.action.terminal.new' }), undefined, 'only the checklist steps');
    assert.equal(parseFromWebview({ type: 'action', action: 'insert' }), undefined);
    assert.equal(parseFromWebview('ready'), undefined);
    assert.equal(parseFromWebview(null), undefined);
  });
});
