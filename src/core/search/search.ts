// Best-first search over proof states. A node is a tactic prefix and the goals Lean reports after
// it; expanding a node tries proposed tactics on its first goal (each try is one probe of the goal
// oracle, in parallel up to what the oracle allows); a probe that leaves no goal is a proof, which
// the caller still checks with the full gate. Nodes are ranked by a cost (goal count and size,
// depth, the proposal's cost, minus the model's log-probability when a model proposed the tactic);
// the same goals reached twice are expanded once. Budget in probes and time; an AbortSignal cancels.
import { goalSize, stateKey } from './goal';
import type { Proposal } from './expand';

/** What Lean says after a tactic prefix. */
export type ProbeOutcome =
  /** The goals left (none: the prefix proves the statement). */
  | { kind: 'goals'; goals: string[] }
  /** A tactic failed (the message is Lean's), or the prefix was refused before Lean. */
  | { kind: 'failed'; message: string }
  | { kind: 'timeout'; message: string };

/** The port the search runs on: goals per tactic prefix, for one target. */
export interface GoalOracle {
  /** Runs the tactics in order from the statement's start; `[]` gives the statement's own goals. */
  probe(tactics: string[], signal?: AbortSignal): Promise<ProbeOutcome>;
  /** Probes that may run at once (the warm slots). */
  readonly parallel: number;
}

export type NodeStatus = 'open' | 'expanded' | 'proof' | 'failed' | 'duplicate' | 'no-progress' | 'timeout';

/** One node of the search tree, as the panel and the reports show it. */
export interface SearchNode {
  id: number;
  parent: number | undefined;
  /** The tactic of the edge from the parent (undefined for the root). */
  tactic: string | undefined;
  tactics: string[];
  goals: string[];
  status: NodeStatus;
  depth: number;
  cost: number;
  /** Lean's message when the tactic failed. */
  message?: string;
}

export interface SearchOptions {
  /** Probes at most (the root's included). */
  maxProbes: number;
  timeLimitMs: number;
  /** Deepest tactic prefix expanded. */
  maxDepth?: number;
  signal?: AbortSignal;
  /** Proposals for a node's first goal, tried in the order given. */
  propose(node: SearchNode): Proposal[] | Promise<Proposal[]>;
  /** Tactics not to try at the root (the pre-pass already tried them there). */
  skipAtRoot?: Iterable<string>;
  /**
   * Tactic prefixes to start from besides the root (the correct prefixes of failed attempts): each
   * is probed once; a state it reaches is an open node at depth 0, ranked before equal states.
   */
  seeds?: string[][];
  /** Expand the root too (default); off when only the seeds are new (the root was searched before). */
  expandRoot?: boolean;
  /**
   * Decides whether a closing path is a proof (the full gate); a refused path is recorded and the
   * search goes on. Default: accepted.
   */
  accept?(tactics: string[]): Promise<boolean>;
  onNode?(node: SearchNode): void;
  /** Injected clock, for tests. */
  now?(): number;
}

export interface SearchResult {
  status: 'proved' | 'exhausted' | 'budget' | 'timeout' | 'cancelled' | 'root-failed';
  /** The closing tactic path when proved. */
  tactics?: string[];
  nodes: SearchNode[];
  probes: number;
  elapsedMs: number;
  /** Why the root could not be read, for root-failed. */
  reason?: string;
}

/** A node's cost: fewer and smaller goals, shallower, cheaper proposals first. */
export function nodeCost(goals: string[], depth: number, proposal: Pick<Proposal, 'cost' | 'logprob'>): number {
  const size = goals.reduce((a, g) => a + goalSize(g), 0);
  const prior = proposal.logprob !== undefined ? -proposal.logprob * 4 : proposal.cost;
  return goals.length * 10 + size / 40 + depth * 3 + prior;
}

/** A min-heap of nodes by cost (ties: older first). */
class Frontier {
  private readonly heap: SearchNode[] = [];
  get size(): number {
    return this.heap.length;
  }
  private less(a: SearchNode, b: SearchNode): boolean {
    return a.cost < b.cost || (a.cost === b.cost && a.id < b.id);
  }
  push(n: SearchNode): void {
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): SearchNode | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Runs the search until a proof, the budget, the time limit or cancellation. Never throws for Lean failures. */
export async function searchProof(oracle: GoalOracle, options: SearchOptions): Promise<SearchResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const deadline = started + options.timeLimitMs;
  const maxDepth = options.maxDepth ?? 4;
  const signal = options.signal;
  const nodes: SearchNode[] = [];
  const seen = new Set<string>();
  const skip = new Set([...(options.skipAtRoot ?? [])].map((t) => t.trim()));
  let probes = 0;
  const result = (status: SearchResult['status'], extra: Partial<SearchResult> = {}): SearchResult => ({ status, nodes, probes, elapsedMs: now() - started, ...extra });
  const record = (node: SearchNode): SearchNode => {
    nodes.push(node);
    options.onNode?.(node);
    return node;
  };

  if (signal?.aborted) return result('cancelled');
  probes++;
  const rootOutcome = await oracle.probe([], signal);
  if (signal?.aborted) return result('cancelled');
  if (rootOutcome.kind !== 'goals') return result('root-failed', { reason: rootOutcome.message });
  const root = record({ id: 0, parent: undefined, tactic: undefined, tactics: [], goals: rootOutcome.goals, status: 'open', depth: 0, cost: 0 });
  if (root.goals.length === 0) return result('root-failed', { reason: 'Lean reports no goal at the start of the proof' });
  seen.add(stateKey(root.goals));
  const frontier = new Frontier();
  if (options.expandRoot !== false) frontier.push(root);

  let proof: string[] | undefined;
  for (const seed of options.seeds ?? []) {
    if (signal?.aborted) return result('cancelled');
    if (probes >= options.maxProbes) return result('budget');
    if (seed.length === 0) continue;
    probes++;
    const outcome = await oracle.probe(seed, signal);
    if (signal?.aborted) return result('cancelled');
    const node: SearchNode = { id: nodes.length, parent: root.id, tactic: seed.join('; '), tactics: seed, goals: [], status: 'open', depth: 0, cost: 0 };
    if (outcome.kind !== 'goals') {
      record({ ...node, status: outcome.kind === 'timeout' ? 'timeout' : 'failed', message: outcome.message });
      continue;
    }
    node.goals = outcome.goals;
    node.cost = nodeCost(outcome.goals, 0, { cost: 0 });
    if (outcome.goals.length === 0) {
      record({ ...node, status: 'proof' });
      if (!options.accept || (await options.accept(seed))) return result('proved', { tactics: seed });
      nodes[nodes.length - 1]!.status = 'failed';
      continue;
    }
    const key = stateKey(outcome.goals);
    if (seen.has(key)) {
      record({ ...node, status: 'duplicate' });
      continue;
    }
    seen.add(key);
    frontier.push(record(node));
  }
  for (;;) {
    if (signal?.aborted) return result('cancelled');
    if (probes >= options.maxProbes) return result('budget');
    if (now() >= deadline) return result('timeout');
    const node = frontier.pop();
    if (!node) return result('exhausted');
    node.status = 'expanded';
    options.onNode?.(node);
    let proposals = await options.propose(node);
    if (node === root) proposals = proposals.filter((p) => !skip.has(p.tactic.trim()));
    const queue = [...proposals];
    const probeOne = async (proposal: Proposal): Promise<void> => {
      const tactics = [...node.tactics, proposal.tactic];
      const outcome = await oracle.probe(tactics, signal);
      if (signal?.aborted) return;
      const child: SearchNode = { id: nodes.length, parent: node.id, tactic: proposal.tactic, tactics, goals: [], status: 'open', depth: node.depth + 1, cost: 0 };
      if (outcome.kind !== 'goals') {
        child.status = outcome.kind === 'timeout' ? 'timeout' : 'failed';
        child.message = outcome.message;
        record(child);
        return;
      }
      child.goals = outcome.goals;
      child.cost = nodeCost(outcome.goals, child.depth, proposal);
      if (outcome.goals.length === 0) {
        child.status = 'proof';
        record(child);
        if (proof !== undefined) return; // another probe of this wave was accepted first
        if (!options.accept || (await options.accept(tactics))) proof = tactics;
        else {
          child.status = 'failed';
          child.message = 'the acceptance gate refused this proof';
          options.onNode?.(child);
        }
        return;
      }
      const key = stateKey(outcome.goals);
      if (key === stateKey(node.goals)) child.status = 'no-progress';
      else if (seen.has(key)) child.status = 'duplicate';
      else {
        seen.add(key);
        if (child.depth < maxDepth) frontier.push(child);
      }
      record(child);
    };
    // Waves of `parallel` probes: a proof found in a wave ends the search after that wave.
    while (queue.length > 0 && proof === undefined) {
      if (signal?.aborted) return result('cancelled');
      if (now() >= deadline) return result('timeout');
      const room = options.maxProbes - probes;
      if (room <= 0) return result('budget');
      const wave = queue.splice(0, Math.max(1, Math.min(oracle.parallel, room)));
      probes += wave.length;
      await Promise.all(wave.map(probeOne));
    }
    if (proof !== undefined) return result('proved', { tactics: proof });
  }
}

/** The path from the root to a node, as tactics. */
export function pathTo(nodes: SearchNode[], id: number): SearchNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: SearchNode[] = [];
  for (let n = byId.get(id); n; n = n.parent === undefined ? undefined : byId.get(n.parent)) out.unshift(n);
  return out;
}
