// Compiler feedback in Goedel-Prover-V2's layout, on the candidate's own lines.
import assert from 'node:assert/strict';
import { formatFeedback, markedSnippet } from '../../src/core/feedback';
import type { LeanMessage } from '../../src/core/types';

const CODE = [
  'theorem t (a b : ℕ) (h : a < b) : a + 1 ≤ b := by', // 0
  '  have h1 : a + 1 ≤ b := by', // 1
  '    exact h', // 2
  '  exact h1', // 3
].join('\n');

function err(sl: number, sc: number, el: number, ec: number, text: string, goal?: string): LeanMessage {
  const m: LeanMessage = { severity: 'error', range: { start: { line: sl, character: sc }, end: { line: el, character: ec } }, text };
  if (goal) m.goal = goal;
  return m;
}

describe('compiler feedback', () => {
  it('marks a one-line span with <error> and shows up to 4 lines before and 1 after', () => {
    const out = formatFeedback(CODE, [err(2, 10, 2, 11, 'type mismatch\n  h\nhas type\n  a < b')], { maxErrors: 8 });
    assert.equal(
      out,
      [
        'Error 1:',
        '',
        'Corresponding Code:',
        '```lean4',
        'theorem t (a b : ℕ) (h : a < b) : a + 1 ≤ b := by',
        '  have h1 : a + 1 ≤ b := by',
        '    exact <error>h</error>',
        '  exact h1',
        '```',
        '',
        'Error Message: type mismatch\n  h\nhas type\n  a < b',
      ].join('\n'),
    );
  });

  it('marks multi-line spans and cuts them after 6 lines', () => {
    const lines = ['theorem t : True := by', ...Array.from({ length: 12 }, (_, i) => `  step${i}`)];
    const snippet = markedSnippet(lines, err(0, lines[0]!.indexOf(':='), 12, 8, 'unsolved goals'));
    const shown = snippet.split('\n');
    assert.equal(shown[0], 'theorem t : True <error>:= by');
    assert.ok(shown.includes('  step4'));
    assert.ok(!shown.includes('  step5'), 'lines beyond the first 6 of the span are cut');
    assert.ok(shown.includes('  ... --[Truncated]-- ...'));
    assert.equal(shown.at(-1), '  step11</error>');
  });

  it('treats a span ending at column 0 as ending on the line before', () => {
    const snippet = markedSnippet(CODE.split('\n'), err(0, CODE.indexOf(':='), 1, 0, 'unsolved goals'));
    assert.equal(snippet.split('\n')[0], 'theorem t (a b : ℕ) (h : a < b) : a + 1 ≤ b <error>:= by</error>');
  });

  it('lists at most N errors and says how many were left out', () => {
    const many = Array.from({ length: 5 }, (_, i) => err(3, 2, 3, 7, `error ${i}`));
    const out = formatFeedback(CODE, many, { maxErrors: 2 });
    assert.match(out, /Error 2:/);
    assert.doesNotMatch(out, /Error 3:/);
    assert.match(out, /\.\.\. \[Omitted 3 more errors\] \.\.\.$/);
  });

  it('adds the goal at an error unless the message already shows it', () => {
    const withGoal = formatFeedback(CODE, [err(3, 2, 3, 10, 'linarith failed', 'a b : ℕ\nh : a < b\n⊢ a + 1 ≤ b')], { maxErrors: 8 });
    assert.match(withGoal, /Goal at the error:\na b : ℕ\nh : a < b\n⊢ a \+ 1 ≤ b/);
    const unsolved = formatFeedback(CODE, [err(0, 47, 3, 10, 'unsolved goals\na b : ℕ\n⊢ a + 1 ≤ b', 'a b : ℕ\n⊢ a + 1 ≤ b')], { maxErrors: 8 });
    assert.doesNotMatch(unsolved, /Goal at the error/);
  });

  it('ignores warnings, and clamps positions beyond the candidate', () => {
    const warning: LeanMessage = { severity: 'warning', range: { start: { line: 0, character: 8 }, end: { line: 0, character: 9 } }, text: 'unused variable' };
    assert.equal(formatFeedback(CODE, [warning], { maxErrors: 8 }), '');
    const out = formatFeedback(CODE, [err(9, 0, 9, 0, "unknown constant 't'")], { maxErrors: 8 });
    assert.match(out, /  exact h1<error><\/error>/);
  });
});
