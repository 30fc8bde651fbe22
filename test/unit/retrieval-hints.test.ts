import assert from 'node:assert/strict';
import { namesFromLeanErrors, retrievalQueryFor, sameRetrievalQuery } from '../../src/core/retrieval-hints';
import { queryText } from '../../src/retrieval/query';
import type { ProofTarget } from '../../src/core/types';

describe('retrieval query from the goal and Lean errors', () => {
  it('picks unknown identifiers and the lemmas that did not fit out of Lean errors', () => {
    const feedback = [
      "error: unknown identifier 'Nat.foo_bar'",
      "error: unknown constant 'List.length_appendd'",
      'error: type mismatch\n  Nat.le_of_lt h\nhas type\n  a ≤ b',
      "error: invalid field 'trans'",
      "error: unknown identifier 'Nat.foo_bar'",
      'error: unsolved goals\n⊢ a = b',
    ].join('\n');
    assert.deepEqual(namesFromLeanErrors(feedback), ['Nat.foo_bar', 'List.length_appendd', 'Nat.le_of_lt', 'trans']);
    assert.deepEqual(namesFromLeanErrors('error: unsolved goals'), []);
  });

  it('asks with the statement, then the goal and the names of the last failure; same query, no new search', () => {
    const target = { declaration: { header: 'theorem t (n : Nat) : n + 0 = n', fullName: 'Demo.t' } } as unknown as ProofTarget;
    const first = retrievalQueryFor(target, undefined, []);
    assert.deepEqual(first, { statement: 'theorem t (n : Nat) : n + 0 = n', excludeName: 'Demo.t' });
    const later = retrievalQueryFor(target, 'n : Nat\n⊢ n + 0 = n', [{ feedback: "unknown identifier 'add_zero'" }]);
    assert.deepEqual(later.hints, ['add_zero']);
    assert.equal(sameRetrievalQuery(first, later), false);
    assert.equal(sameRetrievalQuery(later, retrievalQueryFor(target, 'n : Nat\n⊢ n + 0 = n', [{ feedback: "unknown identifier 'add_zero'" }])), true);
    assert.equal(sameRetrievalQuery(undefined, first), false);
    assert.equal(queryText(later), 'theorem t (n : Nat) : n + 0 = n\nn : Nat\n⊢ n + 0 = n\nadd_zero');
  });
});
