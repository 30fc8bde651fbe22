// The folders and the lock file of writers that share files across processes: the editor's extension host and the
// CLI write the same memory bank and the same resume file of a project. It is held only around a
// synchronous write (milliseconds). A lock left behind by a process that died (a crash, kill -9) is
// taken over: on this machine when its process is gone, otherwise once it is older than `staleMs`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockOwner {
  pid: number;
  host: string;
  /** When it was taken (ms since the epoch); tells two holders of the same pid apart. */
  at: number;
}

export class LockBusyError extends Error {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | undefined,
    waitedMs: number,
  ) {
    const who = owner ? `process ${owner.pid}${owner.host === os.hostname() ? '' : ` on ${owner.host}`}` : 'another process';
    super(`${lockPath} is held by ${who} (waited ${waitedMs} ms); if no OProver or oprover CLI is running, delete that file`);
    this.name = 'LockBusyError';
  }
}

export interface LockOptions {
  /** How long to wait for another holder, ms (default 10 s). */
  timeoutMs?: number;
  /** A lock whose owner cannot be asked (unreadable, or another machine) is stale after this, ms (default 60 s). */
  staleMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.at === 'number') return parsed as LockOwner;
  } catch {
    // Gone, or written only partly (its writer died between creating and filling it).
  }
  return undefined;
}

function isStale(lockPath: string, staleMs: number): boolean {
  const owner = readOwner(lockPath);
  if (owner && owner.host === os.hostname()) {
    if (owner.pid === process.pid) throw new Error(`${lockPath} is already held by this process (a write inside a write)`);
    return !processAlive(owner.pid);
  }
  try {
    return Date.now() - fs.statSync(lockPath).mtimeMs > staleMs;
  } catch {
    return false; // released meanwhile: try again
  }
}

/** Takes the lock (waiting for another holder) and returns its release. */
export function acquireFileLock(lockPath: string, options: LockOptions = {}): () => void {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 60_000;
  const started = Date.now();
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    const me: LockOwner = { pid: process.pid, host: os.hostname(), at: Date.now() };
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockPath, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, JSON.stringify(me));
      } finally {
        fs.closeSync(fd);
      }
      return () => {
        const now = readOwner(lockPath);
        if (now && now.pid === me.pid && now.host === me.host && now.at === me.at) fs.rmSync(lockPath, { force: true });
      };
    }
    if (isStale(lockPath, staleMs)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw new LockBusyError(lockPath, readOwner(lockPath), waited);
    sleepSync(wait);
  }
}

/** Runs the synchronous `write` holding the lock. */
export function withFileLock<T>(lockPath: string, write: () => T, options?: LockOptions): T {
  const release = acquireFileLock(lockPath, options);
  try {
    return write();
  } finally {
    release();
  }
}

/**
 * Creates `dir` and its missing parents. The topmost folder it had to create gets a `.gitignore` of
 * `*`, so what OProver keeps there (the memory bank, the resume file) stays out of the user's
 * repository; a folder that already existed is left as it is.
 */
export function makeOwnDir(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first) fs.writeFileSync(path.join(first, '.gitignore'), '# OProver\'s memory bank and resume state: local to this machine\n*\n');
}
