// The lock file shared by writers of one project's bank and resume file, across processes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireFileLock, LockBusyError, withFileLock } from '../../src/state/file-lock';

const lockModule = path.resolve(__dirname, '..', '..', 'src', 'state', 'file-lock.ts');

function scratchLock(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-lock-')), 'x.lock');
}

/** A child process that takes the lock, says "held", and keeps it until it exits. */
function holder(lockPath: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const script = `require(${JSON.stringify(lockModule)}).acquireFileLock(${JSON.stringify(lockPath)}); process.stdout.write('held\\n'); setTimeout(() => {}, 60000);`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve({ pid: proc.pid!, stop: () => new Promise<void>((done) => (proc.kill('SIGKILL'), proc.once('exit', () => done()))) });
    });
    proc.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

describe('file lock', () => {
  it('keeps a second process out while the first holds it, naming the holder', async () => {
    const lock = scratchLock();
    const other = await holder(lock);
    try {
      assert.throws(
        () => acquireFileLock(lock, { timeoutMs: 150 }),
        (err: unknown) => err instanceof LockBusyError && err.owner?.pid === other.pid && err.message.includes(`process ${other.pid}`),
      );
    } finally {
      await other.stop();
    }
    // Its holder was killed (kill -9 leaves the file): the lock is taken over at once.
    assert.ok(fs.existsSync(lock), 'a killed holder leaves its lock file');
    assert.equal(withFileLock(lock, () => 'written', { timeoutMs: 150 }), 'written');
    assert.equal(fs.existsSync(lock), false, 'released after the write');
  });

  it('takes over a lock whose owner cannot be asked only once it is old', () => {
    const lock = scratchLock();
    fs.writeFileSync(lock, ''); // its writer died between creating and filling it
    assert.throws(() => acquireFileLock(lock, { timeoutMs: 100, staleMs: 60_000 }), LockBusyError);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    const release = acquireFileLock(lock, { timeoutMs: 100, staleMs: 60_000 });
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
    release();
    assert.equal(fs.existsSync(lock), false);
  });

  it('takes over the lock of a process that has exited, and a release never removes another holder\'s lock', () => {
    const lock = scratchLock();
    const gone = spawnSync(process.execPath, ['-e', '0']);
    fs.writeFileSync(lock, JSON.stringify({ pid: gone.pid, host: os.hostname(), at: Date.now() }));
    const release = acquireFileLock(lock, { timeoutMs: 100 });
    // Someone removed it and another process took it meanwhile: our release must leave theirs alone.
    const theirs = JSON.stringify({ pid: 1, host: os.hostname(), at: 1 });
    fs.writeFileSync(lock, theirs);
    release();
    assert.equal(fs.readFileSync(lock, 'utf8'), theirs);
  });

  it('refuses a write inside a write of the same process instead of waiting for itself', () => {
    const lock = scratchLock();
    assert.throws(() => withFileLock(lock, () => withFileLock(lock, () => 0, { timeoutMs: 100 })), /already held by this process/);
    assert.equal(fs.existsSync(lock), false, 'the outer write released it');
  });
});
