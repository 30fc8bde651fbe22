// The panel page: receives protocol messages, folds them into state with the pure reducer, and
// redraws at most once per animation frame. Only jobs whose revision changed are rebuilt, and
// keyboard focus is carried over by data-focus-key, so streaming never steals the user's place.
// Clicks are handled by one delegated listener (the CSP forbids inline handlers).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { FromWebview, PanelAction, ToWebview } from '../src/ui/protocol';
import { formatElapsed, renderEmpty, renderJob, renderReport, type RenderOptions } from './render';
import { EMPTY_STATE, reduce, type PanelState } from './state';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: PanelState = EMPTY_STATE;
const saved = vscode.getState() as { open?: [string, boolean][] } | undefined;
const open = new Map<string, boolean>(saved?.open ?? []);
const jobNodes = new Map<string, { rev: number; node: HTMLElement }>();
let lastFocusSeq = 0;
let scheduled = false;

const root = document.getElementById('root')!;
root.setAttribute('data-testid', 'panel-root');
const toolbar = document.createElement('div');
toolbar.className = 'panel-toolbar';
const reportsBox = document.createElement('div');
const jobsBox = document.createElement('div');
jobsBox.className = 'jobs';
root.append(toolbar, reportsBox, jobsBox);

function options(): RenderOptions {
  return { now: Date.now(), open };
}

function draw(): void {
  scheduled = false;
  const focusKey = (document.activeElement as HTMLElement | null)?.closest?.('[data-focus-key]')?.getAttribute('data-focus-key');
  const opts = options();

  toolbar.replaceChildren();
  if (state.jobs.some((j) => j.status !== 'running' && j.status !== 'queued')) {
    const clear = document.createElement('vscode-button');
    clear.setAttribute('secondary', '');
    clear.setAttribute('data-action', 'clear-finished');
    clear.setAttribute('data-testid', 'action-clear-finished');
    clear.setAttribute('data-focus-key', 'clear-finished');
    clear.textContent = 'Clear finished';
    toolbar.appendChild(clear);
  }
  reportsBox.replaceChildren(...state.reports.map((r) => renderReport(document, r)));

  const nodes: HTMLElement[] = [];
  const live = new Set<string>();
  for (const job of state.jobs) {
    live.add(job.id);
    const cached = jobNodes.get(job.id);
    if (cached && cached.rev === job.rev) {
      nodes.push(cached.node);
    } else {
      const node = renderJob(document, job, opts);
      jobNodes.set(job.id, { rev: job.rev, node });
      nodes.push(node);
    }
  }
  for (const id of [...jobNodes.keys()]) if (!live.has(id)) jobNodes.delete(id);
  if (nodes.length === 0 && state.reports.length === 0) nodes.push(renderEmpty(document));
  jobsBox.replaceChildren(...nodes);

  // Streaming text follows the model: keep each live stream scrolled to its end.
  for (const live of jobsBox.querySelectorAll<HTMLElement>('[data-testid="attempt-streaming"]')) live.scrollTop = live.scrollHeight;

  if (focusKey) {
    const again = root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again && again !== document.activeElement) again.focus();
  }
  if (state.focus && state.focus.seq !== lastFocusSeq) {
    lastFocusSeq = state.focus.seq;
    const target = state.focus.jobId
      ? root.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(state.focus.jobId)}"][data-testid="job"]`)
      : state.focus.reportId
        ? root.querySelector<HTMLElement>(`[data-report-id="${CSS.escape(state.focus.reportId)}"]`)
        : null;
    if (target) {
      target.scrollIntoView({ block: 'start' });
      target.classList.add('flash');
      setTimeout(() => target.classList.remove('flash'), 1200);
    }
  }
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(draw);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (!message || typeof message !== 'object' || typeof (message as { type?: unknown }).type !== 'string') return;
  state = reduce(state, message);
  schedule();
});

// One delegated listener for every action in the page.
root.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement | null)?.closest<HTMLElement>('[data-action]');
  if (!target) return;
  event.preventDefault();
  const action = target.getAttribute('data-action')!;
  const jobId = target.getAttribute('data-job-id') ?? '';
  if (action === 'clear-finished') {
    vscode.postMessage({ type: 'clear-finished' });
    return;
  }
  if (action === 'focus-job') {
    state = reduce(state, { type: 'focus', jobId });
    schedule();
    return;
  }
  const round = target.getAttribute('data-round');
  const sample = target.getAttribute('data-sample');
  const message: FromWebview = { type: 'action', action: action as PanelAction, jobId };
  if (round !== null && sample !== null) message.attempt = { round: Number(round), sample: Number(sample) };
  vscode.postMessage(message);
});

// Remember which sections the user opened or closed, across redraws and panel reloads.
root.addEventListener(
  'toggle',
  (event) => {
    const d = event.target as HTMLDetailsElement;
    const key = d.getAttribute?.('data-key');
    if (!key) return;
    open.set(key, d.open);
    if (open.size > 500) open.delete(open.keys().next().value!);
    vscode.setState({ open: [...open] });
  },
  true,
);

// Running jobs' clocks tick without a redraw.
setInterval(() => {
  for (const node of root.querySelectorAll<HTMLElement>('[data-started]')) {
    const started = Number(node.getAttribute('data-started'));
    if (started > 0) node.textContent = formatElapsed(Date.now() - started);
  }
}, 1000);

vscode.postMessage({ type: 'ready' });
