// Renders the panel state into DOM nodes. Pure with respect to its inputs (a Document, the state, the
// clock and which sections the user opened), so tests render into happy-dom and inspect the result.
// Every piece of model or Lean text goes through textContent; nothing is ever parsed as HTML.
import type { BatchReport } from '../src/ui/protocol';
import { marksFor, renderLean } from './highlight';
import { canInsert, isActive, type JobView, type PanelState, type RoundView, type SampleView } from './state';

export interface RenderOptions {
  now: number;
  /** Sections the user opened or closed, by data-key; others take their default. */
  open: ReadonlyMap<string, boolean>;
}

type Attrs = Record<string, string | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, attrs?: Attrs, text?: string): HTMLElementTagNameMap[K];
function el(doc: Document, tag: string, attrs?: Attrs, text?: string): HTMLElement;
function el(doc: Document, tag: string, attrs: Attrs = {}, text?: string): HTMLElement {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(doc: Document, label: string, attrs: Attrs, secondary = true): HTMLElement {
  const b = el(doc, 'vscode-button', { ...attrs, role: 'button', 'aria-label': attrs['aria-label'] ?? label }, label);
  if (secondary) b.setAttribute('secondary', '');
  return b;
}

function details(doc: Document, key: string, summary: string, openByDefault: boolean, options: RenderOptions, attrs: Attrs = {}): HTMLDetailsElement {
  const d = el(doc, 'details', { ...attrs, 'data-key': key });
  d.open = options.open.get(key) ?? openByDefault;
  d.appendChild(el(doc, 'summary', { 'data-focus-key': `${key}:summary` }, summary));
  return d;
}

export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return decodeURIComponent(parts[parts.length - 1] || file);
}

export function formatElapsed(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export function jobElapsed(job: JobView, now: number): number {
  return job.elapsedMs ?? (job.startedAt > 0 ? now - job.startedAt : 0);
}

const STATUS_LABEL: Record<JobView['status'], string> = {
  queued: 'queued',
  running: 'running',
  proved: 'proved',
  failed: 'failed',
  cancelled: 'cancelled',
  error: 'error',
};

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
      return `rejected by the gate${v.rule ? ` (${v.rule})` : ''}`;
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

function originLabel(sample: SampleView, round: RoundView): string {
  const o = sample.candidate?.origin;
  if (o?.kind === 'tactic') return `tactic ${o.tactic}`;
  if (o?.kind === 'replay') return `replay of ${o.proofId}`;
  return round.kind === 'prepass' ? `candidate ${sample.sample + 1}` : `sample ${sample.sample + 1}`;
}

function roundSummary(round: RoundView): string {
  const counts = new Map<string, number>();
  for (const s of round.samples) counts.set(verdictLabel(s), (counts.get(verdictLabel(s)) ?? 0) + 1);
  const parts = [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label));
  if (round.completionTokens > 0) parts.push(`${round.completionTokens.toLocaleString('en-US')} tokens`);
  return parts.join(' · ');
}

function renderSample(doc: Document, job: JobView, round: RoundView, sample: SampleView, options: RenderOptions, latestRound: boolean): HTMLElement {
  const key = `${job.id}:r${round.round}:s${sample.sample}`;
  const state = verdictState(sample);
  const proved = sample.verdict?.kind === 'proved';
  const streaming = state === 'streaming';
  // Model rounds show their first attempt (the story of the repair); the pre-pass stays folded unless it proved.
  const openByDefault = proved || streaming || (round.kind === 'model' && (sample.sample === 0 || (latestRound && round.samples.length <= 2)));
  const head = `${originLabel(sample, round)} — ${verdictLabel(sample)}`;
  const box = details(doc, key, head, openByDefault, options, {
    class: `attempt verdict-${state}`,
    'data-testid': 'attempt',
    'data-sample': String(sample.sample),
    'data-verdict': state,
  });
  const summary = box.querySelector('summary')!;
  summary.textContent = '';
  summary.appendChild(el(doc, 'span', { class: 'attempt-origin' }, originLabel(sample, round)));
  summary.appendChild(el(doc, 'span', { class: `verdict-badge verdict-${state}`, 'data-testid': 'verdict' }, verdictLabel(sample)));

  if (streaming) {
    const pre = el(doc, 'pre', { class: 'code streaming', 'data-testid': 'attempt-streaming', 'aria-live': 'polite', 'aria-busy': 'true' });
    pre.textContent = sample.streamed || '…';
    box.appendChild(pre);
  } else if (sample.candidate) {
    const pre = el(doc, 'pre', { class: 'code', 'data-testid': 'attempt-code' });
    const code = el(doc, 'code', { class: 'lean' });
    renderLean(doc, code, sample.candidate.declarationText, marksFor(sample.candidate.declarationText, sample.verdict?.messages ?? []));
    pre.appendChild(code);
    box.appendChild(pre);
  } else if (sample.raw !== undefined) {
    if (sample.problem !== undefined) box.appendChild(el(doc, 'div', { class: 'problem', 'data-testid': 'attempt-problem' }, sample.problem));
    const reply = details(doc, `${key}:reply`, 'model reply', false, options, { class: 'reply' });
    reply.appendChild(el(doc, 'pre', { class: 'code', 'data-testid': 'attempt-raw' }, sample.raw.length > 20_000 ? `…${sample.raw.slice(-20_000)}` : sample.raw));
    box.appendChild(reply);
  }

  const v = sample.verdict;
  if (v) {
    box.appendChild(el(doc, 'div', { class: `verdict-reason verdict-${v.kind}`, 'data-testid': 'verdict-reason' }, v.reason));
    const shown = v.messages.filter((m) => m.severity === 'error' || m.severity === 'warning');
    if (shown.length > 0) {
      const list = el(doc, 'ul', { class: 'feedback', 'data-testid': 'feedback', 'aria-label': 'Lean messages' });
      for (const m of shown) {
        const item = el(doc, 'li', { class: `lean-${m.severity}`, 'data-testid': 'feedback-message' });
        item.appendChild(el(doc, 'span', { class: 'where' }, `${m.range.start.line + 1}:${m.range.start.character + 1} ${m.severity}: `));
        item.appendChild(el(doc, 'span', { class: 'text' }, m.text));
        if (m.goal) item.appendChild(el(doc, 'pre', { class: 'goal', 'data-testid': 'feedback-goal' }, m.goal));
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    if (v.axioms && v.axioms.length > 0) box.appendChild(el(doc, 'div', { class: 'axioms', 'data-testid': 'verdict-axioms' }, `axioms: ${v.axioms.join(', ')}`));
  }

  if (sample.candidate && !streaming) {
    const actions = el(doc, 'div', { class: 'attempt-actions' });
    const ref = { 'data-job-id': job.id, 'data-round': String(round.round), 'data-sample': String(sample.sample) };
    actions.appendChild(button(doc, 'Copy', { ...ref, 'data-action': 'copy', 'data-testid': 'attempt-copy', 'data-focus-key': `${key}:copy`, 'aria-label': `Copy ${originLabel(sample, round)}` }));
    actions.appendChild(button(doc, 'Show diff', { ...ref, 'data-action': 'diff', 'data-testid': 'attempt-diff', 'data-focus-key': `${key}:diff`, 'aria-label': `Show diff of ${originLabel(sample, round)}` }));
    box.appendChild(actions);
  }
  return box;
}

function renderRound(doc: Document, job: JobView, round: RoundView, options: RenderOptions, latest: boolean): HTMLElement {
  const state = round.proved ? 'proved' : round.finished ? 'failed' : 'running';
  const card = el(doc, 'li', { class: `round round-${state}`, 'data-testid': 'round', 'data-round': String(round.round), 'data-state': state });
  const title = round.kind === 'prepass' ? 'Round 0 · pre-pass (tactics and replays)' : `Round ${round.round}`;
  const head = el(doc, 'div', { class: 'round-head' });
  head.appendChild(el(doc, 'h3', { 'data-testid': 'round-title' }, title));
  head.appendChild(el(doc, 'span', { class: 'round-summary', 'data-testid': 'round-summary' }, roundSummary(round) || (round.finished ? '' : 'waiting for the model…')));
  card.appendChild(head);

  if (round.retrieved.length > 0) {
    const r = details(doc, `${job.id}:r${round.round}:retrieved`, `Retrieved proofs (${round.retrieved.length})`, false, options, { class: 'retrieved', 'data-testid': 'retrieved' });
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
    card.appendChild(r);
  }

  const samples = el(doc, 'div', { class: 'attempts' });
  for (const s of round.samples) samples.appendChild(renderSample(doc, job, round, s, options, latest));
  card.appendChild(samples);
  return card;
}

/** One job: its header, its actions and one card per round. */
export function renderJob(doc: Document, job: JobView, options: RenderOptions): HTMLElement {
  const section = el(doc, 'section', { class: `job job-${job.status}`, 'data-testid': 'job', 'data-job-id': job.id, 'data-status': job.status, 'aria-label': `Proof job for ${job.target.declarationName}` });
  const header = el(doc, 'header', { class: 'job-header', 'data-testid': 'job-header' });
  const titleRow = el(doc, 'div', { class: 'job-title-row' });
  titleRow.appendChild(el(doc, 'h2', { class: 'job-title', 'data-testid': 'job-title' }, job.target.declarationName));
  titleRow.appendChild(el(doc, 'span', { class: `state-badge state-${job.status}`, 'data-testid': 'job-state', role: 'status' }, STATUS_LABEL[job.status]));
  header.appendChild(titleRow);

  const meta = el(doc, 'div', { class: 'job-meta' });
  const location = el(doc, 'a', { href: '#', class: 'location', 'data-testid': 'job-location', 'data-action': 'locate', 'data-job-id': job.id, 'data-focus-key': `${job.id}:locate`, title: job.target.file }, `${baseName(job.target.file)}:${job.target.line}`);
  meta.appendChild(location);
  meta.appendChild(el(doc, 'span', { class: 'elapsed', 'data-testid': 'job-elapsed', 'data-started': isActive(job) ? String(job.startedAt) : undefined }, formatElapsed(jobElapsed(job, options.now))));
  meta.appendChild(el(doc, 'span', { class: 'tokens', 'data-testid': 'job-tokens' }, `${(job.promptTokens + job.completionTokens).toLocaleString('en-US')} tokens`));
  meta.appendChild(el(doc, 'span', { class: 'endpoint', 'data-testid': 'job-endpoint', title: 'endpoint' }, job.endpoint || 'no endpoint'));
  header.appendChild(meta);
  if (job.reason) header.appendChild(el(doc, 'div', { class: 'job-reason', 'data-testid': 'job-reason' }, job.reason));
  if (job.goal) {
    const goal = details(doc, `${job.id}:goal`, 'Goal', true, options, { class: 'job-goal', 'data-testid': 'job-goal' });
    goal.appendChild(el(doc, 'pre', { class: 'goal', 'data-testid': 'job-goal-text', title: `goal state from ${job.goal.source}` }, job.goal.text));
    header.appendChild(goal);
  }

  const actions = el(doc, 'div', { class: 'job-actions', role: 'toolbar', 'aria-label': 'Job actions' });
  const ref = { 'data-job-id': job.id };
  if (canInsert(job)) actions.appendChild(button(doc, 'Insert', { ...ref, 'data-action': 'insert', 'data-testid': 'action-insert', 'data-focus-key': `${job.id}:insert`, 'aria-label': `Insert the verified proof of ${job.target.declarationName}` }, false));
  if (job.proofId) {
    actions.appendChild(button(doc, 'Show diff', { ...ref, 'data-action': 'diff', 'data-testid': 'action-diff', 'data-focus-key': `${job.id}:diff` }));
    actions.appendChild(button(doc, 'Copy', { ...ref, 'data-action': 'copy', 'data-testid': 'action-copy', 'data-focus-key': `${job.id}:copy` }));
  }
  actions.appendChild(button(doc, 'Locate', { ...ref, 'data-action': 'locate', 'data-testid': 'action-locate', 'data-focus-key': `${job.id}:locate-button` }));
  if (isActive(job)) actions.appendChild(button(doc, 'Cancel', { ...ref, 'data-action': 'cancel', 'data-testid': 'action-cancel', 'data-focus-key': `${job.id}:cancel` }));
  else if (job.status !== 'proved') actions.appendChild(button(doc, 'Retry with more rounds', { ...ref, 'data-action': 'retry', 'data-testid': 'action-retry', 'data-focus-key': `${job.id}:retry` }));
  header.appendChild(actions);

  for (const note of job.notes) header.appendChild(el(doc, 'div', { class: `note note-${note.level}`, 'data-testid': 'job-note', role: note.level === 'info' ? 'status' : 'alert' }, note.text));
  for (const log of job.logs.filter((l) => l.level !== 'info').slice(-3)) header.appendChild(el(doc, 'div', { class: `note note-${log.level}`, 'data-testid': 'job-log' }, log.message));
  section.appendChild(header);

  const rounds = el(doc, 'ol', { class: 'rounds', 'aria-label': 'Rounds' });
  const latest = job.rounds[job.rounds.length - 1]?.round;
  for (const r of job.rounds) rounds.appendChild(renderRound(doc, job, r, options, r.round === latest));
  section.appendChild(rounds);
  return section;
}

export function reportCounts(report: BatchReport): Record<'proved' | 'failed' | 'skipped' | 'cancelled', number> {
  const counts = { proved: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const e of report.entries) counts[e.outcome]++;
  return counts;
}

export function reportSummary(report: BatchReport): string {
  const c = reportCounts(report);
  return `${c.proved} proved, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}`;
}

/** A batch's end report: one row per target with its outcome, reason and a link to its timeline. */
export function renderReport(doc: Document, report: BatchReport): HTMLElement {
  const section = el(doc, 'section', { class: 'batch-report', 'data-testid': 'batch-report', 'data-report-id': report.id, 'aria-label': `Batch report for ${baseName(report.file)}` });
  const head = el(doc, 'h2', {}, `Batch · ${baseName(report.file)} · `);
  head.appendChild(el(doc, 'span', { 'data-testid': 'report-summary' }, reportSummary(report)));
  section.appendChild(head);
  const table = el(doc, 'table', { class: 'report-table' });
  const headRow = el(doc, 'tr');
  for (const h of ['Declaration', 'Line', 'Outcome', 'Reason', '']) headRow.appendChild(el(doc, 'th', { scope: 'col' }, h));
  table.appendChild(el(doc, 'thead')).appendChild(headRow);
  const body = el(doc, 'tbody');
  for (const e of report.entries) {
    const row = el(doc, 'tr', { 'data-testid': 'report-row', 'data-outcome': e.outcome, class: `outcome-${e.outcome}` });
    row.appendChild(el(doc, 'td', { class: 'name' }, e.declarationName));
    row.appendChild(el(doc, 'td', { class: 'line' }, String(e.line)));
    row.appendChild(el(doc, 'td', { class: 'outcome', 'data-testid': 'report-outcome' }, e.inserted ? `${e.outcome}, inserted` : e.outcome));
    row.appendChild(el(doc, 'td', { class: 'reason', 'data-testid': 'report-reason' }, e.reason));
    const linkCell = el(doc, 'td', { class: 'link' });
    if (e.jobId) linkCell.appendChild(el(doc, 'a', { href: '#', 'data-action': 'focus-job', 'data-job-id': e.jobId, 'data-testid': 'report-link', 'data-focus-key': `${report.id}:${e.jobId}` }, 'timeline'));
    row.appendChild(linkCell);
    body.appendChild(row);
  }
  table.appendChild(body);
  section.appendChild(table);
  return section;
}

export function renderEmpty(doc: Document): HTMLElement {
  const box = el(doc, 'div', { class: 'empty', 'data-testid': 'empty-state' });
  box.appendChild(el(doc, 'p', {}, 'No proof jobs yet.'));
  box.appendChild(el(doc, 'p', {}, 'Put the cursor on a sorry and pick “Prove with OProver” from the light bulb, or run “OProver: Prove All Sorries in File”.'));
  return box;
}

/** The whole panel, rendered from scratch (the page keeps unchanged jobs' nodes; see main.ts). */
export function renderPanel(doc: Document, state: PanelState, options: RenderOptions): HTMLElement {
  const root = el(doc, 'div', { class: 'panel', 'data-testid': 'panel-root' });
  const toolbar = el(doc, 'div', { class: 'panel-toolbar' });
  if (state.jobs.some((j) => !isActive(j))) toolbar.appendChild(button(doc, 'Clear finished', { 'data-action': 'clear-finished', 'data-testid': 'action-clear-finished', 'data-focus-key': 'clear-finished' }));
  root.appendChild(toolbar);
  for (const r of state.reports) root.appendChild(renderReport(doc, r));
  if (state.jobs.length === 0 && state.reports.length === 0) root.appendChild(renderEmpty(doc));
  for (const job of state.jobs) root.appendChild(renderJob(doc, job, options));
  return root;
}
