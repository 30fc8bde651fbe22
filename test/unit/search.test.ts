// The proof-state search over a fake goal oracle: goal parsing, symbolic expansion, scoring,
// duplicate states, budgets, cancellation, and the gate deciding a closing path.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import { prove } from '../../src/core/prover';
import { findSorries } from '../../src/core/source';
import type { GenerateRequest, Model, ProofTarget, Verdict, Verifier } from '../../src/core/types';
import { modelProposals, proposalsFromCompletions, tacticFromReply } from '../../src/core/search/model-step';
import { correctPrefix } from '../../src/core/search/seed';
import { makeCandidate } from '../../src/core/extract';
import { ARITH_HINTS, symbolicProposals, type ExpansionContext } from '../../src/core/search/expand';
import { forallNames, goalsFromMessage, parseGoal, stateKey, topConnective } from '../../src/core/search/goal';
import { nodeCost, pathTo, searchProof, type GoalOracle, type ProbeOutcome, type SearchNode } from '../../src/core/search/search';

/** A goal oracle from a transition table: the goals after a tactic, per goal state (first goal). */
class TableOracle implements GoalOracle {
  probes: string[][] = [];
  constructor(
    private readonly root: string[],
    /** key: the first goal, then ` |> ` and the tactic → the goals it leaves in its place. */
    private readonly table: Record<string, string[] | 'fail'>,
    readonly parallel = 1,
    private readonly onProbe?: () => void,
  ) {}
  async probe(tactics: string[]): Promise<ProbeOutcome> {
    this.probes.push(tactics);
    this.onProbe?.();
    let goals = [...this.root];
    for (const t of tactics) {
      const first = goals[0];
      const next = first === undefined ? 'fail' : this.table[`${first} |> ${t}`];
      if (next === undefined || next === 'fail') return { kind: 'failed', message: `tactic '${t}' failed` };
      goals = [...next, ...goals.slice(1)];
    }
    return { kind: 'goals', goals };
  }
}

const CTX: ExpansionContext = { closers: ['rfl', 'decide', 'simp', 'omega'], definitions: [{ name: 'double', fullName: 'Ex.double' }, { name: 'sumTo', fullName: 'Ex.sumTo' }] };
const propose = (node: SearchNode) => symbolicProposals(node.goals[0] ?? '', CTX);

describe('search: goals', () => {
  it('parses case tags, grouped hypotheses, wrapped types and the target', () => {
    const g = parseGoal('case succ\nn n_ih✝ : Nat\nh : a ∧\n  b\n⊢ double (n + 1) =\n    2 * (n + 1)');
    assert.equal(g.caseTag, 'succ');
    assert.deepEqual(g.hyps, [
      { names: ['n', 'n_ih✝'], type: 'Nat' },
      { names: ['h'], type: 'a ∧ b' },
    ]);
    assert.equal(g.target, 'double (n + 1) = 2 * (n + 1)');
  });

  it('splits an unsolved-goals message into goals', () => {
    assert.deepEqual(goalsFromMessage('unsolved goals\ncase left\np q : Prop\n⊢ p\n\ncase right\np q : Prop\n⊢ q'), ['case left\np q : Prop\n⊢ p', 'case right\np q : Prop\n⊢ q']);
  });

  it('finds the top connective by precedence, outside brackets', () => {
    assert.equal(topConnective('p ∧ q → q ∧ p'), '→');
    assert.equal(topConnective('(p → q) ∧ r'), '∧');
    assert.equal(topConnective('a ∨ b ∧ c'), '∨');
    assert.equal(topConnective('p ↔ q → r'), '↔');
    assert.equal(topConnective('∀ (n : Nat), n = n'), '∀');
    assert.equal(topConnective('¬p'), '¬');
    assert.equal(topConnective('a = b'), undefined);
    assert.deepEqual(forallNames('∀ (a b : Nat) {c : Nat}, a = c'), ['a', 'b', 'c']);
    assert.deepEqual(forallNames('∀ x y, x = y'), ['x', 'y']);
  });

  it('gives the same key to the same goals up to whitespace, case tags and ✝ numbering', () => {
    assert.equal(stateKey(['case zero\n⊢  0 = 0', 'n✝ : Nat\n⊢ n✝ = n✝']), stateKey(['⊢ 0 = 0', 'n✝1 : Nat\n⊢ n✝1   = n✝1']));
    assert.notEqual(stateKey(['⊢ 0 = 0']), stateKey(['⊢ 0 = 1']));
  });
});

describe('search: symbolic expansion', () => {
  const tactics = (goal: string) => symbolicProposals(goal, CTX).map((p) => p.tactic);

  it('proposes induction and simp with the definitions the goal mentions, and their combination', () => {
    const t = tactics('n : Nat\n⊢ double n = 2 * n');
    assert.ok(t.includes('induction n'));
    assert.ok(t.includes('simp [double]'));
    assert.ok(t.includes('simp_all [double]'));
    assert.ok(t.includes(`induction n <;> simp_all [double, ${ARITH_HINTS.join(', ')}]`));
    assert.ok(!t.some((x) => x.includes('sumTo')), 'a definition the goal does not mention is left out');
    assert.ok(t.includes('omega'), 'the pre-pass tactics close goals too');
    // closing tactics come before the structural ones
    assert.ok(t.indexOf('simp_all') < t.indexOf('induction n'));
  });

  it('spells a definition as the goal does (qualified or not), and finds it through dot notation', () => {
    assert.ok(tactics('⊢ Ex.sumTo 0 = 0').includes('simp [Ex.sumTo]'));
    const ctx: ExpansionContext = { closers: [], definitions: [{ name: 'Color.next', fullName: 'Ex.Color.next' }], inductiveTypes: ['Color'] };
    const t = symbolicProposals('c : Color\n⊢ c.next.next = c', ctx).map((p) => p.tactic);
    assert.ok(t.includes('cases c <;> simp [Color.next]'), 'a variable of the file\'s own inductive type is split');
    assert.ok(!symbolicProposals('c : Color\n⊢ c = c', ctx).some((p) => p.tactic.includes('Color.next')));
  });

  it('proposes intro with the bound names, constructor, cases on hypotheses, exact h', () => {
    assert.ok(tactics('⊢ ∀ (a b : Nat), a + b = b + a').includes('intro a b'));
    assert.ok(tactics('p q : Prop\n⊢ p ∧ q → q ∧ p').includes('intro h'));
    assert.ok(tactics('p q : Prop\nh : p\n⊢ ¬¬p').includes('intro h1'), 'a fresh name');
    const split = tactics('p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q');
    assert.ok(split.includes('constructor'));
    assert.ok(split.includes('constructor <;> assumption'));
    const cases = tactics('p q : Prop\nh : p ∧ q\n⊢ q');
    assert.ok(cases.includes('cases h'));
    assert.deepEqual(tactics('p : Prop\nh : p\n⊢ p')[0], 'exact h');
    assert.ok(!tactics('n✝ : Nat\n⊢ n✝ = n✝').some((x) => x.includes('n✝')), 'inaccessible names are never written');
  });

  it('does not propose induction on a variable the target does not mention, nor twice the same tactic', () => {
    const t = tactics('n m : Nat\n⊢ m + 0 = m');
    assert.ok(t.includes('induction m'));
    assert.ok(!t.includes('induction n'));
    assert.equal(new Set(t).size, t.length);
  });
});

describe('search: best-first', () => {
  const ROOT = 'n : Nat\n⊢ double n = 2 * n';

  it('closes a two-step goal through a structural node and reports the path', async () => {
    const zero = 'case zero\n⊢ double 0 = 2 * 0';
    const succ = 'case succ\nn : Nat\nih : double n = 2 * n\n⊢ double (n + 1) = 2 * (n + 1)';
    const oracle = new TableOracle([ROOT], {
      [`${ROOT} |> induction n`]: [zero, succ],
      [`${zero} |> simp [double]`]: [],
      [`${succ} |> simp [double]`]: ['n : Nat\nih : double n = 2 * n\n⊢ double n + 2 = 2 * n + 2'],
      [`${succ} |> simp_all [double]`]: [],
    });
    const r = await searchProof(oracle, { maxProbes: 200, timeLimitMs: 60_000, propose });
    assert.equal(r.status, 'proved');
    assert.deepEqual(r.tactics, ['induction n', 'simp [double]', 'simp_all [double]']);
    const proof = r.nodes.find((n) => n.status === 'proof')!;
    assert.deepEqual(pathTo(r.nodes, proof.id).map((n) => n.tactic), [undefined, 'induction n', 'simp [double]', 'simp_all [double]']);
    assert.equal(r.probes, oracle.probes.length);
  });

  it('expands the cheapest open node first', async () => {
    const big = '⊢ a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p = 0';
    const small = '⊢ 0 = 0';
    const root = 'p : Prop\n⊢ p ∧ p';
    const oracle = new TableOracle([root], {
      [`${root} |> constructor`]: [big, small],
      [`${root} |> apply And.intro`]: [small],
      [`${small} |> rfl`]: [],
    });
    const r = await searchProof(oracle, {
      maxProbes: 100,
      timeLimitMs: 60_000,
      propose: (node) => (node.depth === 0 ? [{ tactic: 'constructor', kind: 'structural', cost: 1 }, { tactic: 'apply And.intro', kind: 'structural', cost: 1 }] : [{ tactic: 'rfl', kind: 'closing', cost: 1 }]),
    });
    assert.equal(r.status, 'proved');
    assert.deepEqual(r.tactics, ['apply And.intro', 'rfl'], 'one small goal ranks before two goals');
    assert.ok(nodeCost([small], 1, { cost: 1 }) < nodeCost([big, small], 1, { cost: 1 }));
    assert.ok(nodeCost([small], 1, { cost: 9, logprob: -0.1 }) < nodeCost([small], 1, { cost: 0, logprob: -5 }), 'a model log-probability replaces the symbolic cost');
  });

  it('expands a state reached twice only once, and drops tactics that change nothing', async () => {
    const root = '⊢ p';
    const same = '⊢ q';
    const oracle = new TableOracle([root], {
      [`${root} |> a`]: [same],
      [`${root} |> b`]: [' ⊢  q'],
      [`${root} |> c`]: [root],
      [`${same} |> x`]: ['⊢ r'],
    });
    const r = await searchProof(oracle, {
      maxProbes: 100,
      timeLimitMs: 60_000,
      propose: (node) => (node.goals[0] === '⊢ r' ? [] : ['a', 'b', 'c', 'x'].map((tactic) => ({ tactic, kind: 'structural' as const, cost: 1 }))),
    });
    assert.equal(r.status, 'exhausted');
    assert.equal(r.nodes.find((n) => n.tactic === 'b')?.status, 'duplicate');
    assert.equal(r.nodes.find((n) => n.tactic === 'c')?.status, 'no-progress');
    // `q` was expanded once (under `a`), never under `b`
    assert.equal(oracle.probes.filter((p) => p[0] === 'b' && p.length > 1).length, 0);
    assert.ok(oracle.probes.some((p) => p.join(' ') === 'a x'));
  });

  it('stops at the probe budget and at the time limit', async () => {
    const oracle = new TableOracle([ROOT], {});
    const budget = await searchProof(oracle, { maxProbes: 5, timeLimitMs: 60_000, propose });
    assert.equal(budget.status, 'budget');
    assert.equal(budget.probes, 5);
    assert.equal(oracle.probes.length, 5);

    let clock = 0;
    const slow = new TableOracle([ROOT], {}, 1, () => (clock += 1000));
    const timed = await searchProof(slow, { maxProbes: 1000, timeLimitMs: 3500, propose, now: () => clock });
    assert.equal(timed.status, 'timeout');
    assert.ok(timed.probes <= 5, `stopped after the limit, not at the budget (${timed.probes} probes)`);
  });

  it('is cancelled by its signal between probes', async () => {
    const controller = new AbortController();
    let n = 0;
    const oracle = new TableOracle([ROOT], {}, 2, () => {
      if (++n === 3) controller.abort();
    });
    const r = await searchProof(oracle, { maxProbes: 1000, timeLimitMs: 60_000, propose, signal: controller.signal });
    assert.equal(r.status, 'cancelled');
    assert.ok(oracle.probes.length <= 4, `no wave after the abort (${oracle.probes.length} probes)`);
  });

  it('skips at the root the tactics the pre-pass already tried, and goes on when the gate refuses a path', async () => {
    const root = 'p : Prop\nh : p\n⊢ p';
    const oracle = new TableOracle([root], { [`${root} |> exact h`]: [], [`${root} |> assumption`]: [] }, 1);
    const refused: string[][] = [];
    const r = await searchProof(oracle, {
      maxProbes: 100,
      timeLimitMs: 60_000,
      propose,
      skipAtRoot: ['rfl', 'decide', 'simp', 'omega'],
      accept: async (tactics) => {
        if (tactics[0] === 'exact h') {
          refused.push(tactics);
          return false;
        }
        return true;
      },
    });
    assert.equal(r.status, 'proved');
    assert.deepEqual(r.tactics, ['assumption']);
    assert.deepEqual(refused, [['exact h']]);
    assert.equal(r.nodes.find((n) => n.tactic === 'exact h')?.status, 'failed');
    assert.ok(!oracle.probes.some((p) => ['rfl', 'decide', 'simp', 'omega'].includes(p[0]!)));
  });

  it('reports a root that Lean cannot read', async () => {
    const oracle: GoalOracle = { parallel: 1, probe: async () => ({ kind: 'failed', message: 'unknown identifier' }) };
    const r = await searchProof(oracle, { maxProbes: 10, timeLimitMs: 1000, propose });
    assert.equal(r.status, 'root-failed');
    assert.equal(r.reason, 'unknown identifier');
  });
});

describe('search: the round-0 step of the repair loop', () => {
  const TEXT = 'def double : Nat → Nat\n  | 0 => 0\n  | n + 1 => double n + 2\n\ntheorem double_eq (n : Nat) : double n = 2 * n := by\n  sorry\n';
  const target = (): ProofTarget => {
    const sorry = findSorries(TEXT)[0]!;
    return { file: 'T.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
  };
  const WIN = 'induction n <;> simp_all [double, Nat.mul_succ, Nat.succ_mul]';
  /** Lean accepts exactly the body of the winning path; the oracle closes the goal only on that path. */
  const ports = (gate: { accept: boolean } = { accept: true }) => {
    const checked: string[] = [];
    const verifier: Verifier = {
      availability: async () => ({ ok: true, description: 'fake' }),
      dispose: async () => undefined,
      verify: async (request) => {
        const out = new Map<string, Verdict>();
        for (const c of request.candidates) {
          checked.push(c.body);
          const ok = gate.accept && c.body === `:= by ${WIN}`;
          out.set(c.id, ok ? { kind: 'proved', reason: 'ok', messages: [], feedback: '', elapsedMs: 1 } : { kind: 'lean-error', rule: 'lean-error', reason: 'no', messages: [], feedback: 'no', elapsedMs: 1 });
        }
        return out;
      },
    };
    const oracle = new TableOracle(['n : Nat\n⊢ double n = 2 * n'], { [`n : Nat\n⊢ double n = 2 * n |> ${WIN}`]: [] });
    return { checked, oracle, ports: { verifier, search: () => oracle } };
  };
  const cfg = (o: Partial<OProverConfig> = {}): OProverConfig => ({ ...structuredClone(DEFAULT_CONFIG), prepassTactics: ['rfl', 'simp'], retrievalK: 0, ...o });

  it('runs after the pre-pass failed, and its closing path passes through the gate as a candidate', async () => {
    const { checked, ports: p } = ports();
    const events: JobEvent[] = [];
    const r = await prove(target(), cfg(), p, { onEvent: (e) => events.push(e) });
    assert.equal(r.status, 'proved');
    assert.equal(r.proof?.body, `:= by ${WIN}`);
    assert.match(r.reason, /proof-state search/);
    assert.deepEqual(checked, [':= by rfl', ':= by simp', `:= by ${WIN}`], 'the pre-pass first, then the search path through the verifier');
    assert.equal(r.search?.status, 'proved');
    const round0 = events.filter((e) => e.type === 'round-finished');
    assert.deepEqual(round0.map((e) => e.type === 'round-finished' && e.proved), [true]);
  });

  it('goes on when the gate refuses the path, and search mode then ends without model rounds', async () => {
    const { checked, ports: p } = ports({ accept: false });
    const r = await prove(target(), cfg(), p, { searchOnly: true });
    assert.equal(r.status, 'failed');
    assert.match(r.reason, /proof-state search found no proof/);
    assert.equal(r.rounds, 0);
    assert.ok(checked.includes(`:= by ${WIN}`));
    assert.equal(r.search?.status, 'exhausted');
  });

  it('does not run with a budget of 0, without a goal oracle, or when a retry goes on from an earlier job', async () => {
    for (const [config, opts, withOracle] of [
      [cfg({ searchBudget: 0 }), {}, true],
      [cfg(), {}, false],
      [cfg(), { continueFrom: { attempt: 'x', feedback: 'y' } }, true],
    ] as const) {
      const { oracle, ports: p } = ports();
      const r = await prove(target(), config, withOracle ? p : { verifier: p.verifier }, opts);
      assert.notEqual(r.status, 'proved');
      assert.equal(r.search, undefined);
      assert.equal(oracle.probes.length, 0);
    }
  });
});

describe('search: model-guided expansion', () => {
  it('keeps one tactic line of a reply, and nothing that is not a tactic', () => {
    assert.equal(tacticFromReply('<think>maybe simp</think>\n```lean4\ninduction n with\n  | zero => rfl\n```'), 'induction n with');
    assert.equal(tacticFromReply('  intro h  \n'), 'intro h');
    assert.equal(tacticFromReply('```lean\nby simp_all\n```'), 'simp_all');
    assert.equal(tacticFromReply('```lean4\ntheorem x : True := trivial\n```'), undefined);
    assert.equal(tacticFromReply(''), undefined);
  });

  it('ranks distinct sampled tactics by log-probability, else by votes', () => {
    const c = (text: string, logprob?: number) => ({ text, finishReason: 'stop', ...(logprob !== undefined ? { logprob } : {}) });
    const byLogprob = proposalsFromCompletions([c('simp', -3), c('intro h', -0.5), c('simp', -1)]);
    assert.deepEqual(byLogprob.map((p) => [p.tactic, p.logprob]), [['intro h', -0.5], ['simp', -1]]);
    const byVotes = proposalsFromCompletions([c('a'), c('b'), c('b')]);
    assert.deepEqual(byVotes.map((p) => p.tactic), ['b', 'a']);
    assert.ok(byVotes.every((p) => p.kind === 'model' && p.logprob === undefined));
  });

  it('asks with the proof so far and the goals, n samples; a failing model call only costs its proposals', async () => {
    const requests: GenerateRequest[] = [];
    const model: Model = {
      description: 'fake',
      generate: async (request) => {
        requests.push(request);
        return [{ text: '```lean4\nexact h.2\n```', finishReason: 'stop' }];
      },
    };
    const got = await modelProposals({ context: 'namespace X', header: 'theorem t (h : p ∧ q) : q', tactics: ['skip'], goals: ['h : p ∧ q\n⊢ q'] }, { model, n: 3, temperature: 1, topP: 1, maxTokens: 64 });
    assert.deepEqual(got.map((p) => p.tactic), ['exact h.2']);
    assert.equal(requests[0]!.n, 3);
    const user = requests[0]!.messages.find((m) => m.role === 'user')!.content;
    assert.match(user, /theorem t \(h : p ∧ q\) : q := by\n  skip\n  sorry/);
    assert.match(user, /h : p ∧ q\n⊢ q/);
    const failing: Model = { description: 'down', generate: async () => Promise.reject(new Error('503')) };
    assert.deepEqual(await modelProposals({ context: '', header: 'theorem t : True', tactics: [], goals: ['⊢ True'] }, { model: failing, n: 1, temperature: 1, topP: 1, maxTokens: 8 }), []);
  });

  it('search mode with a model tries the model tactic first and proves with it', async () => {
    const TEXT = 'theorem t (p q : Prop) (h : p ∧ q) : q := by\n  sorry\n';
    const sorry = findSorries(TEXT)[0]!;
    const target: ProofTarget = { file: 'T.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
    const root = 'p q : Prop\nh : p ∧ q\n⊢ q';
    const oracle = new TableOracle([root], { [`${root} |> exact h.2`]: [] });
    const verifier: Verifier = {
      availability: async () => ({ ok: true, description: 'fake' }),
      dispose: async () => undefined,
      verify: async (request) => new Map(request.candidates.map((c) => [c.id, c.body === ':= by exact h.2' ? { kind: 'proved', reason: 'ok', messages: [], feedback: '', elapsedMs: 1 } : { kind: 'lean-error', reason: 'no', messages: [], feedback: 'no', elapsedMs: 1 }] as [string, Verdict])),
    };
    const model: Model = { description: 'fake', generate: async (r) => Array.from({ length: r.n }, () => ({ text: 'exact h.2', finishReason: 'stop', logprob: -0.2 })) };
    const r = await prove(target, { ...structuredClone(DEFAULT_CONFIG), prepassTactics: ['rfl'], retrievalK: 0 }, { verifier, model, search: () => oracle }, { searchOnly: true });
    assert.equal(r.status, 'proved');
    assert.equal(r.proof?.body, ':= by exact h.2');
    assert.deepEqual(oracle.probes[1], ['exact h.2'], 'the model tactic is the first probe after the root');
    assert.equal(r.rounds, 0, 'no whole-proof model round ran');
  });
});

describe('search: seeds from failed attempts (mixed mode)', () => {
  const TEXT = 'theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  sorry\n';
  const target = (): ProofTarget => {
    const sorry = findSorries(TEXT)[0]!;
    return { file: 'T.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
  };
  const error = (line: number, text: string): Verdict => ({ kind: 'lean-error', rule: 'lean-error', reason: text, feedback: text, elapsedMs: 1, messages: [{ severity: 'error', range: { start: { line, character: 2 }, end: { line, character: 9 } }, text }] });
  const attempt = (body: string) => makeCandidate(target(), body, { kind: 'model', round: 1, sample: 0 });

  it('keeps the top-level tactics before the first error, all of them when only goals were left', () => {
    const body = ':= by\n  constructor\n  exact hp\n  exact hp\n  exact hq';
    assert.deepEqual(correctPrefix(attempt(body), error(3, 'type mismatch')), ['constructor', 'exact hp']);
    assert.deepEqual(correctPrefix(attempt(body), error(0, 'unsolved goals\n⊢ q')), ['constructor', 'exact hp', 'exact hp', 'exact hq']);
    assert.equal(correctPrefix(attempt(body), error(1, 'unknown tactic')), undefined, 'nothing ran before the error');
    assert.equal(correctPrefix(attempt(':= by exact ⟨hp, hp⟩'), error(0, 'type mismatch')), undefined, 'no tactic block');
    assert.deepEqual(correctPrefix(attempt(':= by\n  constructor\n  · exact hp\n  · exact hp'), error(3, 'type mismatch')), ['constructor'], 'a focused block ends the prefix');
    assert.deepEqual(correctPrefix(attempt(':= by\n  constructor\n  cases hp with\n    | intro => rfl\n  bad'), error(4, 'x')), ['constructor'], 'a multi-line tactic ends it too');
    assert.equal(correctPrefix(attempt(body), { kind: 'proved', reason: '', messages: [], feedback: '', elapsedMs: 1 }), undefined);
  });

  it('starts from a seed without expanding the root again, and proves from there', async () => {
    const root = 'p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q';
    const left = 'p q : Prop\nhp : p\nhq : q\n⊢ q';
    const oracle = new TableOracle([root], { [`${root} |> constructor`]: ['p q : Prop\nhp : p\nhq : q\n⊢ p', left], ['p q : Prop\nhp : p\nhq : q\n⊢ p |> exact hp']: [], [`${left} |> exact hq`]: [] });
    const r = await searchProof(oracle, { maxProbes: 50, timeLimitMs: 60_000, propose, seeds: [['constructor', 'exact hp']], expandRoot: false });
    assert.equal(r.status, 'proved');
    assert.deepEqual(r.tactics, ['constructor', 'exact hp', 'exact hq']);
    assert.ok(!oracle.probes.some((p) => p.length === 1), 'no tactic was tried on the root');
  });

  it('after failed model rounds, the loop searches from the attempts\' correct prefixes', async () => {
    const root = 'p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q';
    const left = 'p q : Prop\nhp : p\nhq : q\n⊢ q';
    const oracle = new TableOracle([root], { [`${root} |> constructor`]: ['p q : Prop\nhp : p\nhq : q\n⊢ p', left], ['p q : Prop\nhp : p\nhq : q\n⊢ p |> exact hp']: [], [`${left} |> exact hq`]: [] });
    const WIN = ':= by\n  constructor\n  exact hp\n  exact hq';
    const verifier: Verifier = {
      availability: async () => ({ ok: true, description: 'fake' }),
      dispose: async () => undefined,
      verify: async (request) =>
        new Map(request.candidates.map((c) => [c.id, c.body === WIN ? { kind: 'proved', reason: 'ok', messages: [], feedback: '', elapsedMs: 1 } : error(c.body.includes('exact hp\n  exact hp') ? 3 : 0, c.body.includes('exact hp\n  exact hp') ? 'type mismatch' : 'unsolved goals\n⊢ p ∧ q')] as [string, Verdict])),
    };
    const model: Model = { description: 'fake', generate: async () => [{ text: '```lean4\ntheorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n  exact hp\n  exact hp\n```', finishReason: 'stop' }] };
    const config = { ...structuredClone(DEFAULT_CONFIG), prepassTactics: ['rfl'], retrievalK: 0, rounds: 1, samplesPerRound: 1, searchBudget: 3 };
    const r = await prove(target(), config, { verifier, model, search: () => oracle });
    assert.equal(r.status, 'proved', r.reason);
    assert.equal(r.proof?.body, WIN);
    assert.match(r.reason, /correct prefix/);
    assert.ok(oracle.probes.some((p) => p.join('; ') === 'constructor; exact hp'), 'the seed was probed');
  });
});
