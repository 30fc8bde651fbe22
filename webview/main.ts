// The panel page: receives protocol messages, folds them into state with the pure reducer, and
// redraws at most once per animation frame. Only jobs whose revision changed are rebuilt, and
// keyboard focus is carried over by data-focus-key, so streaming never steals the user's place.
// Clicks are handled by one delegated listener (the CSP forbids inline handlers).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { FromWebview, PanelAction, SetupStep, ToWebview } from '../src/ui/protocol';
import { formatElapsed, panelItems, renderBatch, renderEmpty, renderJob, type RenderOptions } from './render';
import { EMPTY_STATE, reduce, type JobView, type PanelState } from './state';

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
/** The live round each job showed at the last draw, to bring a new one into view. */
const liveRounds = new Map<string, string>();
let lastFocusSeq = 0;
let followJobId: string | undefined;
let scheduled = false;

const root = document.getElementById('root')!;
root.setAttribute('data-testid', 'panel-root');

function options(): RenderOptions {
  return { now: Date.now(), open };
}

function draw(): void {
  scheduled = false;
  const focusKey = (document.activeElement as HTMLElement | null)?.closest?.('[data-focus-key]')?.getAttribute('data-focus-key');
  const opts = options();

  const live = new Set<string>();
  const jobNode = (job: JobView): HTMLElement => {
    live.add(job.id);
    const cached = jobNodes.get(job.id);
    if (cached && cached.rev === job.rev) return cached.node;
    const node = renderJob(document, job, opts, state.setup);
    jobNodes.set(job.id, { rev: job.rev, node });
    return node;
  };
  const items = panelItems(state);
  const nodes = items.map((item) => (item.kind === 'job' ? jobNode(item.job) : renderBatch(document, state, item, jobNode)));
  for (const id of [...jobNodes.keys()]) if (!live.has(id)) jobNodes.delete(id);
  if (nodes.length === 0) nodes.push(renderEmpty(document, state.setup));
  root.replaceChildren(...nodes);

  // Streaming text follows the model: keep each live stream scrolled to its end.
  for (const stream of root.querySelectorAll<HTMLElement>('[data-testid="attempt-streaming"]')) stream.scrollTop = stream.scrollHeight;

  if (focusKey) {
    const again = root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again && again !== document.activeElement) again.focus();
  }
  if (state.focus && state.focus.seq !== lastFocusSeq) {
    lastFocusSeq = state.focus.seq;
    followJobId = state.focus.jobId;
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
  // The job the user last asked for: when a new round starts, it comes into view.
  for (const roundNode of root.querySelectorAll<HTMLElement>('.round-live')) {
    const jobId = roundNode.closest('[data-testid="job"]')?.getAttribute('data-job-id') ?? '';
    const key = roundNode.getAttribute('data-round') ?? '';
    if (liveRounds.get(jobId) !== key && jobId === followJobId) roundNode.scrollIntoView({ block: 'nearest' });
    liveRounds.set(jobId, key);
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
  if (action === 'setup') {
    vscode.postMessage({ type: 'setup', step: target.getAttribute('data-step') as SetupStep });
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
    // Only what the user changed is remembered: a section drawn open by default (the live round)
    // folds again when its default changes (the round is over), unless the user opened it.
    if (String(d.open) === d.getAttribute('data-default-open')) open.delete(key);
    else open.set(key, d.open);
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
