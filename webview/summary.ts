// What the panel says about a job in one line: a round's summary, the live progress, the token
// count while the model writes, where an attempt came from. Pure functions of the panel state, so
// the wording is unit-tested without a DOM.
import type { LeanMessage } from '../src/core/types';
import type { SetupInfo } from '../src/ui/protocol';
import { isActive, type JobView, type RoundView, type SampleView } from './state';

/** About 3.5 characters per token, the same rule the prompt budget uses. */
const CHARS_PER_TOKEN = 3.5;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export type SampleOutcome = 'proved' | 'lean-error' | 'refused' | 'timeout' | 'cancelled' | 'checker' | 'no-proof' | 'checking' | 'writing';

export function sampleOutcome(sample: SampleView): SampleOutcome {
  const v = sample.verdict;
  if (!v) {
    if (sample.problem !== undefined) return 'no-proof';
    return sample.raw === undefined ? 'writing' : 'checking';
  }
  switch (v.kind) {
    case 'proved':
      return 'proved';
    case 'lean-error':
      return 'lean-error';
    case 'rejected':
      return 'refused';
    case 'timeout':
      return 'timeout';
    case 'cancelled':
      return 'cancelled';
    case 'infra-error':
      return 'checker';
  }
}

const OUTCOME_WORDS: Record<SampleOutcome, [string, string]> = {
  proved: ['proved', 'proved'],
  'lean-error': ['Lean error', 'Lean errors'],
  refused: ['refused', 'refused'],
  timeout: ['timed out', 'timed out'],
  cancelled: ['cancelled', 'cancelled'],
  checker: ['checker failure', 'checker failures'],
  'no-proof': ['reply without a proof', 'replies without a proof'],
  checking: ['being checked', 'being checked'],
  writing: ['being written', 'being written'],
};

/** "3 Lean errors, 1 refused": the outcomes of some samples, most frequent first. */
export function outcomeCounts(samples: readonly SampleView[]): string {
  const counts = new Map<SampleOutcome, number>();
  for (const s of samples) counts.set(sampleOutcome(s), (counts.get(sampleOutcome(s)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([o, n]) => `${n} ${OUTCOME_WORDS[o][n === 1 ? 0 : 1]}`)
    .join(', ');
}

/** The id a retrieved proof is known by, mapped to its theorem's name, from every round of the job. */
function retrievedName(job: JobView, proofId: string): string | undefined {
  for (const r of job.rounds) for (const p of r.retrieved) if (p.id === proofId && p.name) return p.name;
  return undefined;
}

/** Where an attempt came from: "tactic rfl", "replay of Nat.add_comm", "sample 2". */
export function originLabel(job: JobView, round: RoundView, sample: SampleView): string {
  const o = sample.candidate?.origin;
  if (o?.kind === 'tactic') return `tactic ${o.tactic}`;
  if (o?.kind === 'replay') return `replay of ${retrievedName(job, o.proofId) ?? 'a retrieved proof'}`;
  return round.kind === 'prepass' ? `candidate ${sample.sample + 1}` : `sample ${sample.sample + 1}`;
}

/** The one line a round folds into: "pre-pass: 10 tactics, 2 replays, none closed it"; "round 2: 4 samples, 3 Lean errors, 1 refused". */
export function roundLine(job: JobView, round: RoundView): string {
  const proved = round.samples.find((s) => s.verdict?.kind === 'proved');
  if (round.kind === 'prepass') {
    const tactics = round.samples.filter((s) => s.candidate?.origin.kind === 'tactic').length;
    const replays = round.samples.filter((s) => s.candidate?.origin.kind === 'replay').length;
    const tried = [tactics > 0 ? plural(tactics, 'tactic') : '', replays > 0 ? plural(replays, 'replay') : ''].filter(Boolean).join(', ') || 'nothing to try';
    if (proved) return `pre-pass: ${tried}; closed by ${originLabel(job, round, proved)}`;
    if (!round.finished) return `pre-pass: checking ${tried}`;
    return `pre-pass: ${tried}, none closed it`;
  }
  const head = `round ${round.round}`;
  if (round.samples.length === 0) return round.finished ? `${head}: no samples` : `${head}: waiting for the model`;
  return `${head}: ${plural(round.samples.length, 'sample')}, ${outcomeCounts(round.samples)}`;
}

/** Tokens of a round's samples not yet counted by a usage report: an estimate from the streamed text. */
function estimatedTokens(round: RoundView): number {
  if (round.promptTokens + round.completionTokens > 0) return 0;
  const chars = round.samples.reduce((n, s) => n + s.chars, 0);
  return Math.round(chars / CHARS_PER_TOKEN);
}

/** "1,234 tokens", or "≈ 310 tokens" while the model writes and the server has not counted yet. */
export function tokenLabel(job: JobView): string {
  const counted = job.promptTokens + job.completionTokens;
  const estimate = job.rounds.reduce((n, r) => n + estimatedTokens(r), 0);
  const total = (counted + estimate).toLocaleString('en-US');
  return estimate > 0 ? `≈ ${total} tokens` : `${total} tokens`;
}

/** The round that runs now, if any. */
export function liveRound(job: JobView): RoundView | undefined {
  if (!isActive(job)) return undefined;
  const last = job.rounds[job.rounds.length - 1];
  return last && !last.finished ? last : undefined;
}

/** "round 2/4 · sampling 3/4 · checking with Lean": what a running job does now. */
export function progressLine(job: JobView): string | undefined {
  if (!isActive(job)) return undefined;
  const round = liveRound(job);
  if (!round) return job.rounds.length === 0 ? 'starting: reading the goal and retrieving proofs' : 'between rounds';
  const parts: string[] = [];
  if (round.kind === 'prepass') {
    parts.push('pre-pass');
    const checked = round.samples.filter((s) => s.verdict).length;
    parts.push(round.samples.length > 0 ? `checked ${checked}/${round.samples.length}` : 'preparing candidates');
  } else {
    const total = job.meta?.rounds;
    parts.push(total ? `round ${round.round}/${total}` : `round ${round.round}`);
    const writing = round.samples.filter((s) => s.raw === undefined && s.problem === undefined).length;
    const written = round.samples.length - writing;
    const n = job.meta?.samples;
    if (round.samples.length === 0) parts.push('waiting for the model');
    // "sampling 3/4": three of the round's four samples have started (they stream side by side).
    else if (writing > 0) parts.push(n !== undefined ? `sampling ${round.samples.length}/${n}` : `sampling ${round.samples.length}`);
    else if (n !== undefined && written < n) parts.push(`sampled ${written}/${n}`);
  }
  if (round.samples.some((s) => s.candidate && !s.verdict)) parts.push('checking with Lean');
  return parts.join(' · ');
}

/** The endpoint as the header shows it: the served model's name instead of "(first served model)". */
export function endpointLabel(job: JobView, setup: SetupInfo | undefined): string {
  if (!job.endpoint || job.endpoint === 'none') return 'no endpoint';
  return setup?.servedModel ? job.endpoint.replace('(first served model)', setup.servedModel) : job.endpoint;
}

/**
 * Samples of a round that read the same (same proof body and verdict, or the same problem), so the
 * panel shows each once with a count. Samples still being written are never merged.
 */
export function sampleGroups(round: RoundView): SampleView[][] {
  const groups = new Map<string, SampleView[]>();
  for (const s of round.samples) {
    const key = s.candidate
      ? `c\u0000${s.candidate.body.trim()}\u0000${sampleOutcome(s)}\u0000${s.verdict?.reason ?? ''}`
      : s.problem !== undefined
        ? `p\u0000${s.problem}`
        : `s\u0000${s.sample}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()];
}

/**
 * The proof body of an attempt and Lean's messages moved onto it: messages are positioned in the
 * whole declaration, the panel shows only the body (`:= by …`), not the restated theorem.
 */
export function bodyView(declarationText: string, body: string, messages: readonly LeanMessage[]): { text: string; messages: LeanMessage[] } {
  const at = declarationText.lastIndexOf(body);
  if (!body || at < 0) return { text: declarationText, messages: [...messages] };
  const before = declarationText.slice(0, at);
  const lineShift = before.split('\n').length - 1;
  const colShift = at - (before.lastIndexOf('\n') + 1);
  const move = (p: { line: number; character: number }): { line: number; character: number } | undefined => {
    const line = p.line - lineShift;
    if (line < 0) return undefined;
    return { line, character: line === 0 ? Math.max(0, p.character - colShift) : p.character };
  };
  const moved: LeanMessage[] = [];
  for (const m of messages) {
    const start = move(m.range.start);
    const end = move(m.range.end);
    // A message on the statement itself stays listed, but has no span in the body to mark.
    if (start && end) moved.push({ ...m, range: { start, end } });
  }
  return { text: body, messages: moved };
}

/** Lines of a goal state, each marked as a hypothesis, the target (`⊢`) or a case name. */
export function goalLines(goal: string): { kind: 'hyp' | 'target' | 'case' | 'more'; text: string }[] {
  const out: { kind: 'hyp' | 'target' | 'case' | 'more'; text: string }[] = [];
  for (const line of goal.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') continue;
    const last = out[out.length - 1];
    // Lean wraps long hypotheses and targets onto indented lines: they continue the one above.
    if (last && /^\s+\S/.test(line) && !/^\s*⊢/.test(line)) {
      last.text += `\n${line}`;
      continue;
    }
    if (/^\s*⊢/.test(line)) out.push({ kind: 'target', text: line.trim() });
    else if (/^\s*case\s/.test(line)) out.push({ kind: 'case', text: line.trim() });
    else out.push({ kind: 'hyp', text: line.trim() });
  }
  return out;
}
