import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  codeTokens,
  contextBefore,
  findDeclarations,
  findSorries,
  lexLean,
  normalizeStatement,
  offsetToPosition,
  positionToOffset,
  statementSignature,
  statementWithSorry,
} from '../../src/core/source';

const dataDir = path.join(import.meta.dirname, '../fixtures/lean-data');

function readJsonl<T>(file: string): T[] {
  return fs
    .readFileSync(path.join(dataDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

describe('source: lexer', () => {
  it('skips nested block comments, where only /- and -/ count', () => {
    const text = '/- outer /- inner -/ still -- comment -/ sorry';
    const code = codeTokens(text);
    assert.deepEqual(
      code.map((t) => t.text),
      ['sorry'],
    );
  });

  it('treats -- inside a block comment as comment text, so the code after -/ is code', () => {
    const code = codeTokens('/- -- -/ sorry');
    assert.deepEqual(
      code.map((t) => t.text),
      ['sorry'],
    );
  });

  it('marks an unterminated block comment', () => {
    const tokens = lexLean('theorem x : True := by /- never closed\n sorry');
    const last = tokens[tokens.length - 1]!;
    assert.equal(last.kind, 'comment');
    assert.equal(last.unterminated, true);
  });

  it('reads doc comments and module docs as doc comments', () => {
    const kinds = lexLean('/-- doc -/ /-! module -/ /- plain -/').map((t) => t.kind);
    assert.deepEqual(kinds, ['doc-comment', 'doc-comment', 'comment']);
  });

  it('reads strings with escaped quotes', () => {
    const code = codeTokens('"a \\" sorry" sorry');
    assert.deepEqual(
      code.map((t) => t.kind),
      ['string', 'ident'],
    );
  });

  it('reads raw strings', () => {
    const code = codeTokens('r#"a "quoted" sorry"# x');
    assert.deepEqual(
      code.map((t) => [t.kind, t.text]),
      [
        ['string', 'r#"a "quoted" sorry"#'],
        ['ident', 'x'],
      ],
    );
  });

  it('lexes the code inside an interpolated string as code', () => {
    const code = codeTokens('s!"value {sorry} and {f "s"}" done');
    const idents = code.filter((t) => t.kind === 'ident').map((t) => t.text);
    assert.deepEqual(idents, ['s!', 'sorry', 'f', 'done']);
  });

  it("tells character literals from the ' of identifiers", () => {
    const code = codeTokens("h' Nat.succ_le' 'a' '\\n' '\\'' '∀' x");
    assert.deepEqual(
      code.map((t) => [t.kind, t.text]),
      [
        ['ident', "h'"],
        ['ident', "Nat.succ_le'"],
        ['char', "'a'"],
        ['char', "'\\n'"],
        ['char', "'\\''"],
        ['char', "'∀'"],
        ['ident', 'x'],
      ],
    );
  });

  it('reads guillemet identifiers and Unicode identifiers as Lean does', () => {
    const code = codeTokens('«my sorry».x h₀ ℕ α λ x');
    assert.deepEqual(
      code.map((t) => [t.kind, t.text]),
      [
        ['ident', '«my sorry».x'],
        ['ident', 'h₀'],
        ['ident', 'ℕ'],
        ['ident', 'α'],
        ['symbol', 'λ'],
        ['ident', 'x'],
      ],
    );
  });

  it('reads #-commands, but not #[ or #v[ literals', () => {
    const code = codeTokens('#eval 1 #[1] #v[2]');
    assert.deepEqual(
      code.map((t) => [t.kind, t.text]),
      [
        ['hash-command', '#eval'],
        ['number', '1'],
        ['symbol', '#'],
        ['symbol', '['],
        ['number', '1'],
        ['symbol', ']'],
        ['symbol', '#v'],
        ['symbol', '['],
        ['number', '2'],
        ['symbol', ']'],
      ],
    );
  });

  it('marks the first code token of each line', () => {
    const code = codeTokens('a b\n  -- note\n  c /- x\n -/ d\ne');
    assert.deepEqual(
      code.map((t) => [t.text, t.firstOnLine === true]),
      [
        ['a', true],
        ['b', false],
        ['c', true],
        ['d', false],
        ['e', true],
      ],
    );
  });

  it('keeps identifiers with ? and ! whole', () => {
    assert.deepEqual(
      codeTokens('exact? simp! decide').map((t) => t.text),
      ['exact?', 'simp!', 'decide'],
    );
  });
});

describe('source: findDeclarations', () => {
  it('finds kinds, names, modifiers and bodies', () => {
    const text = [
      '/-- doc -/',
      '@[simp] private theorem a (x : Nat) : x = x := rfl',
      '',
      'lemma b : True := by',
      '  trivial',
      'example : 1 = 1 := rfl',
      'instance : Inhabited Nat := ⟨0⟩',
      'instance (priority := 100) namedInst : Inhabited Bool := ⟨true⟩',
      'noncomputable def c : Nat := 1',
      'structure S where',
      '  x : Nat',
      'deriving Repr',
      'inductive T',
      '  | a | b',
      'class inductive U | u',
      'axiom ax : False',
      'abbrev N := Nat',
    ].join('\n');
    const decls = findDeclarations(text);
    assert.deepEqual(
      decls.map((d) => [d.kind, d.name]),
      [
        ['theorem', 'a'],
        ['lemma', 'b'],
        ['example', undefined],
        ['instance', undefined],
        ['instance', 'namedInst'],
        ['def', 'c'],
        ['structure', 'S'],
        ['inductive', 'T'],
        ['class', 'U'],
        ['axiom', 'ax'],
        ['abbrev', 'N'],
      ],
    );
    const a = decls[0]!;
    assert.equal(a.start, 0);
    assert.equal(a.header, '/-- doc -/\n@[simp] private theorem a (x : Nat) : x = x');
    assert.equal(a.body, ':= rfl');
    assert.equal(decls[1]!.body, ':= by\n  trivial');
    assert.equal(decls[6]!.body, 'where\n  x : Nat\nderiving Repr');
    assert.equal(decls[7]!.body, '| a | b');
    assert.equal(decls[9]!.bodyStart, decls[9]!.end, 'an axiom has no body');
    assert.equal(decls[9]!.body, '');
  });

  it('tracks namespaces, sections and end', () => {
    const text = [
      'namespace A.B',
      'theorem x : True := trivial',
      'end B',
      'theorem y : True := trivial',
      'section S',
      'namespace C',
      'theorem z : True := trivial',
      'end C',
      'end S',
      'end A',
      'theorem _root_.w : True := trivial',
      'theorem top : True := trivial',
    ].join('\n');
    assert.deepEqual(
      findDeclarations(text).map((d) => d.fullName),
      ['A.B.x', 'A.y', 'A.C.z', 'w', 'top'],
    );
  });

  it('ends a declaration at the next command, excluding trailing whitespace and comments', () => {
    const text = 'theorem a : True := by\n  trivial  \n\n-- a note\n\n#check a\ntheorem b : True := trivial\n';
    const [a, b] = findDeclarations(text);
    assert.equal(a!.body, ':= by\n  trivial');
    assert.equal(b!.end, text.length - 1);
  });

  it('takes the first := at bracket depth 0, not a binder default or a named argument', () => {
    const text = 'theorem t (h : x = y := by simp) {n : Nat} : f (n := 1) = 2 := by\n  sorry';
    const [t] = findDeclarations(text);
    assert.equal(t!.header, 'theorem t (h : x = y := by simp) {n : Nat} : f (n := 1) = 2');
  });

  it('skips the := of a let or have inside the statement', () => {
    const text = 'theorem T : let x := 1; x = 1 := by\n  intro x\n  rfl\n\ntheorem U : ∀ n : Nat, have h : n = n := rfl; n + 0 = n := fun n => rfl\n';
    const [t, u] = findDeclarations(text);
    assert.equal(t!.header, 'theorem T : let x := 1; x = 1');
    assert.ok(t!.body.startsWith(':= by'));
    assert.equal(u!.header, 'theorem U : ∀ n : Nat, have h : n = n := rfl; n + 0 = n');
    assert.equal(u!.body.trim(), ':= fun n => rfl');
  });

  it('starts pattern-matching bodies at their first |, but not at an absolute value', () => {
    const text = [
      'def f : Nat → Nat',
      '  | 0 => 1',
      '  | n + 1 => f n',
      'theorem abs_small (x : Int) :',
      '    |x| < 1 → x = 0 := by',
      '  omega',
      'theorem m : (match n with',
      '  | 0 => True',
      '  | _ => True) := by trivial',
    ].join('\n');
    const [f, abs, m] = findDeclarations(text);
    assert.equal(f!.header, 'def f : Nat → Nat');
    assert.ok(f!.body.startsWith('| 0 => 1'));
    assert.equal(abs!.body, ':= by\n  omega');
    assert.equal(m!.body, ':= by trivial');
  });

  it('keeps the column-0 `open ... in` prefix with its declaration, and tactic-level set_option in the proof', () => {
    const text = [
      'open Real in',
      'theorem r : True := by',
      '  set_option maxRecDepth 2000 in',
      '  trivial',
      'set_option linter.unusedVariables false',
      'theorem s : True := trivial',
    ].join('\n');
    const [r, s] = findDeclarations(text);
    assert.equal(r!.start, 0);
    assert.ok(r!.header.startsWith('open Real in\ntheorem r'));
    assert.equal(r!.body, ':= by\n  set_option maxRecDepth 2000 in\n  trivial');
    assert.equal(s!.name, 's');
  });

  it('does not take `instance` inside attribute brackets for a declaration', () => {
    const text = 'attribute [instance] foo\n@[instance] def bar : Inhabited Nat := ⟨0⟩\nattribute [local instance] baz in\ntheorem q : True := trivial';
    const decls = findDeclarations(text);
    assert.deepEqual(
      decls.map((d) => [d.kind, d.name]),
      [
        ['def', 'bar'],
        ['theorem', 'q'],
      ],
    );
  });

  it('recovers name, statement and proof of Batteries theorems', () => {
    const rows = readJsonl<{ name: string; statement: string; proof: string; decl: string }>('batteries-sample.jsonl');
    assert.ok(rows.length >= 50);
    let withAssign = 0;
    for (const row of rows) {
      const decl = findDeclarations(row.decl)[0];
      assert.ok(decl, `no declaration in ${row.name}`);
      assert.equal(decl.start, 0, row.name);
      assert.ok(row.name === decl.name || row.name.endsWith(`.${decl.name}`), `${row.name} vs ${decl.name}`);
      // The data set splits at the first `:=`; a `where` or `|` body starts earlier than that.
      if (decl.body.startsWith(':=')) {
        withAssign++;
        assert.equal(decl.header, row.statement, row.name);
        // What follows the declaration in the data (a comment, a following command) is not part of it.
        const rest = row.decl.slice(decl.end);
        assert.ok(codeTokens(rest).length === 0 || findDeclarations(rest).length > 0 || /^\s*(run_meta|#|grind_pattern)/.test(rest), `${row.name}: ${rest.slice(0, 80)}`);
        assert.ok(row.proof.startsWith(decl.body.slice(2).trim()), row.name);
      } else {
        assert.ok(row.statement.startsWith(decl.header), row.name);
        assert.match(decl.body, /^(where|\|)/);
      }
    }
    assert.ok(withAssign > rows.length / 2);
  });
});

describe('source: findSorries', () => {
  it('finds real sorry tokens only', () => {
    const text = [
      'theorem sorry_lemma : True := by',
      '  -- sorry in a comment',
      '  have h : "sorry" = "sorry" := rfl /- sorry -/',
      '  exact sorry',
      'def mySorry := 1',
      'example : True := sorryAx _ ',
      "example : True := by sorry",
    ].join('\n');
    const sorries = findSorries(text);
    assert.equal(sorries.length, 2);
    assert.equal(sorries[0]!.declaration?.name, 'sorry_lemma');
    assert.deepEqual(sorries[0]!.range, { start: { line: 3, character: 8 }, end: { line: 3, character: 13 } });
    assert.equal(sorries[1]!.declaration?.kind, 'example');
    assert.equal(sorries[1]!.range.start.line, 6);
  });

  it('counts UTF-16 code units in ranges', () => {
    const text = 'theorem t (h : 𝔸 = ℕ) : ∀ x, x = x := by sorry';
    const [s] = findSorries(text);
    assert.equal(text.slice(s!.offset, s!.offset + 5), 'sorry');
    assert.equal(s!.range.start.character, s!.offset);
    assert.equal(positionToOffset(text, s!.range.start), s!.offset);
  });

  it('finds the one sorry of each miniF2F statement, in the right declaration', () => {
    const rows = readJsonl<{ name: string; lean: string }>('minif2f-sample.jsonl');
    assert.ok(rows.length >= 20);
    for (const row of rows) {
      const sorries = findSorries(row.lean);
      assert.equal(sorries.length, 1, row.name);
      const decl = sorries[0]!.declaration;
      assert.equal(decl?.name, row.name);
      assert.equal(decl?.body, ':= by sorry');
      assert.equal(statementWithSorry(decl!), row.lean.slice(decl!.start));
      const context = contextBefore(row.lean, decl!);
      assert.ok(context.startsWith('import Mathlib'), context);
      assert.ok(!context.includes('theorem'), context);
    }
  });
});

describe('source: Windows line endings', () => {
  it('finds sorries and declarations in a \r\n file with the same lines and columns', () => {
    const unix = 'import Mathlib\n\ntheorem w (n : ℕ) : n = n := by\n  sorry\n';
    const windows = unix.replace(/\n/g, '\r\n');
    const [u] = findSorries(unix);
    const [w] = findSorries(windows);
    assert.deepEqual(w!.range, u!.range);
    assert.equal(w!.declaration?.body, ':= by\r\n  sorry');
    assert.equal(contextBefore(windows, w!.declaration!), 'import Mathlib');
  });
});

describe('source: positions', () => {
  it('converts offsets and positions with \\n, \\r\\n and Unicode', () => {
    const text = 'ab\r\n∀x\n𝔸y\rz';
    assert.deepEqual(offsetToPosition(text, 0), { line: 0, character: 0 });
    assert.deepEqual(offsetToPosition(text, 4), { line: 1, character: 0 });
    assert.deepEqual(offsetToPosition(text, 3), { line: 0, character: 2 }, 'inside \\r\\n maps to the end of the line');
    assert.deepEqual(offsetToPosition(text, 8), { line: 2, character: 1 }, 'a surrogate pair counts two');
    assert.deepEqual(offsetToPosition(text, 11), { line: 3, character: 0 });
    for (let offset = 0; offset <= text.length; offset++) {
      if (offset === 3) continue;
      assert.equal(positionToOffset(text, offsetToPosition(text, offset)), offset, `offset ${offset}`);
    }
    assert.equal(positionToOffset(text, { line: 0, character: 99 }), 2, 'clamped to the line');
    assert.equal(positionToOffset(text, { line: 99, character: 0 }), text.length);
  });
});

describe('source: context and statements', () => {
  it('keeps imports and the scope commands in force, not earlier proofs or closed scopes', () => {
    const text = [
      '/- Copyright -/',
      'import Mathlib',
      'import Aesop',
      '',
      'set_option maxHeartbeats 400000',
      'open BigOperators Real',
      '',
      'theorem earlier : True := by',
      '  trivial',
      '',
      'namespace Closed',
      'open Finset',
      'end Closed',
      '',
      'noncomputable section',
      'namespace Foo.Bar',
      'variable (n : ℕ)',
      'universe u',
      'open Nat in',
      'theorem prefixed : True := trivial',
      '',
      'theorem target : n = n := by sorry',
    ].join('\n');
    const target = findDeclarations(text).find((d) => d.name === 'target')!;
    assert.equal(target.fullName, 'Foo.Bar.target');
    assert.equal(
      contextBefore(text, target),
      [
        'import Mathlib',
        'import Aesop',
        '',
        'set_option maxHeartbeats 400000',
        'open BigOperators Real',
        'noncomputable section',
        'namespace Foo',
        'namespace Bar',
        'variable (n : ℕ)',
        'universe u',
      ].join('\n'),
    );
  });

  it('normalizes whitespace and comments, and compares signatures without name or attributes', () => {
    assert.equal(normalizeStatement('theorem  t (x : ℕ)\n   -- note\n  : x = x'), 'theorem t (x : ℕ) : x = x');
    assert.notEqual(normalizeStatement('f (x)'), normalizeStatement('f(x)'));
    assert.equal(statementSignature('/-- doc -/ @[simp] theorem foo (x : ℕ) :\n  x = x'), '(x : ℕ) : x = x');
    assert.equal(statementSignature('lemma bar (x : ℕ) : x = x'), '(x : ℕ) : x = x');
    assert.equal(statementSignature('example (x : ℕ) : x = x'), '(x : ℕ) : x = x');
    assert.equal(statementSignature('instance : Inhabited ℕ'), ': Inhabited ℕ');
  });
});
