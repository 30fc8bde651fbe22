// Rendering the panel into a DOM (happy-dom, no VS Code): rounds, error spans, actions, the batch
// report, and model text full of markup that must stay text.
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { JobEvent } from '../../src/core/events';
import { panelHtml } from '../../src/ui/panel-html';
import type { BatchReport } from '../../src/ui/protocol';
import { highlightSpans, marksFor } from '../../webview/highlight';
import { renderJob, renderPanel, renderReport } from '../../webview/render';
import { EMPTY_STATE, reduce } from '../../webview/state';
import { candidate, storyEvents, verdict } from './webview-fixtures';

const window = new Window();
const doc = window.document as unknown as Document;
const options = { now: 10_000, open: new Map<string, boolean>() };

function render(events: JobEvent[]): HTMLElement {
  const state = reduce(EMPTY_STATE, { type: 'events', events });
  const root = renderPanel(doc, state, options);
  doc.body.replaceChildren(root);
  return root;
}

const q = (root: HTMLElement, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg/onload=alert(1)>',
  '</code></pre><iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '${alert(1)}',
];

describe('webview rendering', () => {
  it('shows the header, a card per round, and the verdicts', () => {
    const root = render(storyEvents());
    const job = q(root, 'job')[0]!;
    assert.equal(job.getAttribute('data-status'), 'proved');
    assert.equal(q(root, 'job-title')[0]!.textContent, 'add_zero_right');
    assert.equal(q(root, 'job-location')[0]!.textContent, 'Basic.lean:7');
    assert.equal(q(root, 'job-state')[0]!.textContent, 'proved');
    assert.equal(q(root, 'job-elapsed')[0]!.textContent, '4.2 s');
    assert.equal(q(root, 'job-tokens')[0]!.textContent, '290 tokens');
    assert.equal(q(root, 'job-endpoint')[0]!.textContent, 'http://gpu:8000/v1');
    const rounds = q(root, 'round');
    assert.deepEqual(rounds.map((r) => [r.getAttribute('data-round'), r.getAttribute('data-state')]), [
      ['1', 'failed'],
      ['2', 'proved'],
    ]);
    assert.deepEqual(q(root, 'verdict').map((v) => v.textContent), ['Lean error', 'proved']);
    assert.equal(q(root, 'retrieved').length, 1);
    assert.match(q(root, 'retrieved-source')[0]!.textContent!, /Nat\.add_zero — workspace: Demo\/Lemmas\.lean:3/);
  });

  it("marks each Lean error's span in the attempt", () => {
    const root = render(storyEvents());
    const marks = q(root, 'error-span');
    assert.equal(marks.length, 1);
    assert.equal(marks[0]!.textContent, 'Nat.foo');
    assert.equal(marks[0]!.getAttribute('title'), "unknown constant 'Nat.foo'");
    assert.match(q(root, 'feedback-message')[0]!.textContent!, /2:9 error: unknown constant 'Nat\.foo'/);
  });

  it('highlights Lean: keywords, tactics and sorry get their classes, and the spans cover the text', () => {
    const text = 'theorem t : 1 = 1 := by\n  -- done\n  simp; sorry';
    const spans = highlightSpans(text);
    assert.equal(spans.map((s) => text.slice(s.start, s.end)).join(''), text);
    const cls = (word: string) => spans.find((s) => text.slice(s.start, s.end) === word)?.cls;
    assert.equal(cls('theorem'), 'kw');
    assert.equal(cls('simp'), 'tactic');
    assert.equal(cls('sorry'), 'sorry');
    assert.equal(cls('-- done'), 'comment');
  });

  it('gives an empty error range a visible mark', () => {
    const marks = marksFor('theorem t := by\n  exact foo', [{ severity: 'error', range: { start: { line: 1, character: 8 }, end: { line: 1, character: 8 } }, text: 'e' }]);
    assert.deepEqual(marks.map((m) => [m.start, m.end]), [[24, 27]]);
  });

  it('streams a sample as (sanitised) Markdown while the model writes', () => {
    const root = render(storyEvents().slice(0, 5));
    const streaming = q(root, 'attempt-streaming');
    assert.equal(streaming.length, 1);
    // the unfinished ```lean4 fence is already a highlighted code block
    assert.equal(streaming[0]!.querySelector('pre code.lean')!.textContent, 'theorem add_zero_right');
    assert.equal(q(root, 'action-cancel').length, 1, 'a running job offers Cancel');
    assert.equal(q(root, 'action-insert').length, 0);
  });

  it('offers Insert only for a verified proof', () => {
    const proved = render(storyEvents());
    assert.equal(q(proved, 'action-insert').length, 1);
    assert.equal(q(proved, 'action-diff').length, 1);
    assert.equal(q(proved, 'action-copy').length, 1);
    assert.equal(q(proved, 'action-locate').length, 1);
    assert.equal(q(proved, 'action-retry').length, 0);
    // Each attempt offers Copy and Show diff, never Insert.
    assert.equal(q(proved, 'attempt-copy').length, 2);
    const failedEvents = storyEvents().slice(0, 9);
    failedEvents.push({ type: 'job-finished', jobId: 'job-1', status: 'failed', reason: 'no verified proof after 1 round', rounds: 1, elapsedMs: 10 });
    const failed = render(failedEvents);
    assert.equal(q(failed, 'action-insert').length, 0);
    assert.equal(q(failed, 'action-retry').length, 1);
    assert.equal(q(failed, 'job-reason')[0]!.textContent, 'no verified proof after 1 round');
  });

  it('shows the goal under the title like the infoview: hypotheses, then ⊢, one line each', () => {
    const events = storyEvents();
    events.splice(1, 0, { type: 'goal', jobId: 'job-1', goal: 'n : ℕ\nh : n > 0 ∧\n  n < 10\n⊢ n + 0 = n', source: 'vscode-lean4' });
    const root = render(events);
    const goal = q(root, 'job-goal')[0] as HTMLDetailsElement;
    assert.ok(goal, 'a goal section');
    assert.equal(goal.open, true);
    assert.equal(goal.getAttribute('data-source'), 'vscode-lean4');
    const text = q(root, 'job-goal-text')[0]!;
    assert.equal(text.getAttribute('title'), 'goal state from vscode-lean4');
    const lines = [...text.querySelectorAll('.goal-line')].map((l) => [l.className, l.textContent]);
    assert.deepEqual(lines, [
      ['goal-line goal-hyp', 'n : ℕ'],
      ['goal-line goal-hyp', 'h : n > 0 ∧\n  n < 10'],
      ['goal-line goal-target', '⊢ n + 0 = n'],
    ]);
    // before the outcome: what is to be proved comes first
    const order = [...root.querySelectorAll('[data-testid="job-goal"], [data-testid="job-outcome"]')].map((n) => n.getAttribute('data-testid'));
    assert.deepEqual(order, ['job-goal', 'job-outcome']);
  });

  it('shows the statement when no goal state came (no endpoint, or Lean not asked)', () => {
    const root = render(storyEvents());
    const goal = q(root, 'job-goal')[0]!;
    assert.equal(goal.getAttribute('data-source'), 'statement');
    assert.equal(q(root, 'job-statement')[0]!.textContent, 'theorem add_zero_right (n : Nat) : n + 0 = n');
  });

  it('renders model output full of markup as text, nowhere as elements', () => {
    for (const payload of PAYLOADS) {
      const jobId = 'xss';
      const c = candidate('x1', `:= by\n  exact ${payload}`, 1);
      const events: JobEvent[] = [
        { type: 'job-started', jobId, target: { file: `/p/${payload}.lean`, line: 1, declarationName: payload, statement: payload }, endpoint: payload, at: 1 },
        { type: 'round-started', jobId, round: 1, kind: 'model' },
        { type: 'goal', jobId, goal: payload, source: payload },
        { type: 'retrieved', jobId, round: 1, proofs: [{ id: 'r', name: payload, statement: payload, proof: payload, source: { kind: 'corpus', file: payload }, score: 1 }] },
        { type: 'sample-delta', jobId, round: 1, sample: 1, delta: payload },
        { type: 'attempt', jobId, round: 1, sample: 0, raw: payload, candidate: c },
        { type: 'attempt', jobId, round: 1, sample: 2, raw: payload, problem: payload },
        { type: 'verdict', jobId, round: 1, sample: 0, candidateId: 'x1', verdict: verdict('rejected', payload, [{ severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 40 } }, text: payload, goal: payload }]) },
        { type: 'log', jobId, level: 'warn', message: payload },
        { type: 'job-finished', jobId, status: 'failed', reason: payload, rounds: 1, elapsedMs: 1 },
      ];
      const state = reduce(reduce(EMPTY_STATE, { type: 'events', events }), { type: 'note', note: { jobId, level: 'warn', text: payload } });
      const root = renderPanel(doc, state, options);
      doc.body.replaceChildren(root);
      for (const tag of ['img', 'script', 'svg', 'iframe', 'a[href^="javascript"]']) {
        assert.equal(root.querySelectorAll(tag).length, 0, `no ${tag} element from ${payload}`);
      }
      for (const node of root.querySelectorAll('*')) {
        for (const attr of node.getAttributeNames()) assert.ok(!attr.startsWith('on'), `no ${attr} handler attribute from ${payload}`);
      }
      assert.ok(root.textContent!.includes(payload), 'the payload is shown as text');
      assert.equal((window as unknown as { __pwned?: number }).__pwned, undefined);
    }
  });

  it('renders the batch report with counts, reasons and timeline links', () => {
    const report: BatchReport = {
      id: 'batch-1',
      file: 'file:///p/Demo/Three.lean',
      startedAt: 0,
      finishedAt: 1,
      entries: [
        { jobId: 'j1', declarationName: 'one', line: 3, outcome: 'proved', reason: 'proved in round 1', inserted: true },
        { jobId: 'j2', declarationName: 'two', line: 6, outcome: 'proved', reason: 'proved by the pre-pass (tactic rfl)' },
        { jobId: 'j3', declarationName: 'false_claim', line: 9, outcome: 'failed', reason: 'no verified proof after 2 rounds' },
      ],
    };
    const node = renderReport(doc, report);
    assert.equal(node.querySelector('[data-testid="report-summary"]')!.textContent, '2 proved, 1 failed, 0 skipped');
    const rows = [...node.querySelectorAll('[data-testid="report-row"]')];
    assert.deepEqual(rows.map((r) => r.getAttribute('data-outcome')), ['proved', 'proved', 'failed']);
    assert.equal(rows[2]!.querySelector('[data-testid="report-reason"]')!.textContent, 'no verified proof after 2 rounds');
    assert.equal(rows[0]!.querySelector('[data-testid="report-outcome"]')!.textContent, 'proved, inserted');
    assert.deepEqual([...node.querySelectorAll('[data-testid="report-link"]')].map((a) => a.getAttribute('data-job-id')), ['j1', 'j2', 'j3']);
  });

  it('shows an empty state with no jobs', () => {
    const root = renderPanel(doc, EMPTY_STATE, options);
    assert.equal(root.querySelectorAll('[data-testid="empty-state"]').length, 1);
  });

  it('honours sections the user opened or closed', () => {
    const state = reduce(EMPTY_STATE, { type: 'events', events: storyEvents() });
    const key = 'job-1:r1:retrieved';
    const closed = renderJob(doc, state.jobs[0]!, options);
    assert.equal((closed.querySelector(`[data-key="${key}"]`) as HTMLDetailsElement).open, false);
    const opened = renderJob(doc, state.jobs[0]!, { ...options, open: new Map([[key, true]]) });
    assert.equal((opened.querySelector(`[data-key="${key}"]`) as HTMLDetailsElement).open, true);
  });
});

describe('panel page shell', () => {
  it('has a strict CSP: scripts by nonce only, nothing remote, no inline styles or eval', () => {
    const html = panelHtml('https://webview.test', 'https://webview.test/dist/webview.js', 'https://webview.test/media/panel.css', 'abc123');
    const csp = /content="([^"]+)"/.exec(html)![1]!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!webview\.test)/);
    assert.match(html, /<script nonce="abc123" src="https:\/\/webview\.test\/dist\/webview\.js"><\/script>/);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  });
});
