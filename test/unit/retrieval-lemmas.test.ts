import assert from 'node:assert/strict';
import { boundNames, dotSuffixes, identifierSet, lemmaFound, lemmaNames, lemmaRecall } from '../../src/retrieval/lemma-names';

describe('lemma names (the benchmark yardstick)', () => {
  it('keeps lemma-shaped names and drops tactics, keywords, bare types, locals and binders', () => {
    const statement = 'theorem t (l : List α) (h_len : l.length = 2) (hab : a ≤ b) : l ++ [] = l';
    const proof = 'by\n  -- uses List.fake_in_comment\n  simp only [List.append_nil, length_append] at h_len\n  exact (congrArg id (Nat.le_of_lt hab)).trans h.le\n  rw [@Nat.add_comm, «my_lemma»]\n  have hx := ih.symm\n  exact h_len';
    assert.deepEqual([...lemmaNames(proof, statement)].sort(), ['List.append_nil', 'Nat.add_comm', 'Nat.le_of_lt', 'congrArg', 'length_append', 'my_lemma']);
  });

  it('reads binder names after (, {, [, ⦃, ∀, ∃, fun', () => {
    assert.deepEqual([...boundNames('theorem t {α : Type} [inst : Foo α] (x y : α) : ∀ z_w, ∃ k_1, fun q_q => x')].sort(), ['inst', 'k_1', 'q_q', 'x', 'y', 'z_w', 'α'].sort());
  });

  it('matches names up to a leading namespace, never across namespaces', () => {
    const used = identifierSet('by simp [List.append_nil, foo_bar]');
    const suffixes = dotSuffixes(used);
    assert.equal(lemmaFound('append_nil', used, suffixes), true);
    assert.equal(lemmaFound('X.foo_bar', used, suffixes), true);
    assert.equal(lemmaFound('List.append_nil', used, suffixes), true);
    assert.equal(lemmaFound('Array.append_nil', used, suffixes), false);
    assert.equal(lemmaFound('append', used, suffixes), false);
  });

  it('scores a query by the share of its lemma names found in the union of the retrieved proofs', () => {
    const proof = (text: string) => {
      const used = identifierSet(text);
      return { used, suffixes: dotSuffixes(used) };
    };
    const wanted = new Set(['Nat.add_comm', 'Nat.mul_comm', 'List.length_append', 'foo_bar']);
    assert.equal(lemmaRecall(wanted, [proof('by rw [Nat.add_comm]'), proof('by simp [length_append, Nat.add_comm]')]), 0.5);
    assert.equal(lemmaRecall(wanted, []), 0);
    assert.ok(Number.isNaN(lemmaRecall(new Set(), [proof('rfl')])));
  });
});
