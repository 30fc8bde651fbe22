// Progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise (logs, CI, pipes).
import type { ReportItem } from './report';

/** What a finished line shows: a prove item, or any item with the same fields (optimize). */
export type ProgressItem = Pick<ReportItem, 'file' | 'line' | 'declaration' | 'reason' | 'timeMs' | 'resumed' | 'origin'> & { status: string };

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private done = 0;
  private proved = 0;
  private readonly active = new Map<string, string>();
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly enabled: boolean,
    /** The status the bar counts, and its word ("proved 3"). */
    private readonly counted: string = 'proved',
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** A message that must stay visible (printed above the bar). */
  log(message: string): void {
    if (!this.enabled) return;
    this.clear();
    this.stream.write(`${message}\n`);
    this.draw();
  }

  started(key: string, label: string): void {
    this.active.set(key, label);
    this.draw();
  }

  /** What a running job is doing now (round, checking), shown on the bar only. */
  activity(key: string, label: string): void {
    if (!this.active.has(key)) return;
    this.active.set(key, label);
    this.draw();
  }

  finished(key: string, item: ProgressItem): void {
    this.active.delete(key);
    this.done++;
    if (item.status === this.counted) this.proved++;
    // On a terminal the bar shows progress and the summary lists each target; lines are for logs.
    if (!this.enabled || this.tty) {
      this.draw();
      return;
    }
    const detail = item.status === this.counted ? item.origin ?? '' : item.reason;
    const time = item.resumed ? 'earlier run' : `${(item.timeMs / 1000).toFixed(1)} s`;
    this.stream.write(`[${this.done}/${this.total}] ${item.status.padEnd(8)} ${item.file}:${item.line} ${item.declaration} (${time}) ${detail}\n`);
  }

  end(): void {
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.drawn) {
      this.stream.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  private draw(): void {
    if (!this.enabled || !this.tty || this.total === 0) return;
    const width = Math.max(40, this.stream.columns ?? 80);
    const barWidth = Math.min(30, Math.floor(width / 4));
    const filled = Math.round((this.done / this.total) * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${this.done}/${this.total} ${this.counted} ${this.proved}`;
    const now = [...this.active.values()].join(' | ');
    let line = now ? `${bar}  ${now}` : bar;
    if (line.length > width - 1) line = `${line.slice(0, width - 2)}…`;
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
