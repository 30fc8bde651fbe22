// One round of a job: a one-line summary that opens on click, its retrieved proofs, and its
// attempts with identical samples merged. An attempt shows the proof body (not the restated
// theorem), Lean's errors marked on it, and the model's reasoning as sanitised Markdown.
import { button, details, el, leanBlock, summaryBody, type RenderOptions } from './dom';
import { renderLean } from './highlight';
import { proseOf, renderMarkdown } from './markdown';
import type { JobView, RoundView, SampleView } from './state';
import { bodyView, originLabel, roundLine, sampleGroups } from './summary';

export function verdictLabel(sample: SampleView): string {
  const v = sample.verdict;
  if (!v) {
    if (sample.problem !== undefined) return 'no proof in the reply';
    return sample.raw === undefined ? 'writing…' : 'checking…';
  }
  switch (v.kind) {
    case 'proved':
      return 'proved';
    case 'lean-error':
      return 'Lean error';
    case 'rejected':
      return `refused${v.rule ? ` (${v.rule})` : ''}`;
    case 'timeout':
      return 'timed out';
    case 'cancelled':
      return 'cancelled';
    case 'infra-error':
      return 'checker failed';
  }
}

function verdictState(sample: SampleView): string {
  if (sample.verdict) return sample.verdict.kind;
  if (sample.problem !== undefined) return 'no-proof';
  return sample.raw === undefined ? 'streaming' : 'checking';
}

function renderFeedback(doc: Document, sample: SampleView, messages: ReturnType<typeof bodyView>['messages'] | undefined): HTMLElement[] {
  const v = sample.verdict;
  if (!v) return [];
  const out: HTMLElement[] = [el(doc, 'div', { class: `verdict-reason verdict-${v.kind}`, 'data-testid': 'verdict-reason' }, v.reason)];
  const shown = (messages ?? v.messages).filter((m) => m.severity === 'error' || m.severity === 'warning');
  if (shown.length > 0) {
    const list = el(doc, 'ul', { class: 'feedback', 'data-testid': 'feedback', 'aria-label': 'Lean messages' });
    for (const m of shown) {
      const item = el(doc, 'li', { class: `lean-${m.severity}`, 'data-testid': 'feedback-message' });
      item.appendChild(el(doc, 'span', { class: 'where' }, `${m.range.start.line + 1}:${m.range.start.character + 1} ${m.severity}: `));
      item.appendChild(el(doc, 'span', { class: 'text' }, m.text));
      if (m.goal) item.appendChild(el(doc, 'pre', { class: 'goal', 'data-testid': 'feedback-goal' }, m.goal));
      list.appendChild(item);
    }
    out.push(list);
  }
  if (v.axioms && v.axioms.length > 0) out.push(el(doc, 'div', { class: 'axioms', 'data-testid': 'verdict-axioms' }, `axioms: ${v.axioms.join(', ')}`));
  return out;
}

/** The reply's prose ("model's reasoning"), kept after the attempt ends; folded unless opened. */
function renderReasoning(doc: Document, key: string, raw: string, options: RenderOptions): HTMLElement | undefined {
  const prose = proseOf(raw);
  if (!prose) return undefined;
  const box = details(doc, `${key}:reasoning`, "model's reasoning", false, options, { class: 'reasoning', 'data-testid': 'attempt-reasoning' });
  const text = el(doc, 'div', { class: 'markdown', 'data-testid': 'reasoning-text' });
  renderMarkdown(doc, text, prose);
  box.appendChild(text);
  return box;
}

/** One attempt, standing for `group` (samples that read the same). */
function renderAttempt(doc: Document, job: JobView, round: RoundView, group: SampleView[], options: RenderOptions, openFirst: boolean): HTMLElement {
  const sample = group[0]!;
  const key = `${job.id}:r${round.round}:s${sample.sample}`;
  const state = verdictState(sample);
  const streaming = state === 'streaming';
  const openByDefault = sample.verdict?.kind === 'proved' || streaming || openFirst;
  const box = details(doc, key, '', openByDefault, options, {
    class: `attempt verdict-${state}`,
    'data-testid': 'attempt',
    'data-sample': String(sample.sample),
    'data-verdict': state,
    'data-count': String(group.length),
  });
  const summary = summaryBody(box);
  const origin = group.length > 1 && round.kind === 'model' ? `samples ${group.map((s) => s.sample + 1).join(', ')}` : originLabel(job, round, sample);
  summary.appendChild(el(doc, 'span', { class: 'attempt-origin' }, origin));
  if (group.length > 1) summary.appendChild(el(doc, 'span', { class: 'attempt-count', 'data-testid': 'attempt-count', title: `${group.length} samples gave this same attempt` }, `×${group.length}`));
  summary.appendChild(el(doc, 'span', { class: `verdict-badge verdict-${state}`, 'data-testid': 'verdict' }, verdictLabel(sample)));

  if (streaming) {
    // While the model writes, its text is shown as (sanitised) Markdown: prose and code as they come.
    const live = el(doc, 'div', { class: 'markdown streaming', 'data-testid': 'attempt-streaming', 'aria-live': 'polite', 'aria-busy': 'true' });
    if (sample.streamed) renderMarkdown(doc, live, sample.streamed);
    else live.textContent = '…';
    box.appendChild(live);
    return box;
  }
  if (round.kind === 'model' && sample.raw !== undefined) {
    const reasoning = renderReasoning(doc, key, sample.raw, options);
    if (reasoning) box.appendChild(reasoning);
  }
  let messages: ReturnType<typeof bodyView>['messages'] | undefined;
  if (sample.candidate) {
    const view = bodyView(sample.candidate.declarationText, sample.candidate.body, sample.verdict?.messages ?? []);
    messages = view.messages;
    box.appendChild(leanBlock(doc, view.text, view.messages, { 'data-testid': 'attempt-code', title: 'the proof body (the statement is unchanged)' }));
  } else if (sample.raw !== undefined) {
    if (sample.problem !== undefined) box.appendChild(el(doc, 'div', { class: 'problem', 'data-testid': 'attempt-problem' }, sample.problem));
    const reply = details(doc, `${key}:reply`, 'model reply', false, options, { class: 'reply' });
    reply.appendChild(el(doc, 'pre', { class: 'code', 'data-testid': 'attempt-raw' }, sample.raw.length > 20_000 ? `…${sample.raw.slice(-20_000)}` : sample.raw));
    box.appendChild(reply);
  }
  for (const node of renderFeedback(doc, sample, messages)) box.appendChild(node);
  if (sample.candidate) {
    const actions = el(doc, 'div', { class: 'attempt-actions' });
    const ref = { 'data-job-id': job.id, 'data-round': String(round.round), 'data-sample': String(sample.sample) };
    const label = originLabel(job, round, sample);
    actions.appendChild(button(doc, 'Copy', { ...ref, 'data-action': 'copy', 'data-testid': 'attempt-copy', 'data-focus-key': `${key}:copy`, 'aria-label': `Copy ${label}` }, { icon: 'copy' }));
    actions.appendChild(button(doc, 'Show diff', { ...ref, 'data-action': 'diff', 'data-testid': 'attempt-diff', 'data-focus-key': `${key}:diff`, 'aria-label': `Show diff of ${label}` }, { icon: 'diff' }));
    box.appendChild(actions);
  }
  return box;
}

function renderRetrieved(doc: Document, job: JobView, round: RoundView, options: RenderOptions): HTMLElement {
  const r = details(doc, `${job.id}:r${round.round}:retrieved`, `retrieved proofs (${round.retrieved.length})`, false, options, { class: 'retrieved', 'data-testid': 'retrieved' });
  for (const p of round.retrieved) {
    const item = el(doc, 'div', { class: 'retrieved-proof', 'data-testid': 'retrieved-proof' });
    const where = p.source.file ? `${p.source.file}${p.source.line ? `:${p.source.line}` : ''}` : p.source.kind;
    item.appendChild(el(doc, 'div', { class: 'source', 'data-testid': 'retrieved-source' }, `${p.name ?? '(unnamed)'} — ${p.source.kind}: ${where} · score ${p.score.toFixed(2)}`));
    const pre = el(doc, 'pre', { class: 'code' });
    const code = el(doc, 'code', { class: 'lean' });
    renderLean(doc, code, p.proof);
    pre.appendChild(code);
    item.appendChild(pre);
    r.appendChild(item);
  }
  return r;
}

/**
 * A round as one line that opens on click. The live round is open (and sits at the top of its
 * job, see render.ts); finished rounds are folded to their summary.
 */
export function renderRound(doc: Document, job: JobView, round: RoundView, options: RenderOptions, live: boolean): HTMLElement {
  const state = round.proved ? 'proved' : round.finished ? 'failed' : 'running';
  const box = details(doc, `${job.id}:r${round.round}`, '', live, options, {
    class: `round round-${state}${live ? ' round-live' : ''}`,
    'data-testid': 'round',
    'data-round': String(round.round),
    'data-state': state,
  });
  const summary = summaryBody(box);
  summary.appendChild(el(doc, 'span', { class: 'round-summary', 'data-testid': 'round-summary' }, roundLine(job, round)));
  if (round.completionTokens > 0) summary.appendChild(el(doc, 'span', { class: 'round-tokens' }, `${(round.promptTokens + round.completionTokens).toLocaleString('en-US')} tokens`));

  if (round.retrieved.length > 0) box.appendChild(renderRetrieved(doc, job, round, options));
  const attempts = el(doc, 'div', { class: 'attempts' });
  // Opening a finished model round shows its first attempt (the story of the repair); pre-pass
  // attempts stay folded: they are many and alike.
  sampleGroups(round).forEach((group, i) => attempts.appendChild(renderAttempt(doc, job, round, group, options, round.kind === 'model' && i === 0)));
  box.appendChild(attempts);
  return box;
}
