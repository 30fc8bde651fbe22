// The contributed grammar: valid, referenced by the manifest, and matching the fences it claims to.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('syntaxes: Lean 4 fenced blocks in Markdown', () => {
  const entry = manifest.contributes.grammars.find((g: { scopeName: string }) => g.scopeName === 'markdown.lean4.codeblock');
  const grammar = JSON.parse(fs.readFileSync(path.join(root, entry.path), 'utf8'));
  const block = grammar.repository['lean4-fenced-block'];

  it('is contributed as an injection into Markdown that embeds lean4', () => {
    assert.deepEqual(entry.injectTo, ['text.html.markdown']);
    assert.equal(entry.embeddedLanguages['meta.embedded.block.lean4'], 'lean4');
    assert.equal(grammar.scopeName, entry.scopeName);
  });

  it('opens on ```lean4 and ```lean fences only', () => {
    const begin = new RegExp(block.begin.replace('(?i:', '(?:'), 'i');
    for (const ok of ['```lean4', '```lean', '~~~lean4', '  ```Lean4 title']) assert.ok(begin.test(ok), ok);
    for (const no of ['```python', '```leanprover', 'lean4', '``lean4']) assert.ok(!begin.test(no), no);
  });

  it('uses the user\'s source.lean4 grammar rather than its own', () => {
    assert.deepEqual(block.patterns[0].patterns, [{ include: 'source.lean4' }]);
  });
});
