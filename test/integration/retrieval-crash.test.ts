import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProofBank } from '../../src/retrieval/bank';
import { BuiltinEmbedder } from '../../src/retrieval/embedder';

const root = path.resolve(__dirname, '..', '..');
const child = path.join(root, 'test', 'fixtures', 'retrieval', 'append-loop.ts');

/**
 * Run the appending child until it has acknowledged `target` records in total, then SIGKILL it:
 * at once, or (`atWrite`) as soon as it announces its next record write, to land inside the write.
 */
function appendUntilKilled(dir: string, from: number, target: number, batch = 1, atWrite = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(from), String(batch)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let killing = false;
    let killAtWrite = false;
    let acknowledged = from - 1;
    let stderr = '';
    let buffered = '';
    proc.stderr.on('data', (d) => (stderr += d));
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^stored (\d+)$/.exec(line);
        if (m) acknowledged = Number(m[1]);
      }
      if (acknowledged + 1 >= target && !killing) {
        killing = true;
        if (!atWrite) proc.kill('SIGKILL');
        else killAtWrite = true;
      } else if (killAtWrite && lines.includes('writing')) {
        proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code ?? signal}: ${stderr}`));
      else resolve(acknowledged + 1);
    });
  });
}

describe('retrieval: bank survives kill -9 during appends', function () {
  this.timeout(120_000);

  it('loses at most the record being written, and says so when it does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-crash-'));
    const embedder = await BuiltinEmbedder.load();
    let stored = 0;
    let tornSeen = 0;
    const cycles = 10;
    for (let cycle = 0; cycle < cycles; cycle++) {
      // Half the cycles append one record at a time and are killed between appends; the others
      // write batches of 20 (one write of about 3 MB) and are killed as the next write starts.
      const batch = cycle % 2 === 0 ? 1 : 20;
      const acknowledged = await appendUntilKilled(dir, stored, stored + 10 + batch, batch, batch > 1);
      const bank = await ProofBank.open(dir, embedder, { durable: false });
      // Every acknowledged record survived; beyond them only records of the batch in flight may exist.
      assert.ok(bank.size >= acknowledged && bank.size <= acknowledged + batch, `cycle ${cycle}: ${bank.size} records, ${acknowledged} acknowledged`);
      assert.ok(bank.report.lostRecords <= 1);
      if (bank.report.lostRecords === 1) {
        tornSeen++;
        assert.match(bank.report.message ?? '', /lost 1 partial record/);
      }
      for (let r = 0; r < bank.size; r++) assert.equal(bank.read(r).name, `crash.t${r}`, `record ${r} in order and intact`);
      const top = await bank.search((await embedder.embed([`theorem q (n : Nat) : n + ${bank.size - 1} = ${bank.size - 1} + n`]))!, 1);
      assert.equal(top.length, 1);
      stored = bank.size;
      await bank.close();
    }
    console.log(`      (${cycles} kills, ${stored} records kept, ${tornSeen} torn tails repaired)`);
    await embedder.dispose();
  });
});
