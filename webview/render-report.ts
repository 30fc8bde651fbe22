// Batches and first runs: a batch's header while it runs, its report at the end (one row per
// target, stacked in a narrow side bar, a table in a wide one), and the empty panel's setup checklist.
import type { BatchInfo, BatchReport, SetupInfo, SetupStep } from '../src/ui/protocol';
import { baseName, breakableName, el } from './dom';
import { isActive, type JobView } from './state';

export function reportCounts(report: BatchReport): Record<'proved' | 'failed' | 'skipped' | 'cancelled', number> {
  const counts = { proved: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const e of report.entries) counts[e.outcome]++;
  return counts;
}

export function reportSummary(report: BatchReport): string {
  const c = reportCounts(report);
  const pending = report.entries.filter((e) => e.pending).length;
  return `${c.proved} proved, ${c.failed} failed, ${c.skipped} skipped${c.cancelled ? `, ${c.cancelled} cancelled` : ''}${pending ? ` · ${pending} waiting for your answer` : ''}`;
}

function outcomeText(e: BatchReport['entries'][number]): string {
  if (e.pending) return `${e.outcome}, insert? (question open)`;
  return e.inserted ? `${e.outcome}, inserted` : e.outcome;
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
    const row = el(doc, 'tr', { 'data-testid': 'report-row', 'data-outcome': e.outcome, 'data-pending': e.pending ? 'true' : undefined, class: `outcome-${e.outcome}` });
    row.appendChild(breakableName(doc, el(doc, 'td', { class: 'name' }), e.declarationName));
    row.appendChild(el(doc, 'td', { class: 'line' }, String(e.line)));
    row.appendChild(el(doc, 'td', { class: 'outcome', 'data-testid': 'report-outcome' }, outcomeText(e)));
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

/** The header of a batch that still runs: "Batch · Three.lean · 1 of 3 done · 1 proved". */
export function renderBatchHeader(doc: Document, batch: BatchInfo, jobs: readonly JobView[]): HTMLElement {
  const section = el(doc, 'section', { class: 'batch-report batch-running', 'data-testid': 'batch-running', 'data-report-id': batch.id, 'aria-label': `Batch on ${baseName(batch.file)}` });
  const done = jobs.filter((j) => !isActive(j)).length;
  const proved = jobs.filter((j) => j.status === 'proved').length;
  const head = el(doc, 'h2', {}, `Batch · ${baseName(batch.file)} · `);
  head.appendChild(el(doc, 'span', { 'data-testid': 'batch-progress', role: 'status' }, `${done} of ${batch.total} done · ${proved} proved`));
  section.appendChild(head);
  return section;
}

const STEPS: { step: SetupStep; title: string }[] = [
  { step: 'endpoint', title: 'Inference endpoint' },
  { step: 'api-key', title: 'API key' },
  { step: 'test-connection', title: 'Test Connection' },
  { step: 'lean', title: 'Lean' },
];

function stepState(step: SetupStep, setup: SetupInfo): { done: boolean | 'optional'; text: string; action: string } {
  switch (step) {
    case 'endpoint':
      return setup.endpoint ? { done: true, text: 'set', action: 'Change…' } : { done: false, text: 'not set: without it only the tactic pre-pass runs', action: 'Set oprover.endpoint' };
    case 'api-key':
      return setup.apiKey ? { done: true, text: 'stored in SecretStorage', action: 'Change…' } : { done: 'optional', text: 'none (only if the server asks for one)', action: 'Set API Key' };
    case 'test-connection':
      if (setup.connection === 'ok') return { done: true, text: setup.connectionDetail ?? 'the endpoint answers', action: 'Test again' };
      if (setup.connection === 'failed') return { done: false, text: setup.connectionDetail ?? 'the endpoint did not answer', action: 'Test Connection' };
      return { done: false, text: setup.endpoint ? 'not tested yet' : 'set the endpoint first', action: 'Test Connection' };
    case 'lean':
      if (!setup.lean) return { done: false, text: 'looking…', action: 'Set oprover.leanPath' };
      return setup.lean.found ? { done: true, text: setup.lean.detail, action: 'Change…' } : { done: false, text: setup.lean.detail, action: 'Set oprover.leanPath' };
  }
}

/** The empty panel: how to start, and (when known) a checklist of what a first run needs. */
export function renderEmpty(doc: Document, setup?: SetupInfo): HTMLElement {
  const box = el(doc, 'div', { class: 'empty', 'data-testid': 'empty-state' });
  box.appendChild(el(doc, 'p', {}, 'No proof jobs yet.'));
  box.appendChild(el(doc, 'p', {}, 'Put the cursor on a sorry and pick “Prove with OProver” from the light bulb, or run “OProver: Prove All Sorries in File”.'));
  if (!setup) return box;
  const ready = setup.endpoint && setup.connection === 'ok' && setup.lean?.found === true;
  box.appendChild(el(doc, 'h2', { class: 'setup-title' }, ready ? 'Ready' : 'Setup'));
  const list = el(doc, 'ul', { class: 'setup', 'data-testid': 'setup-checklist', 'aria-label': 'Setup checklist' });
  for (const { step, title } of STEPS) {
    const s = stepState(step, setup);
    const item = el(doc, 'li', { class: `setup-item setup-${s.done === true ? 'done' : s.done === false ? 'todo' : 'optional'}`, 'data-testid': 'setup-item', 'data-step': step, 'data-done': String(s.done) });
    const icon = s.done === true ? 'pass' : s.done === false ? 'circle-large-outline' : 'circle-large-outline';
    item.appendChild(el(doc, 'span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
    const text = el(doc, 'div', { class: 'setup-text' });
    text.appendChild(el(doc, 'strong', {}, title));
    text.appendChild(el(doc, 'span', { class: 'setup-detail' }, ` — ${s.text} `));
    text.appendChild(el(doc, 'a', { href: '#', 'data-action': 'setup', 'data-step': step, 'data-testid': 'setup-link', 'data-focus-key': `setup:${step}` }, s.action));
    item.appendChild(text);
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}
