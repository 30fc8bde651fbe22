// The panel's message protocol, typed once: the extension (src/ui/panel.ts) and the webview
// (webview/main.ts) both import it, so a message one side sends is a message the other side knows.
// Everything here is plain JSON (postMessage clones it); model text travels as data and the
// webview only ever renders it as text.
import type { JobEvent } from '../core/events';

/** What the user can ask of a job from the panel. */
export type PanelAction = 'insert' | 'diff' | 'copy' | 'locate' | 'cancel' | 'retry';

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
  /** Set once the job's proof is in the file, so the panel stops offering Insert. */
  inserted?: boolean;
}

export type BatchOutcome = 'proved' | 'failed' | 'skipped' | 'cancelled';

export interface BatchReportEntry {
  /** The job's id when one ran (skipped targets have none); the report links to its timeline. */
  jobId?: string;
  declarationName: string;
  line: number;
  outcome: BatchOutcome;
  reason: string;
  inserted?: boolean;
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
  | { type: 'reset'; events: JobEvent[]; notes: JobNote[]; reports: BatchReport[] }
  | { type: 'events'; events: JobEvent[] }
  | { type: 'note'; note: JobNote }
  | { type: 'report'; report: BatchReport }
  /** Scroll to and expand a job or a batch report. */
  | { type: 'focus'; jobId?: string; reportId?: string }
  /** Finished jobs were removed on the extension's side. */
  | { type: 'forget'; jobIds: string[] };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'action'; action: PanelAction; jobId: string; attempt?: AttemptRef }
  | { type: 'clear-finished' };

export const PANEL_VIEW_ID = 'oprover.panel';

/** Narrow an unknown message from the webview to a FromWebview, or undefined: the page is not trusted blindly. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (m.type === 'ready' || m.type === 'clear-finished') return { type: m.type };
  if (m.type !== 'action' || typeof m.jobId !== 'string') return undefined;
  const actions: PanelAction[] = ['insert', 'diff', 'copy', 'locate', 'cancel', 'retry'];
  if (!actions.includes(m.action as PanelAction)) return undefined;
  const out: FromWebview = { type: 'action', action: m.action as PanelAction, jobId: m.jobId };
  const a = m.attempt as Record<string, unknown> | undefined;
  if (a && Number.isInteger(a.round) && Number.isInteger(a.sample)) out.attempt = { round: a.round as number, sample: a.sample as number };
  return out;
}
