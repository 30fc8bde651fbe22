// The processes under a Lean server, and how to end all of them. Lean's watchdog starts each file
// worker with `setsid` (its own session and process group: `Process.spawn { …, setsid := true }` in
// `src/Lean/Server/Watchdog.lean`, read at leanprover/lean4 2024–2025), so a process-group kill of
// the server does not reach the workers, nor what they start (`lake setup-file`, builds). The tree
// is followed through parent ids instead: /proc on Linux, `ps` on other POSIX systems, and
// `taskkill /T` on Windows, which walks the tree itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Resident memory in bytes (0 where unknown). */
  rssBytes: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

const PAGE_BYTES = 4096;

function linuxTable(withCommands: boolean): ProcessInfo[] | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const out: ProcessInfo[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // After the command name in parentheses: state, ppid, pgrp, …, rss (field 24 of stat).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let command = '';
      try {
        if (withCommands) command = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        // a process we may not read: its command stays empty
      }
      out.push({ pid: Number(e), ppid: Number(fields[1]), rssBytes: Number(fields[21]) * PAGE_BYTES, command });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function psTable(): ProcessInfo[] | undefined {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'rss=', '-o', 'args='], { encoding: 'utf8', timeout: 10_000 });
  if (ps.status !== 0 || !ps.stdout) return undefined;
  const out: ProcessInfo[] = [];
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), ppid: Number(m[2]), rssBytes: Number(m[3]) * 1024, command: m[4]! });
  }
  return out;
}

/**
 * Every process of this machine (with parent ids), or undefined where that cannot be read
 * (Windows). `withCommands: false` leaves the commands empty on Linux (cheaper, for memory samples).
 */
export function processTable(withCommands = true): ProcessInfo[] | undefined {
  if (process.platform === 'linux') return linuxTable(withCommands);
  if (process.platform === 'win32') return undefined;
  return psTable();
}

/** The processes below `root` (children, their children, …), not `root` itself. */
export function descendants(root: number, table: ProcessInfo[]): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcessInfo[] = [];
  const queue = [root];
  const seen = new Set<number>([root]);
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Resident memory of `root` and everything below it, or undefined where it cannot be read. */
export function treeRssBytes(root: number): number | undefined {
  const table = processTable(false);
  const self = table?.find((p) => p.pid === root);
  if (!table || !self) return undefined;
  return descendants(root, table).reduce((sum, p) => sum + p.rssBytes, self.rssBytes);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Kills `root` and every process below it, synchronously (usable in an exit hook). On POSIX the
 * tree is first stopped from the top down (a stopped process cannot start new children, and a
 * child whose parent died would be re-parented out of reach), walked again until no new process
 * appears, then killed. Returns the pids it signalled (on Windows, only `root`).
 */
export function killTree(root: number): number[] {
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/PID', String(root), '/T', '/F'], { windowsHide: true, timeout: 10_000 });
    return [root];
  }
  const stopped: number[] = [];
  const seen = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const table = processTable(false);
    const tree = [root, ...(table ? descendants(root, table).map((p) => p.pid) : [])];
    let fresh = false;
    for (const pid of tree) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      stopped.push(pid);
      fresh = true;
      signal(pid, 'SIGSTOP');
    }
    if (!fresh || !table) break;
  }
  for (const pid of stopped) signal(pid, 'SIGKILL');
  return stopped;
}

/** Whether a process with this pid exists (and is not a zombie, where that can be told). */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid of the Lean file worker for `uri` under the server `root`: a process below it started
 * with `--worker`. Current Lean passes the document's URI as the worker's last argument
 * (`#["--worker"] ++ args ++ #[uri]`); older Lean (4.0.0) does not, and then the worker is the one
 * no other document has claimed, when there is exactly one such. Undefined when it cannot be told.
 */
export function findFileWorker(root: number, uri: string, claimed: ReadonlySet<number> = new Set()): number | undefined {
  const table = processTable();
  if (!table) return undefined;
  const workers = descendants(root, table).filter((p) => /(^|\s)--worker(\s|$)/.test(p.command));
  // The worker's own process, not a wrapper above it that also carries the arguments.
  const outermost = (list: ProcessInfo[]) => list.filter((p) => !list.some((q) => q.pid === p.ppid));
  const named = outermost(workers.filter((p) => p.command.split(' ').includes(uri)));
  if (named.length === 1) return named[0]!.pid;
  if (named.length > 1) return undefined;
  const unnamed = outermost(workers.filter((p) => !/\sfile:\/\//.test(p.command) && !claimed.has(p.pid)));
  return unnamed.length === 1 ? unnamed[0]!.pid : undefined;
}

/**
 * Kills the tree of `root` (see killTree) and waits, up to `limitMs`, until none of its processes
 * runs any more (gone, or a zombie waiting for its parent). True when they all stopped in time.
 */
export async function killTreeAndWait(root: number, limitMs = 5000): Promise<boolean> {
  return waitGone(killTree(root), limitMs);
}

/** Waits, up to `limitMs`, until none of `pids` runs any more. True when they all stopped in time. */
export async function waitGone(pids: number[], limitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
