// The Lake options of a project (package and library `leanOptions`), read from lakefile.toml and
// lakefile.lean as the templates of `lake new … math` and Mathlib's own lakefile write them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lakeOptionArgs, readLakeOptions } from '../../src/lean/lake-options';

function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-lake-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  return root;
}

// `lake new demo math.toml` (Lean v4.2x template).
const MATH_TOML = `name = "demo"
version = "0.1.0"
keywords = ["math"]
defaultTargets = ["Demo"]

[leanOptions]
pp.unicode.fun = true # pretty-prints \`fun a ↦ b\`
relaxedAutoImplicit = false
weak.linter.mathlibStandardSet = true
maxSynthPendingDepth = 3

[[require]]
name = "mathlib"
scope = "leanprover-community"

[[lean_lib]]
name = "Demo"
leanOptions = { autoImplicit = false, "linter.style.longLine" = true }

[[lean_lib]]
name = "Other"

[lean_lib.leanOptions]
maxHeartbeats = 400000
`;

// Mathlib's lakefile.lean style: the options in an `abbrev`, the package naming it.
const MATHLIB_LEAN = `import Lake

open Lake DSL

/-- These options are used as \`leanOptions\`, prefixed by \`weak\`, so that
\`lake build\` uses them, as well as \`Archive\` and \`Counterexamples\`. -/
abbrev mathlibOnlyLinters : Array LeanOption := #[
  ⟨\`linter.mathlibStandardSet, true⟩,
  ⟨\`linter.style.longLine, true⟩ -- a comment ⟨\`not.this, true⟩
]

abbrev mathlibLeanOptions := #[
    ⟨\`pp.unicode.fun, true⟩, -- pretty-prints \`fun a ↦ b\`
    ⟨\`autoImplicit, false⟩,
    ⟨\`maxSynthPendingDepth, .ofNat 3⟩
  ] ++ -- options that are used in \`lake build\`
    mathlibOnlyLinters.map fun s ↦ { s with name := \`weak ++ s.name }

package mathlib where
  testDriver := "MathlibTest"
  leanOptions := mathlibLeanOptions
  -- Mathlib also enforces these linter options, which are not active by default.
  moreServerOptions := mathlibOnlyLinters

@[default_target]
lean_lib Mathlib where
  -- Enforce Mathlib's default linters and style options.
  leanOptions := mathlibOnlyLinters

lean_lib Cache where
  moreLeanArgs := #["-DautoImplicit=true"]
  roots := #[\`Cache]
`;

describe('Lake options of a project', () => {
  it('reads [leanOptions] and a library’s inline and sub-table options from lakefile.toml', () => {
    const root = project({ 'lakefile.toml': MATH_TOML });
    const pkg = readLakeOptions(root);
    assert.deepEqual(pkg.options, [
      { name: 'pp.unicode.fun', value: true },
      { name: 'relaxedAutoImplicit', value: false },
      { name: 'weak.linter.mathlibStandardSet', value: true },
      { name: 'maxSynthPendingDepth', value: 3 },
    ]);
    const demo = readLakeOptions(root, path.join(root, 'Demo', 'Basic.lean'));
    assert.equal(demo.library, 'Demo');
    assert.deepEqual(demo.options.slice(4), [
      { name: 'autoImplicit', value: false },
      { name: 'linter.style.longLine', value: true },
    ]);
    const other = readLakeOptions(root, path.join(root, 'Other.lean'));
    assert.deepEqual(other.options.at(-1), { name: 'maxHeartbeats', value: 400000 });
    const none = readLakeOptions(root, path.join(root, 'scratch', 'X.lean'));
    assert.equal(none.library, undefined);
    assert.equal(none.options.length, 4);
  });

  it('reads the package’s and library’s options of a Mathlib-style lakefile.lean, following abbrevs', () => {
    const root = project({ 'lakefile.lean': MATHLIB_LEAN });
    const file = readLakeOptions(root, path.join(root, 'Mathlib', 'Logic', 'Basic.lean'));
    assert.equal(file.library, 'Mathlib');
    const byName = Object.fromEntries(file.options.map((o) => [o.name, o.value]));
    assert.deepEqual(byName, { 'pp.unicode.fun': true, autoImplicit: false, maxSynthPendingDepth: 3, 'linter.mathlibStandardSet': true, 'linter.style.longLine': true });
    assert.ok(!file.options.some((o) => o.name === 'not.this'), 'options in comments are not read');
    // A `.map` over another array cannot be read statically: the note says so, nothing is guessed.
    assert.ok(file.notes.some((n) => /mathlibOnlyLinters\.map/.test(n)), file.notes.join('\n'));
  });

  it('reads a `lake new … math` lakefile.lean', () => {
    const root = project({
      'lakefile.lean': `import Lake
open Lake DSL

package «demo» where
  -- Settings applied to both builds and interactive editing
  leanOptions := #[
    ⟨\`pp.unicode.fun, true⟩, -- pretty-prints \`fun a ↦ b\`
    ⟨\`relaxedAutoImplicit, false⟩,
    ⟨\`weak.linter.mathlibStandardSet, true⟩,
    ⟨\`maxSynthPendingDepth, (3 : Nat)⟩
  ]

require "leanprover-community" / "mathlib"

@[default_target]
lean_lib «Demo» where
  -- add any library configuration options here
`,
    });
    const o = readLakeOptions(root, path.join(root, 'Demo.lean'));
    assert.equal(o.library, 'Demo');
    assert.deepEqual(lakeOptionArgs(o.options), ['-Dweak.pp.unicode.fun=true', '-Dweak.relaxedAutoImplicit=false', '-Dweak.linter.mathlibStandardSet=true', '-Dweak.maxSynthPendingDepth=3']);
  });

  it('gives nothing without a Lake file', () => {
    assert.deepEqual(readLakeOptions(project({})), { options: [], notes: [] });
  });
});
