// The pieces under the slots: minimal ranged changes (UTF-16, CRLF, surrogate pairs), the import
// header, the server's command line, environment and sandbox wrapping.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { leanServerEnv, resolveServerCommand, sandboxCommand } from '../../src/lean/server';
import { importHeader, minimalChange } from '../../src/lean/slots';

/** Applies a change the way a server does, to check that it reproduces the new text. */
function apply(oldText: string, newText: string): string {
  const change = minimalChange(oldText, newText);
  if (!change) return oldText;
  const doc = TextDocument.create('file:///x.lean', 'lean4', 1, oldText);
  return TextDocument.update(doc, [change], 2).getText();
}

describe('slot building blocks', () => {
  it('computes the smallest ranged change, in UTF-16 positions', () => {
    const old = 'theorem t : ∀ x : ℕ, x = x := by\n  sorry\n\n#print axioms t\n';
    const next = old.replace('sorry', 'intro x\n  rfl');
    const change = minimalChange(old, next)!;
    assert.deepEqual(change.range, { start: { line: 1, character: 2 }, end: { line: 1, character: 7 } });
    assert.equal(change.text, 'intro x\n  rfl');
    assert.equal(minimalChange(old, old), undefined);
  });

  it('reproduces the new text for edits around surrogate pairs, CRLF and at the ends', () => {
    const cases: [string, string][] = [
      ['a 𝔸 b', 'a 𝔹 b'],
      ['x\r\ny', 'x\ny'],
      ['x\ny', 'x\r\ny'],
      ['', 'theorem t := rfl'],
      ['abc', ''],
      ['same start, different end 𝔸', 'same start, different end 𝔹'],
      ['𝔸 start', '𝔹 start'],
      ['aaaa', 'aa'],
      ['line1\r\nline2\r\n', 'line1\r\nline 2\r\n'],
    ];
    for (const [a, b] of cases) assert.equal(apply(a, b), b, JSON.stringify([a, b]));
  });

  it('finds the import header', () => {
    assert.equal(importHeader('import Mathlib\nimport Aesop\n\nopen Nat\ntheorem x := rfl'), 'import Mathlib\nimport Aesop');
    assert.equal(importHeader('/- c -/\nimport Mathlib.Tactic -- c\n\ntheorem x := rfl'), '/- c -/\nimport Mathlib.Tactic');
    assert.equal(importHeader('theorem x := rfl'), '');
    assert.equal(importHeader('module\n\npublic import Lean\n'), 'module\n\npublic import Lean');
  });

  it('keeps API keys and unrelated variables out of the server environment', () => {
    const env = leanServerEnv({ PATH: '/usr/bin', HOME: '/home/u', LEAN_PATH: 'x', LAKE_HOME: 'y', ELAN_HOME: 'z', OPENAI_API_KEY: 'sk', OPROVER_API_KEY: 'k', LEAN_API_TOKEN: 't', AWS_SECRET_ACCESS_KEY: 's', NODE_OPTIONS: '--x', LC_ALL: 'C' });
    assert.equal(env.LEAN_PATH, 'x');
    assert.equal(env.LAKE_HOME, 'y');
    assert.equal(env.ELAN_HOME, 'z');
    assert.equal(env.LC_ALL, 'C');
    for (const k of ['OPENAI_API_KEY', 'OPROVER_API_KEY', 'LEAN_API_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'NODE_OPTIONS']) assert.equal(env[k], undefined, k);
  });

  it('chooses `lake serve --` with a lakefile and `lean --server` without', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-cmd-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const name of ['lean', 'lake']) {
      fs.writeFileSync(path.join(bin, name), '#!/bin/sh\n');
      fs.chmodSync(path.join(bin, name), 0o755);
    }
    const plain = resolveServerCommand({ projectRoot: dir, leanPath: path.join(bin, 'lean') });
    assert.ok(plain.ok && plain.command.command === path.join(bin, 'lean'));
    assert.deepEqual(plain.ok && plain.command.args, ['--server', '-Dserver.reportDelayMs=0']);
    fs.writeFileSync(path.join(dir, 'lakefile.toml'), 'name = "x"\n');
    const lake = resolveServerCommand({ projectRoot: dir, leanPath: path.join(bin, 'lean'), extraArgs: ['-DmaxHeartbeats=100000'] });
    assert.ok(lake.ok && lake.command.command === path.join(bin, 'lake'), 'lake next to lean');
    assert.deepEqual(lake.ok && lake.command.args, ['serve', '--', '-Dserver.reportDelayMs=0', '-DmaxHeartbeats=100000']);
    const onPath = resolveServerCommand({ projectRoot: dir, env: { PATH: bin } });
    assert.ok(onPath.ok && onPath.command.command === path.join(bin, 'lake'));
    const missing = resolveServerCommand({ projectRoot: dir, leanPath: path.join(dir, 'nope') });
    assert.ok(!missing.ok && /not an executable/.test(missing.reason));
  });

  it('wraps the command in bubblewrap without network, writable only where Lean writes', () => {
    const wrapped = sandboxCommand({ command: '/x/lake', args: ['serve', '--'] }, os.tmpdir(), '/usr/bin/bwrap');
    assert.equal(wrapped.command, '/usr/bin/bwrap');
    assert.ok(wrapped.args.includes('--unshare-net'));
    assert.deepEqual(wrapped.args.slice(wrapped.args.indexOf('--ro-bind'), wrapped.args.indexOf('--ro-bind') + 3), ['--ro-bind', '/', '/']);
    assert.deepEqual(wrapped.args.slice(-4), ['--', '/x/lake', 'serve', '--']);
  });
});
