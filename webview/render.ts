// Renders the panel state into DOM nodes. Pure with respect to its inputs (a Document, the state, the
// clock and which sections the user opened), so tests render into happy-dom and inspect the result.
// Every piece of model or Lean text goes through textContent; nothing is ever parsed as HTML.
//
// A job reads result first, like the infoview: what it proves (target and goal), then its outcome
// (the verified proof with Insert / Show diff / Copy, or the live round while it runs, or why it
// failed), then its history, each round folded to one line.
import { settingNamed, type SetupInfo } from '../src/ui/protocol';
import { baseName, breakableName, button, details, el, formatElapsed, leanBlock, type RenderOptions } from './dom';
import { renderRound } from './render-round';
import { renderBatchHeader, renderEmpty, renderReport } from './render-report';
import { canInsert, isActive, type JobView, type PanelState } from './state';
import { endpointLabel, goalLines, liveRound, originLabel, progressLine, tokenLabel } from './summary';

export { baseName, formatElapsed, type RenderOptions } from './dom';
export { verdictLabel } from './render-round';
export { renderBatchHeader, renderEmpty, renderReport, reportCounts, reportSummary } from './render-report';

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

/** The goal as the infoview shows it: hypotheses, then `⊢`, each with a hanging indent, in the editor's font. */
function renderGoal(doc: Document, job: JobView, options: RenderOptions): HTMLElement {
  if (!job.goal) {
    // No goal state (no endpoint, or Lean not asked yet): the statement says what is to be proved.
    const box = details(doc, `${job.id}:goal`, 'Statement', true, options, { class: 'job-goal', 'data-testid': 'job-goal', 'data-source': 'statement' });
    box.appendChild(leanBlock(doc, job.target.statement, [], { class: 'code goal-statement', 'data-testid': 'job-statement' }));
    return box;
  }
  const box = details(doc, `${job.id}:goal`, 'Goal', true, options, { class: 'job-goal', 'data-testid': 'job-goal', 'data-source': job.goal.source });
  const text = el(doc, 'div', { class: 'goal', 'data-testid': 'job-goal-text', title: `goal state from ${job.goal.source}`, role: 'group', 'aria-label': 'Goal state' });
  for (const line of goalLines(job.goal.text)) text.appendChild(el(doc, 'div', { class: `goal-line goal-${line.kind}` }, line.text));
  box.appendChild(text);
  return box;
}

/** The verified proof: its body, highlighted, with Insert / Show diff / Copy right under it. */
function renderProof(doc: Document, job: JobView): HTMLElement | undefined {
  for (const round of job.rounds) {
    for (const sample of round.samples) {
      if (!sample.candidate || sample.candidate.id !== job.proofId) continue;
      const box = el(doc, 'div', { class: 'proof', 'data-testid': 'job-proof' });
      const head = el(doc, 'div', { class: 'proof-head' });
      head.appendChild(el(doc, 'span', { class: 'codicon codicon-verified-filled', 'aria-hidden': 'true' }));
      const by = round.kind === 'prepass' ? originLabel(job, round, sample) : `round ${round.round}, ${originLabel(job, round, sample)}`;
      head.appendChild(el(doc, 'span', {}, `Verified by Lean · ${by}`));
      box.appendChild(head);
      box.appendChild(leanBlock(doc, sample.candidate.body, [], { 'data-testid': 'job-proof-code' }));
      return box;
    }
  }
  return undefined;
}

function renderActions(doc: Document, job: JobView): HTMLElement {
  const actions = el(doc, 'div', { class: 'job-actions', role: 'toolbar', 'aria-label': 'Job actions' });
  const ref = { 'data-job-id': job.id };
  const name = job.target.declarationName;
  if (canInsert(job)) actions.appendChild(button(doc, 'Insert', { ...ref, 'data-action': 'insert', 'data-testid': 'action-insert', 'data-focus-key': `${job.id}:insert`, 'aria-label': `Insert the verified proof of ${name}` }, { primary: true, icon: 'insert' }));
  if (job.proofId && job.status === 'proved') {
    actions.appendChild(button(doc, 'Show diff', { ...ref, 'data-action': 'diff', 'data-testid': 'action-diff', 'data-focus-key': `${job.id}:diff` }, { icon: 'diff' }));
    actions.appendChild(button(doc, 'Copy', { ...ref, 'data-action': 'copy', 'data-testid': 'action-copy', 'data-focus-key': `${job.id}:copy` }, { icon: 'copy' }));
  }
  if (isActive(job)) actions.appendChild(button(doc, 'Cancel', { ...ref, 'data-action': 'cancel', 'data-testid': 'action-cancel', 'data-focus-key': `${job.id}:cancel` }, { icon: 'debug-stop' }));
  else if (job.status !== 'proved') {
    const setting = settingNamed(job.reason);
    // A job that failed for its configuration is fixed in the settings, not by more rounds.
    if (setting) actions.appendChild(button(doc, 'Open Settings', { ...ref, 'data-action': 'settings', 'data-setting': setting, 'data-testid': 'action-settings', 'data-focus-key': `${job.id}:settings`, 'aria-label': `Open the setting ${setting}` }, { primary: true, icon: 'settings-gear' }));
    const ranModel = job.status === 'failed' && job.endpoint !== '' && job.endpoint !== 'none';
    if (!setting || ranModel) actions.appendChild(button(doc, 'Retry', { ...ref, 'data-action': 'retry', 'data-testid': 'action-retry', 'data-focus-key': `${job.id}:retry`, 'aria-label': 'Retry with more rounds', title: `Retry with more rounds, going on from the last failed attempt` }, { icon: 'refresh' }));
  }
  actions.appendChild(button(doc, 'Locate', { ...ref, 'data-action': 'locate', 'data-testid': 'action-locate', 'data-focus-key': `${job.id}:locate-button`, 'aria-label': `Show ${name} in the editor` }, { icon: 'go-to-file' }));
  return actions;
}

function renderHeader(doc: Document, job: JobView, options: RenderOptions, setup: SetupInfo | undefined): HTMLElement {
  const header = el(doc, 'header', { class: 'job-header', 'data-testid': 'job-header' });
  const titleRow = el(doc, 'div', { class: 'job-title-row' });
  titleRow.appendChild(breakableName(doc, el(doc, 'h2', { class: 'job-title', 'data-testid': 'job-title', title: job.target.declarationName }), job.target.declarationName));
  titleRow.appendChild(el(doc, 'span', { class: `state-badge state-${job.status}`, 'data-testid': 'job-state', role: 'status' }, STATUS_LABEL[job.status]));
  header.appendChild(titleRow);
  const target = el(doc, 'div', { class: 'job-target', 'data-testid': 'job-target' });
  target.appendChild(el(doc, 'span', {}, `${job.meta?.targetKind ?? 'declaration'} · `));
  target.appendChild(el(doc, 'a', { href: '#', class: 'location', 'data-testid': 'job-location', 'data-action': 'locate', 'data-job-id': job.id, 'data-focus-key': `${job.id}:locate`, title: job.target.file }, `${baseName(job.target.file)}:${job.target.line}`));
  header.appendChild(target);
  const meta = el(doc, 'div', { class: 'job-meta' });
  meta.appendChild(el(doc, 'span', { class: 'elapsed', 'data-testid': 'job-elapsed', 'data-started': isActive(job) ? String(job.startedAt) : undefined }, formatElapsed(jobElapsed(job, options.now))));
  meta.appendChild(el(doc, 'span', { class: 'tokens', 'data-testid': 'job-tokens', title: 'prompt and completion tokens (≈: estimated while the model writes)' }, tokenLabel(job)));
  meta.appendChild(el(doc, 'span', { class: 'endpoint', 'data-testid': 'job-endpoint', title: 'model and endpoint' }, endpointLabel(job, setup)));
  header.appendChild(meta);
  return header;
}

/** One job: target and goal, then its outcome and actions, then its history folded round by round. */
export function renderJob(doc: Document, job: JobView, options: RenderOptions, setup?: SetupInfo): HTMLElement {
  const section = el(doc, 'section', { class: `job job-${job.status}`, 'data-testid': 'job', 'data-job-id': job.id, 'data-status': job.status, 'aria-label': `Proof job for ${job.target.declarationName}` });
  section.appendChild(renderHeader(doc, job, options, setup));
  section.appendChild(renderGoal(doc, job, options));

  const outcome = el(doc, 'div', { class: 'job-outcome', 'data-testid': 'job-outcome' });
  const live = liveRound(job);
  const progress = progressLine(job);
  if (progress) outcome.appendChild(el(doc, 'div', { class: 'progress', 'data-testid': 'job-progress', role: 'status', 'aria-live': 'polite' }, progress));
  if (job.status === 'proved') {
    const proof = renderProof(doc, job);
    if (proof) outcome.appendChild(proof);
  } else if (job.reason) {
    outcome.appendChild(el(doc, 'div', { class: `job-reason reason-${job.status}`, 'data-testid': 'job-reason' }, job.reason));
  }
  outcome.appendChild(renderActions(doc, job));
  for (const note of job.notes) outcome.appendChild(el(doc, 'div', { class: `note note-${note.level}`, 'data-testid': 'job-note', role: note.level === 'info' ? 'status' : 'alert' }, note.text));
  for (const log of job.logs.filter((l) => l.level !== 'info').slice(-3)) outcome.appendChild(el(doc, 'div', { class: `note note-${log.level}`, 'data-testid': 'job-log' }, log.message));
  // The running round sits right under the progress line, open, so the live work is in view.
  if (live) outcome.appendChild(renderRound(doc, job, live, options, true));
  section.appendChild(outcome);

  const past = job.rounds.filter((r) => r !== live);
  if (past.length > 0) {
    const history = el(doc, 'div', { class: 'history', 'data-testid': 'job-history', role: 'list', 'aria-label': 'Rounds' });
    for (const r of past) history.appendChild(renderRound(doc, job, r, options, false));
    section.appendChild(history);
  }
  return section;
}

/** What the panel lists, newest first: single jobs, and batches with their jobs under them. */
export type PanelItem = { kind: 'job'; job: JobView; at: number } | { kind: 'batch'; id: string; at: number; jobs: JobView[] };

export function panelItems(state: PanelState): PanelItem[] {
  const items: PanelItem[] = [];
  const batches = new Map<string, Extract<PanelItem, { kind: 'batch' }>>();
  const batchOf = (id: string, at: number): Extract<PanelItem, { kind: 'batch' }> => {
    let b = batches.get(id);
    if (!b) {
      b = { kind: 'batch', id, at, jobs: [] };
      batches.set(id, b);
      items.push(b);
    }
    return b;
  };
  for (const b of state.batches) batchOf(b.id, b.startedAt);
  for (const r of state.reports) batchOf(r.id, r.startedAt);
  const known = new Set(batches.keys());
  for (const job of state.jobs) {
    const batchId = job.meta?.batchId;
    if (!batchId) {
      items.push({ kind: 'job', job, at: job.startedAt });
      continue;
    }
    const b = batchOf(batchId, job.startedAt);
    // A batch the panel has no header for sorts by its first job.
    if (!known.has(batchId)) b.at = Math.min(b.at, job.startedAt);
    b.jobs.push(job);
  }
  // state.jobs is newest first; a batch sorts by its start.
  return items.sort((a, b) => b.at - a.at);
}

/** A batch: its header (running) or report (done), then its jobs. `jobNode` lets the page reuse unchanged job nodes. */
export function renderBatch(doc: Document, state: PanelState, item: Extract<PanelItem, { kind: 'batch' }>, jobNode: (job: JobView) => HTMLElement): HTMLElement {
  const group = el(doc, 'div', { class: 'batch', 'data-testid': 'batch', 'data-batch-id': item.id });
  const report = state.reports.find((r) => r.id === item.id);
  const info = state.batches.find((b) => b.id === item.id);
  if (report) group.appendChild(renderReport(doc, report));
  else if (info) group.appendChild(renderBatchHeader(doc, info, item.jobs));
  const jobs = el(doc, 'div', { class: 'batch-jobs' });
  for (const job of item.jobs) jobs.appendChild(jobNode(job));
  group.appendChild(jobs);
  return group;
}

/** The whole panel, rendered from scratch (the page keeps unchanged jobs' nodes; see main.ts). */
export function renderPanel(doc: Document, state: PanelState, options: RenderOptions): HTMLElement {
  const root = el(doc, 'div', { class: 'panel', 'data-testid': 'panel-root' });
  const jobNode = (job: JobView): HTMLElement => renderJob(doc, job, options, state.setup);
  const items = panelItems(state);
  if (items.length === 0) root.appendChild(renderEmpty(doc, state.setup));
  for (const item of items) root.appendChild(item.kind === 'job' ? jobNode(item.job) : renderBatch(doc, state, item, jobNode));
  return root;
}
