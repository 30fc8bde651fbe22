// The panel reads result first: the outcome (proof and its actions, or the live round, or why it
// failed) above a history folded to one line per round; identical samples merged; progress and token
// counts while the model writes; batches grouped; the first-run checklist.
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { JobEvent } from '../../src/core/events';
import type { BatchReport, ToWebview } from '../../src/ui/protocol';
import { panelItems, renderEmpty, renderPanel } from '../../webview/render';
import { canInsert, EMPTY_STATE, reduce, type PanelState } from '../../webview/state';
import { progressLine, roundLine, tokenLabel } from '../../webview/summary';
import { candidate, jobStarted, prepassEvents, storyEvents, verdict } from './webview-fixtures';

const window = new Window();
const doc = window.document as unknown as Document;
const options = { now: 10_000, open: new Map<string, boolean>() };

function stateOf(...messages: ToWebview[]): PanelState {
  return messages.reduce(reduce, EMPTY_STATE);
}
function render(state: PanelState): HTMLElement {
  const root = renderPanel(doc, state, options);
  doc.body.replaceChildren(root);
  return root;
}
const q = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const events = (list: JobEvent[]): ToWebview => ({ type: 'events', events: list });

describe('the panel, result first', () => {
  it('opens a proved job with its verified proof body and Insert / Show diff / Copy under it, before any round', () => {
    const root = render(stateOf(events(storyEvents())));
    const outcome = q(root, 'job-outcome')[0]!;
    const proof = q(outcome, 'job-proof')[0]!;
    assert.equal(q(proof, 'job-proof-code')[0]!.textContent, ':= by\n  simp', 'only the body, not the restated theorem');
    assert.match(proof.textContent!, /Verified by Lean · round 2, sample 1/);
    const actions = outcome.querySelector('.job-actions')!;
    assert.equal(proof.nextElementSibling, actions, 'the actions sit right under the proof');
    assert.deepEqual(
      [...actions.children].map((b) => b.getAttribute('data-testid')),
      ['action-insert', 'action-diff', 'action-copy', 'action-locate'],
    );
    assert.equal(actions.querySelector('[data-testid="action-insert"]')!.getAttribute('icon'), 'insert', 'actions carry codicons');
    // the history comes after the outcome, each round folded to its one-line summary
    const history = q(root, 'job-history')[0]!;
    assert.ok(outcome.compareDocumentPosition(history) & 4 /* FOLLOWING */);
    const rounds = q(history, 'round') as HTMLDetailsElement[];
    assert.deepEqual(rounds.map((r) => r.open), [false, false]);
    assert.deepEqual(q(history, 'round-summary').map((s) => s.textContent), ['round 1: 1 sample, 1 Lean error', 'round 2: 1 sample, 1 proved']);
  });

  it('shows attempts as their proof body, with Lean errors still marked on it', () => {
    const root = render(stateOf(events(storyEvents())));
    const codes = q(root, 'attempt-code').map((c) => c.textContent);
    assert.deepEqual(codes, [':= by\n  simp [Nat.foo]', ':= by\n  simp']);
    assert.equal(q(root, 'error-span')[0]!.textContent, 'Nat.foo');
  });

  it('folds the pre-pass into one line and names replays by their theorem', () => {
    const jobId = 'pp';
    const tactics = ['rfl', 'decide', 'simp', 'omega', 'grind', 'norm_num', 'linarith', 'nlinarith', 'positivity', 'aesop'];
    const list: JobEvent[] = [jobStarted(jobId), ...prepassEvents(jobId, tactics, [{ id: 'e8ed08b66b3874d1', name: 'Nat.add_zero' }, { id: 'f00', name: 'Nat.zero_add' }])];
    list.push({ type: 'job-finished', jobId, status: 'failed', reason: 'no verified proof after 0 rounds', rounds: 0, elapsedMs: 900 });
    const root = render(stateOf(events(list)));
    const round = q(root, 'round')[0] as HTMLDetailsElement;
    assert.equal(round.open, false);
    assert.equal(q(round, 'round-summary')[0]!.textContent, 'pre-pass: 10 tactics, 2 replays, none closed it');
    const origins = [...round.querySelectorAll('.attempt-origin')].map((o) => o.textContent);
    assert.ok(origins.includes('replay of Nat.add_zero'), origins.join(' | '));
    assert.ok(!root.textContent!.includes('e8ed08b66b3874d1'), 'no hash on screen');
    assert.ok((q(round, 'attempt') as HTMLDetailsElement[]).every((a) => !a.open), 'pre-pass attempts stay folded');
  });

  it('merges identical samples with a count, and counts outcomes in the round line', () => {
    const jobId = 'm';
    const same = (i: number) => candidate(`s${i}`, ':= by\n  simp [foo]', 2, i);
    const list: JobEvent[] = [jobStarted(jobId), { type: 'round-started', jobId, round: 2, kind: 'model' }];
    for (let i = 0; i < 3; i++) {
      list.push({ type: 'attempt', jobId, round: 2, sample: i, raw: same(i).declarationText, candidate: same(i) });
      list.push({ type: 'verdict', jobId, round: 2, sample: i, candidateId: `s${i}`, verdict: verdict('lean-error', "unknown identifier 'foo'") });
    }
    const bad = candidate('s3', ':= by\n  native_decide', 2, 3);
    list.push({ type: 'attempt', jobId, round: 2, sample: 3, raw: bad.declarationText, candidate: bad });
    list.push({ type: 'verdict', jobId, round: 2, sample: 3, candidateId: 's3', verdict: { ...verdict('rejected', 'native_decide trusts compiled code'), rule: 'forbidden-construct' } });
    list.push({ type: 'round-finished', jobId, round: 2, proved: false });
    const root = render(stateOf(events(list)));
    assert.equal(q(root, 'round-summary')[0]!.textContent, 'round 2: 4 samples, 3 Lean errors, 1 refused');
    const attempts = q(root, 'attempt');
    assert.equal(attempts.length, 2, 'three identical samples shown once');
    assert.equal(attempts[0]!.getAttribute('data-count'), '3');
    assert.equal(q(attempts[0]!, 'attempt-count')[0]!.textContent, '×3');
    assert.equal(attempts[0]!.querySelector('.attempt-origin')!.textContent, 'samples 1, 2, 3');
    assert.equal(q(attempts[1]!, 'attempt-count').length, 0);
  });

  it('shows live progress with the running round in view, and counts tokens while the model writes', () => {
    const jobId = 'live';
    const list: JobEvent[] = [jobStarted(jobId), { type: 'round-started', jobId, round: 1, kind: 'model' }];
    list.push({ type: 'usage', jobId, round: 1, promptTokens: 100, completionTokens: 50 }, { type: 'round-finished', jobId, round: 1, proved: false });
    list.push({ type: 'round-started', jobId, round: 2, kind: 'model' });
    const c = candidate('a', ':= by simp', 2, 0);
    list.push({ type: 'attempt', jobId, round: 2, sample: 0, raw: c.declarationText, candidate: c });
    list.push({ type: 'sample-delta', jobId, round: 2, sample: 1, delta: 'x'.repeat(350) });
    list.push({ type: 'sample-delta', jobId, round: 2, sample: 2, delta: 'We use **Nat.add_comm**' });
    const state = stateOf(events(list), { type: 'meta', meta: { jobId, rounds: 4, samples: 4 } });
    const job = state.jobs[0]!;
    assert.equal(progressLine(job), 'round 2/4 · sampling 3/4 · checking with Lean');
    assert.match(tokenLabel(job), /^≈ \d{3} tokens$/, 'an estimate while streaming, not "0 tokens"');
    const root = render(state);
    assert.equal(q(root, 'job-progress')[0]!.textContent, 'round 2/4 · sampling 3/4 · checking with Lean');
    const live = q(q(root, 'job-outcome')[0]!, 'round')[0] as HTMLDetailsElement;
    assert.equal(live.getAttribute('data-round'), '2');
    assert.equal(live.open, true, 'the live round is open, at the top of the job');
    assert.ok(live.classList.contains('round-live'));
    // the streamed prose is Markdown, not raw asterisks
    const stream = q(live, 'attempt-streaming').find((s) => s.textContent!.includes('Nat.add_comm'))!;
    assert.equal(stream.querySelector('strong')!.textContent, 'Nat.add_comm');
    assert.ok(!stream.textContent!.includes('**'));
    assert.equal(q(root, 'job-history')[0]!.querySelectorAll('[data-testid="round"]').length, 1, 'round 1 folded below');
  });

  it("keeps the model's reasoning after the attempt, folded, rendered as Markdown", () => {
    const jobId = 'r';
    const c = candidate('a', ':= by\n  exact Nat.add_comm a b', 1, 0);
    const raw = `By **commutativity** of addition, use \`Nat.add_comm\`:\n\n- swap the sides\n\n\`\`\`lean4\n${c.declarationText}\n\`\`\``;
    const list: JobEvent[] = [jobStarted(jobId), { type: 'round-started', jobId, round: 1, kind: 'model' }, { type: 'attempt', jobId, round: 1, sample: 0, raw, candidate: c }];
    const root = render(stateOf(events(list)));
    const reasoning = q(root, 'attempt-reasoning')[0] as HTMLDetailsElement;
    assert.ok(reasoning, "a model's reasoning section");
    assert.equal(reasoning.open, false);
    assert.equal(reasoning.querySelector('summary')!.textContent, "model's reasoning");
    const text = q(reasoning, 'reasoning-text')[0]!;
    assert.equal(text.querySelector('strong')!.textContent, 'commutativity');
    assert.equal(text.querySelector('code')!.textContent, 'Nat.add_comm');
    assert.equal(text.querySelector('li')!.textContent, 'swap the sides');
    assert.ok(!text.textContent!.includes('theorem'), 'the code block is the attempt, not the reasoning');
  });

  it('offers Open Settings, not more rounds, when the job failed for its configuration', () => {
    const jobId = 'cfg';
    const list: JobEvent[] = [{ ...jobStarted(jobId), endpoint: 'none' } as JobEvent, { type: 'job-finished', jobId, status: 'failed', reason: 'no inference endpoint is configured: set oprover.endpoint (and the API key) to run model rounds', rounds: 0, elapsedMs: 5 }];
    const root = render(stateOf(events(list)));
    const settings = q(root, 'action-settings')[0]!;
    assert.equal(settings.getAttribute('data-setting'), 'oprover.endpoint');
    assert.equal(q(root, 'action-retry').length, 0);
    assert.equal(q(root, 'job-endpoint')[0]!.textContent, 'no endpoint');
  });

  it('names the served model instead of "(first served model)"', () => {
    const jobId = 'm';
    const state = stateOf(events([{ ...jobStarted(jobId), endpoint: '(first served model) @ gpu:8000' } as JobEvent]), {
      type: 'setup',
      setup: { endpoint: true, apiKey: false, connection: 'ok', servedModel: 'OProver-32B' },
    });
    assert.equal(q(render(state), 'job-endpoint')[0]!.textContent, 'OProver-32B @ gpu:8000');
  });

  it('lets long names break only at . and _', () => {
    const root = render(stateOf(events([jobStarted('n', 'Nat.lt_self_succ_wrong')])));
    const title = q(root, 'job-title')[0]!;
    assert.equal(title.textContent, 'Nat.lt_self_succ_wrong');
    assert.equal(title.querySelectorAll('wbr').length, 4);
    assert.deepEqual([...title.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent), ['Nat.', 'lt_', 'self_', 'succ_', 'wrong']);
  });

  it('brings Insert back when the insert is undone', () => {
    let state = stateOf(events(storyEvents()));
    state = reduce(state, { type: 'note', note: { jobId: 'job-1', level: 'info', text: 'inserted', inserted: true } });
    assert.equal(canInsert(state.jobs[0]!), false);
    assert.equal(q(render(state), 'action-insert').length, 0);
    state = reduce(state, { type: 'note', note: { jobId: 'job-1', level: 'info', text: 'the inserted proof was undone: Insert is offered again', inserted: false } });
    assert.equal(canInsert(state.jobs[0]!), true);
    assert.equal(q(render(state), 'action-insert').length, 1);
  });
});

describe('batches in the panel', () => {
  const report = (id: string, jobIds: string[], startedAt: number): BatchReport => ({
    id,
    file: 'file:///p/Demo/Batch.lean',
    startedAt,
    finishedAt: startedAt + 1,
    entries: jobIds.map((jobId, i) => ({ jobId, declarationName: `t${i}`, line: i + 1, outcome: 'proved', reason: 'proved in round 1' })),
  });

  it('groups each batch with its own header, newest first, and its jobs under it', () => {
    const state = stateOf(
      { type: 'batch', batch: { id: 'b1', file: 'file:///p/Demo/Batch.lean', startedAt: 100, total: 1 } },
      events([jobStarted('j1', 'one', 110)]),
      { type: 'meta', meta: { jobId: 'j1', rounds: 4, batchId: 'b1' } },
      events([{ type: 'job-finished', jobId: 'j1', status: 'proved', reason: 'proved', rounds: 1, elapsedMs: 1 }]),
      { type: 'report', report: report('b1', ['j1'], 100) },
      { type: 'batch', batch: { id: 'b2', file: 'file:///p/Demo/Other.lean', startedAt: 200, total: 2 } },
      events([jobStarted('j2', 'two', 210)]),
      { type: 'meta', meta: { jobId: 'j2', rounds: 4, batchId: 'b2' } },
      events([jobStarted('solo', 'alone', 150)]),
    );
    assert.deepEqual(panelItems(state).map((i) => (i.kind === 'job' ? i.job.id : i.id)), ['b2', 'solo', 'b1']);
    const root = render(state);
    const groups = q(root, 'batch');
    assert.equal(groups[0]!.getAttribute('data-batch-id'), 'b2');
    assert.equal(q(groups[0]!, 'batch-progress')[0]!.textContent, '0 of 2 done · 0 proved', 'a running batch has its own header');
    assert.deepEqual(q(groups[0]!, 'job').map((j) => j.getAttribute('data-job-id')), ['j2']);
    assert.deepEqual(q(groups[1]!, 'job').map((j) => j.getAttribute('data-job-id')), ['j1'], "the first batch's job stays under its report");
    assert.equal(q(groups[1]!, 'batch-report').length, 1);
  });

  it('says when a proved row waits for its question, and forgets cleared reports', () => {
    const r = report('b1', ['j1'], 1);
    r.entries[0]!.pending = true;
    let state = stateOf({ type: 'report', report: r });
    const root = render(state);
    assert.match(q(root, 'report-outcome')[0]!.textContent!, /question open/);
    assert.match(q(root, 'report-summary')[0]!.textContent!, /1 waiting for your answer/);
    state = reduce(state, { type: 'forget', jobIds: [], reportIds: ['b1'] });
    assert.equal(state.reports.length, 0);
    assert.equal(q(render(state), 'empty-state').length, 1);
  });
});

describe('first run', () => {
  it('shows a setup checklist whose items are links', () => {
    const root = renderEmpty(doc, { endpoint: false, apiKey: false, connection: 'untested', lean: { found: true, detail: 'lean --server' } });
    const items = q(root, 'setup-item');
    assert.deepEqual(items.map((i) => [i.getAttribute('data-step'), i.getAttribute('data-done')]), [
      ['endpoint', 'false'],
      ['api-key', 'optional'],
      ['test-connection', 'false'],
      ['lean', 'true'],
    ]);
    const links = q(root, 'setup-link');
    assert.deepEqual(links.map((l) => [l.getAttribute('data-action'), l.getAttribute('data-step')]), [
      ['setup', 'endpoint'],
      ['setup', 'api-key'],
      ['setup', 'test-connection'],
      ['setup', 'lean'],
    ]);
    assert.match(items[0]!.textContent!, /only the tactic pre-pass runs/);
    assert.equal(q(renderEmpty(doc), 'setup-checklist').length, 0, 'no checklist before the extension says what it knows');
  });

  it('says what the pre-pass and the rounds did in one line each', () => {
    const state = stateOf(events(storyEvents()));
    const job = state.jobs[0]!;
    assert.equal(roundLine(job, job.rounds[0]!), 'round 1: 1 sample, 1 Lean error');
    assert.equal(tokenLabel(job), '290 tokens');
    assert.equal(progressLine(job), undefined, 'no progress line once finished');
  });
});
