// The panel's message protocol, typed once: the extension (src/ui/panel.ts) and the webview
// (webview/main.ts) both import it, so a message one side sends is a message the other side knows.
// Everything here is plain JSON (postMessage clones it); model text travels as data and the
// webview only ever renders it as text.
import type { JobEvent } from '../core/events';

/** What the user can ask of a job from the panel. */
export type PanelAction = 'insert' | 'diff' | 'copy' | 'locate' | 'cancel' | 'retry' | 'settings';

export const PANEL_ACTIONS: readonly PanelAction[] = ['insert', 'diff', 'copy', 'locate', 'cancel', 'retry', 'settings'];

/** Points at one attempt of a job (a round's sample); absent means the job's verified proof. */
export interface AttemptRef {
  round: number;
  sample: number;
}

/** A message the extension attaches to a job: an insertion done or refused, a copy, a retry. */
export interface JobNote {
  jobId: string;
  level: 'info' | 'warn' | 'error';
  text: string;
  /** true once the job's proof is in the file, so the panel stops offering Insert; false when that edit was undone. */
  inserted?: boolean;
}

/**
 * What the panel knows of a job beyond its events. Generic on purpose: any kind of job (a sorry,
 * a hole inside a proof, a proof to shorten) has a target label, a budget and maybe a batch.
 */
export interface JobMeta {
  jobId: string;
  /** Rounds this job may run (for "round 2/4"). */
  rounds: number;
  /** Samples per model round (for "sampling 3/4"); absent when unknown. */
  samples?: number;
  batchId?: string;
  /** What the target is, e.g. "declaration" or "hole 2"; the panel writes "declaration" when absent. */
  targetKind?: string;
}

/** A batch while it runs, so its jobs are grouped under their own header before the report exists. */
export interface BatchInfo {
  id: string;
  file: string;
  startedAt: number;
  total: number;
}

/** What a first run needs, for the empty panel's checklist. */
export interface SetupInfo {
  endpoint: boolean;
  apiKey: boolean;
  /** The last Test Connection (or the quiet check after start-up). */
  connection: 'untested' | 'ok' | 'failed';
  connectionDetail?: string;
  /** undefined while not looked for. */
  lean?: { found: boolean; detail: string };
  /** The model the endpoint serves when oprover.model is empty (from the models list). */
  servedModel?: string;
}

export type SetupStep = 'endpoint' | 'api-key' | 'test-connection' | 'lean';

export type BatchOutcome = 'proved' | 'failed' | 'skipped' | 'cancelled';

export interface BatchReportEntry {
  /** The job's id when one ran (skipped targets have none); the report links to its timeline. */
  jobId?: string;
  declarationName: string;
  line: number;
  outcome: BatchOutcome;
  reason: string;
  inserted?: boolean;
  /** A question about this proof is waiting for the user's answer (insert mode `ask`). */
  pending?: boolean;
}

export interface BatchReport {
  id: string;
  file: string;
  startedAt: number;
  finishedAt: number;
  entries: BatchReportEntry[];
}

export type ToWebview =
  /** The whole state: sent when the page (re)loads, so jobs survive closing the panel. */
  | { type: 'reset'; events: JobEvent[]; notes: JobNote[]; reports: BatchReport[]; meta?: JobMeta[]; batches?: BatchInfo[]; setup?: SetupInfo }
  | { type: 'meta'; meta: JobMeta }
  | { type: 'batch'; batch: BatchInfo }
  | { type: 'setup'; setup: SetupInfo }
  | { type: 'events'; events: JobEvent[] }
  | { type: 'note'; note: JobNote }
  | { type: 'report'; report: BatchReport }
  /** Scroll to and expand a job or a batch report. */
  | { type: 'focus'; jobId?: string; reportId?: string }
  /** Finished jobs were removed on the extension's side. */
  | { type: 'forget'; jobIds: string[]; reportIds?: string[] };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction; jobId: string; attempt?: AttemptRef }
  | { type: 'clear-finished' }
  | { type: 'setup'; step: SetupStep };

export const PANEL_VIEW_ID = 'oprover.panel';

/** The setting a job's reason names ("… set oprover.endpoint …"): the panel then offers Open Settings on it. */
export function settingNamed(reason: string | undefined): string | undefined {
  return reason ? /\boprover\.([A-Za-z]+)\b/.exec(reason)?.[0] : undefined;
}

const SETUP_STEPS: readonly SetupStep[] = ['endpoint', 'api-key', 'test-connection', 'lean'];

/** Narrow an unknown message from the webview to a FromWebview, or undefined: the page is not trusted blindly. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.type === 'ready' || m.type === 'clear-finished') return { type: m.type };
  if (m.type === 'setup') return SETUP_STEPS.includes(m.step as SetupStep) ? { type: 'setup', step: m.step as SetupStep } : undefined;
  if (m.type !== 'action' || typeof m.jobId !== 'string') return undefined;
  if (!PANEL_ACTIONS.includes(m.action as PanelAction)) return undefined;
  const out: FromWebview = { type: 'action', action: m.action as PanelAction, jobId: m.jobId };
  const a = m.attempt as Record<string, unknown> | undefined;
  if (a && Number.isInteger(a.round) && Number.isInteger(a.sample)) out.attempt = { round: a.round as number, sample: a.sample as number };
  return out;
}
