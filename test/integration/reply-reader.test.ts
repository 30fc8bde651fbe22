// The reply reader on a worker thread: the same extraction as inline, a reply that never finishes
// reading refused (and its thread replaced) instead of blocking, and the built worker script works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { candidateFromReply } from '../../src/core/extract';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { ThreadedReplyReader } from '../../src/endpoint/reply-reader';

const TEXT = 'theorem t (a b : Nat) : a + b = b + a := by sorry\n';
const sorry = findSorries(TEXT)[0]!;
const target: ProofTarget = { file: 'T.lean', projectRoot: '.', text: TEXT, version: 1, sorry, declaration: sorry.declaration! };
const origin = { kind: 'model' as const, round: 1, sample: 0 };
const root = path.resolve(import.meta.dirname, '../..');

describe('reply reader on a worker thread', function () {
  this.timeout(60_000);
  let bundled: string;

  before(async () => {
    // The worker as the build makes it, from the current sources.
    bundled = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-reply-worker-')), 'reply-worker.js');
    await esbuild.build({ entryPoints: [path.join(root, 'src/endpoint/reply-worker.ts')], outfile: bundled, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
  });
  after(() => fs.rmSync(path.dirname(bundled), { recursive: true, force: true }));

  it('reads replies as inline extraction does: a proof, a refusal, and a reply full of `|` lines', async () => {
    const reader = new ThreadedReplyReader(bundled);
    try {
      const replies = [
        '```lean4\ntheorem t (a b : Nat) : a + b = b + a := by\n  omega\n```',
        '```lean4\ntheorem t (a b : Nat) : a + b = b + a := by\n  omega\n\n#eval 1\n```',
        '```lean4\ntheorem t (a b : Nat) : a + b = b + a\n' + '| x\n'.repeat(40_000) + '```',
      ];
      for (const reply of replies) assert.deepEqual(await reader.read({ text: reply, finishReason: 'stop' }, target, origin), candidateFromReply(reply, target, origin));
      // The completion travels whole: its finish reason and the retrieved proofs the extraction knows.
      const cut = await reader.read({ text: replies[0]!, finishReason: 'length' }, target, origin);
      assert.ok(!cut.ok && cut.problem.includes('cut off'));
    } finally {
      await reader.dispose();
    }
  });

  it('refuses a reply whose reading never ends, and reads the next one on a fresh thread', async () => {
    const reader = new ThreadedReplyReader(path.join(root, 'test/fixtures/reply-reader/silent-worker.mjs'), [], 300);
    try {
      const stuck = await reader.read({ text: '```lean4\ntheorem t (a b : Nat) : a + b = b + a := by\n  omega\n```', finishReason: 'stop' }, target, origin);
      assert.equal(stuck.ok, false);
      assert.match((stuck as { problem: string }).problem, /reading the reply took longer than/);
    } finally {
      await reader.dispose();
    }
  });

  it('does not keep a process alive once its replies are read, even without dispose', () => {
    const script = path.join(path.dirname(bundled), 'read-one.mts');
    fs.writeFileSync(
      script,
      [
        `import { ThreadedReplyReader } from ${JSON.stringify(path.join(root, 'src/endpoint/reply-reader.ts'))};`,
        `import { findSorries } from ${JSON.stringify(path.join(root, 'src/core/source/index.ts'))};`,
        `const text = ${JSON.stringify(TEXT)};`,
        'const sorry = findSorries(text)[0]!;',
        "const target = { file: 'T.lean', projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration! };",
        `const reader = new ThreadedReplyReader(${JSON.stringify(bundled)});`,
        "const got = await reader.read({ text: '```lean4\\ntheorem t (a b : Nat) : a + b = b + a := by\\n  omega\\n```', finishReason: 'stop' }, target, { kind: 'model', round: 1, sample: 0 });",
        "console.log(got.ok ? 'read' : 'refused');",
      ].join('\n'),
    );
    // A bounded wait: a process held by an idle thread would run into it.
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 50_000 });
    assert.equal(child.signal, null, `the process did not end by itself: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'read');
  });

  it('the built worker (dist/reply-worker.js) reads a reply', async function () {
    const reader = ThreadedReplyReader.bundled(path.join(root, 'dist'));
    if (!reader) {
      assert.ok(!fs.existsSync(path.join(root, 'dist/extension.js')), 'dist/ is built but has no reply-worker.js');
      this.skip();
    }
    try {
      const got = await reader!.read({ text: '```lean4\ntheorem t (a b : Nat) : a + b = b + a := by\n  omega\n```', finishReason: 'stop' }, target, origin);
      assert.ok(got.ok, JSON.stringify(got));
      assert.equal(got.candidate.body, ':= by\n  omega');
    } finally {
      await reader!.dispose();
    }
  });
});
