// State the UI specs share: one code-server, one browser page and the workspace copy, set up by
// test/ui/run.ts before mocha loads the specs. Kept on globalThis so that it does not depend on how
// the loader instantiates modules.
import type { Workbench } from './workbench';

export interface UiSession {
  workbench: Workbench;
  /** Absolute path of the workspace copy the workbench has open. */
  workspace: string;
  /** Where the requests the test model server received can be read (GET: a JSON array). */
  modelRequestsUrl: string;
}

const key = Symbol.for('oprover.ui.session');
type WithSession = typeof globalThis & { [key]?: UiSession };

export function setSession(value: UiSession): void {
  (globalThis as WithSession)[key] = value;
}

export function session(): UiSession {
  const value = (globalThis as WithSession)[key];
  if (!value) throw new Error('the UI session is not set up: run the specs through test/ui/run.ts');
  return value;
}
