// The hole entries of the adversarial corpus before Lean: what is labelled for refusal before Lean
// is refused by extraction or screening, for a hole proved through its theorem and for one asked in
// place; what is labelled for Lean reaches it as a proof of the hole's theorem (test/lean/ runs those).
import assert from 'node:assert/strict';
import { candidateFromReply } from '../../src/core/extract';
import { extractInPlace, prepareHole } from '../../src/core/hole/prepare';
import { screenCandidate } from '../../src/core/screen';
import { findSorries } from '../../src/core/source';
import type { Extraction } from '../../src/core/extract';
import type { ProofTarget, Verifier } from '../../src/core/types';
import { HOLE_GOAL, holeTargetText, loadHoleCorpus, replyOf } from '../fixtures/adversarial/corpus';

const unused: Verifier = {
  verify: async () => new Map(),
  availability: async () => ({ ok: true, description: 'unused' }),
  dispose: async () => {},
};

function userTarget(): ProofTarget {
  const text = holeTargetText();
  const sorry = findSorries(text).filter((s) => s.hole)[1]!;
  return { file: 'Target.lean', projectRoot: '.', text, version: 0, sorry, declaration: sorry.declaration! };
}

function refusal(extracted: Extraction, target: ProofTarget): string | undefined {
  if (!extracted.ok) return extracted.problem;
  const screened = screenCandidate(extracted.candidate, target, { allowNativeDecide: false });
  return screened.ok ? undefined : screened.reason;
}

describe('adversarial corpus: holes, before Lean', () => {
  const origin = { kind: 'model' as const, round: 1, sample: 0 };

  it('refuses before Lean what is labelled so, through the theorem and in place', async () => {
    const user = userTarget();
    const prepared = await prepareHole(user, unused, async () => ({ goal: HOLE_GOAL, source: 'test' }), false);
    assert.equal(prepared.job.theorem?.name, 'skel_hole2');
    const entries = loadHoleCorpus();
    assert.ok(entries.length >= 6);
    for (const entry of entries) {
      const reply = replyOf(entry);
      const viaTheorem = refusal(candidateFromReply(reply, prepared.loopTarget, origin), prepared.loopTarget);
      const inPlace = refusal(extractInPlace(reply, user, origin), user);
      if (entry.expect === 'reject-before-lean') {
        assert.ok(viaTheorem !== undefined, `${entry.name} reaches Lean as a proof of the hole's theorem`);
        assert.ok(inPlace !== undefined, `${entry.name} reaches Lean as the hole's tactics`);
      } else {
        assert.equal(viaTheorem, undefined, `${entry.name} is labelled for Lean but was refused before: ${viaTheorem}`);
      }
    }
  });

  it('names what is wrong with a reply that edits outside the hole', () => {
    const entry = loadHoleCorpus().find((e) => e.name === 'edits-outside-the-hole')!;
    const r = extractInPlace(replyOf(entry), userTarget(), origin);
    assert.ok(!r.ok);
    assert.match(r.problem, /outside the hole/);
  });
});
