// The file header (module system): what it imports, and the non-module form a checking document uses.
import assert from 'node:assert/strict';
import { fileHeader, withoutModuleHeader } from '../../src/core/header';
import { importHeader } from '../../src/lean/slots';

const MODULE_FILE = `/-! A Mathlib-style module file. -/
module

public import Mathlib.Algebra.Group.Defs
public meta import Mathlib.Tactic.Ring
import all Mathlib.Data.Nat.Basic
private import Batteries.Data.List

@[expose] public section

theorem two : 1 + 1 = 2 := by sorry
`;

describe('file header', () => {
  it('reads a module header with public, meta, private and all modifiers', () => {
    const h = fileHeader(MODULE_FILE);
    assert.equal(h.isModule, true);
    assert.deepEqual(h.imports, ['Mathlib.Algebra.Group.Defs', 'Mathlib.Tactic.Ring', 'Mathlib.Data.Nat.Basic', 'Batteries.Data.List']);
    assert.deepEqual(h.moduleOnly.map((t) => t.text), ['module', 'public', 'public', 'meta', 'all', 'private']);
    assert.equal(MODULE_FILE.slice(0, h.end).trimEnd().endsWith('Batteries.Data.List'), true);
    assert.equal(importHeader(MODULE_FILE), MODULE_FILE.slice(0, h.end));
  });

  it('reads older headers: prelude, several names per import, no module', () => {
    const h = fileHeader('prelude\nimport Init.Core Init.Data\nimport Lean\n\ndef x := 1\n');
    assert.equal(h.isModule, false);
    assert.deepEqual(h.imports, ['Init.Core', 'Init.Data', 'Lean']);
    assert.deepEqual(h.moduleOnly, []);
  });

  it('module files: checked as a non-module file with every line and column in place', () => {
    const out = withoutModuleHeader(MODULE_FILE);
    assert.equal(out.length, MODULE_FILE.length);
    assert.deepEqual(out.split('\n').map((l) => l.length), MODULE_FILE.split('\n').map((l) => l.length));
    assert.ok(!/^\s*module\b/m.test(out));
    assert.ok(!/\b(public|meta|private) import\b|\bimport all\b/.test(out));
    assert.match(out, /^ +import Mathlib\.Algebra\.Group\.Defs$/m);
    assert.equal(out.slice(out.indexOf('theorem')), MODULE_FILE.slice(MODULE_FILE.indexOf('theorem')));
    assert.equal(withoutModuleHeader('import Mathlib\ntheorem t : True := trivial\n'), 'import Mathlib\ntheorem t : True := trivial\n');
  });
});
