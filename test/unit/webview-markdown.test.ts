// The model's prose as Markdown: the supported blocks and inline marks, Lean names left alone, and
// markup in the reply that must stay text (no element, no handler, no link that can be followed).
import assert from 'node:assert/strict';
import { Window } from 'happy-dom';
import type { JobEvent } from '../../src/core/events';
import { proseOf, renderMarkdown } from '../../webview/markdown';
import { renderPanel } from '../../webview/render';
import { EMPTY_STATE, reduce } from '../../webview/state';
import { candidate, jobStarted } from './webview-fixtures';

const window = new Window();
const doc = window.document as unknown as Document;

function md(text: string): HTMLElement {
  const box = doc.createElement('div');
  renderMarkdown(doc, box, text);
  return box;
}

const tags = (root: Element) => [...root.querySelectorAll('*')].map((n) => n.tagName.toLowerCase());

describe('markdown of model prose', () => {
  it('renders headings, paragraphs, lists, quotes and fenced code', () => {
    const box = md('## Plan\n\nFirst we\nsimplify.\n\n1. intro\n2. apply `h`\n\n- a\n- b\n\n> note\n\n```lean4\nexact h\n```\n\n---');
    assert.equal(box.querySelector('.md-heading.md-h2')!.textContent, 'Plan');
    assert.equal(box.querySelector('p')!.textContent, 'First we simplify.');
    assert.deepEqual([...box.querySelectorAll('ol li')].map((l) => l.textContent), ['intro', 'apply h']);
    assert.deepEqual([...box.querySelectorAll('ul li')].map((l) => l.textContent), ['a', 'b']);
    assert.equal(box.querySelector('blockquote')!.textContent, 'note');
    assert.equal(box.querySelector('pre code.lean')!.textContent, 'exact h');
    assert.ok(box.querySelector('.tok-tactic'), 'Lean fences are highlighted');
    assert.equal(box.querySelectorAll('hr').length, 1);
  });

  it('marks strong, emphasis and code, and leaves Lean names with underscores alone', () => {
    const box = md('Use **Nat.add_comm** and *then* `simp`; also Nat.lt_irrefl_of_le and _x_ and __y__.');
    assert.equal(box.querySelector('strong')!.textContent, 'Nat.add_comm');
    assert.deepEqual([...box.querySelectorAll('em')].map((e) => e.textContent), ['then', 'x']);
    assert.equal(box.querySelector('code')!.textContent, 'simp');
    assert.ok(box.textContent!.includes('Nat.lt_irrefl_of_le'), 'no emphasis inside a name');
    assert.equal(box.querySelectorAll('strong').length, 2, '__y__ is strong');
  });

  it('shows links as text with their address, never as anchors', () => {
    const box = md('See [the docs](https://example.com/x) and <https://evil.test>.');
    assert.equal(box.querySelectorAll('a').length, 0);
    const link = box.querySelector('.md-link')!;
    assert.equal(link.textContent, 'the docs');
    assert.equal(link.getAttribute('title'), 'https://example.com/x');
    assert.ok(box.textContent!.includes('<https://evil.test>'), 'an autolink stays text');
  });

  it('keeps only the prose of a reply: no code blocks, no think tags', () => {
    assert.equal(proseOf('<think>try simp</think>\nSo:\n```lean4\ntheorem t := by simp\n```\nDone.'), 'try simp\nSo:\nDone.');
    assert.equal(proseOf('```lean\nonly code\n```'), '');
    assert.equal(proseOf('text\n```lean\nunfinished'), 'text');
    assert.equal(proseOf('Swap them.\n\n```lean4\ntheorem t (a b : Nat) : a + b = b + a := by\n  exact Nat.add_comm a b\n```\nThat is all.'), 'Swap them.\n\nThat is all.', 'every line of a block goes');
  });

  const PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=1</script>',
    '**<svg/onload=alert(1)>**',
    '[click](javascript:alert(1))',
    '![img](javascript:alert(1))',
    '[x](" onmouseover="alert(1))',
    '`</code><iframe src="javascript:alert(1)"></iframe>`',
    '```html\n</code></pre><script>alert(1)</script>\n```',
    '> <a href="javascript:alert(1)">quote</a>',
    '- <details open ontoggle=alert(1)>',
    '# <style>body{display:none}</style>',
  ];

  it('renders markup in prose as text: no element or handler from the reply', () => {
    const allowed = new Set(['div', 'p', 'strong', 'em', 'code', 'pre', 'span', 'ul', 'ol', 'li', 'blockquote', 'hr', 'mark']);
    for (const payload of PAYLOADS) {
      const box = md(`Reasoning ${payload}\n\n${payload}`);
      for (const tag of tags(box)) assert.ok(allowed.has(tag), `no <${tag}> from ${payload}`);
      for (const node of box.querySelectorAll('*')) {
        for (const attr of node.getAttributeNames()) assert.ok(['class', 'title'].includes(attr), `no ${attr} attribute from ${payload}`);
      }
      assert.equal((window as unknown as { __pwned?: number }).__pwned, undefined);
    }
  });

  it('keeps the XSS payloads as text through the panel: streamed, and as the reasoning of a finished attempt', () => {
    for (const payload of PAYLOADS) {
      const jobId = 'xss';
      const c = candidate('x', ':= by\n  simp', 1, 0);
      const events: JobEvent[] = [
        jobStarted(jobId),
        { type: 'round-started', jobId, round: 1, kind: 'model' },
        { type: 'sample-delta', jobId, round: 1, sample: 1, delta: `${payload}\n\n${payload}` },
        { type: 'attempt', jobId, round: 1, sample: 0, raw: `Because ${payload}\n\n\`\`\`lean4\n${c.declarationText}\n\`\`\``, candidate: c },
      ];
      const state = reduce(EMPTY_STATE, { type: 'events', events });
      const root = renderPanel(doc, state, { now: 1, open: new Map([[`${jobId}:r1:s0:reasoning`, true]]) });
      doc.body.replaceChildren(root);
      for (const tag of ['img', 'script', 'svg', 'iframe', 'style', 'a[href^="javascript"]']) assert.equal(root.querySelectorAll(tag).length, 0, `no ${tag} from ${payload}`);
      for (const node of root.querySelectorAll('*')) {
        for (const attr of node.getAttributeNames()) assert.ok(!attr.startsWith('on'), `no ${attr} handler from ${payload}`);
      }
      const reasoning = root.querySelector('[data-testid="reasoning-text"]')!;
      assert.ok(reasoning, 'the reasoning is rendered');
      assert.equal(reasoning.querySelectorAll('a').length, 0);
      assert.ok(root.querySelector('[data-testid="attempt-streaming"]'), 'the stream is rendered');
    }
  });
});
