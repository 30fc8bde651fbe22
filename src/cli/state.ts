// The resume file: what earlier runs finished, keyed by file + declaration + statement hash, so a
// re-run after a crash or Ctrl-C does not redo work. Every update rewrites the file atomically
// (write a temporary file, then rename), so a kill at any moment leaves the old or the new state.
import fs from 'node:fs';
import path from 'node:path';

export const STATE_VERSION = 1;

export interface FinishedEntry {
  status: 'proved' | 'failed';
  /** The verified proof body (`:= by ...`) when proved. */
  proof?: string;
  origin?: string;
  reason: string;
  rounds: number;
  elapsedMs: number;
  promptTokens: number;
  completionTokens: number;
  finishedAt: string;
}

interface StateFileShape {
  version: number;
  entries: Record<string, FinishedEntry>;
}

export class StateStore {
  private entries: Record<string, FinishedEntry>;
  /** Set when an unreadable state file was moved aside. */
  readonly warning?: string;

  private constructor(
    readonly file: string,
    entries: Record<string, FinishedEntry>,
    warning?: string,
  ) {
    this.entries = entries;
    if (warning) this.warning = warning;
  }

  /** Opens the state at `file`; a missing file is an empty state, a corrupt one is moved to `*.corrupt` and reported. */
  static open(file: string): StateStore {
    if (!fs.existsSync(file)) return new StateStore(file, {});
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFileShape;
      if (parsed.version !== STATE_VERSION || typeof parsed.entries !== 'object' || parsed.entries === null) {
        throw new Error(`unknown state format (version ${String(parsed.version)})`);
      }
      return new StateStore(file, parsed.entries);
    } catch (err) {
      const aside = `${file}.corrupt`;
      fs.renameSync(file, aside);
      return new StateStore(file, {}, `the state file ${file} could not be read (${err instanceof Error ? err.message : String(err)}); moved to ${aside}, starting afresh`);
    }
  }

  get(key: string): FinishedEntry | undefined {
    return this.entries[key];
  }

  get size(): number {
    return Object.keys(this.entries).length;
  }

  record(key: string, entry: FinishedEntry): void {
    this.entries[key] = entry;
    this.save();
  }

  forget(key: string): void {
    if (!(key in this.entries)) return;
    delete this.entries[key];
    this.save();
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const data: StateFileShape = { version: STATE_VERSION, entries: this.entries };
    fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
