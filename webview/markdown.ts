// The model's prose as Markdown, built as DOM nodes from a fixed list of tags. Nothing is parsed as
// HTML: text goes in with createTextNode/textContent, so `<img onerror=…>` in a reply stays text.
// Links are shown, never followed: their text is a plain span whose title is the address.
// Supported: paragraphs, ATX headings, bullet and numbered lists, block quotes, rules, fenced code
// (Lean fences highlighted), and inline code, strong, emphasis and links. Everything else is text.
import { renderLean } from './highlight';

/** Longest text rendered; longer replies show their tail (streaming replies can be huge). */
export const MAX_MARKDOWN_CHARS = 40_000;

// Inline tokens, in order of precedence: code span, strong, emphasis, link. Underscores only count
// at word boundaries, so Lean names such as `Nat.add_comm` never turn into emphasis.
const INLINE = /(`+)([^`][\s\S]*?)\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|(?<![\w_])__(?=\S)([\s\S]*?\S)__(?![\w_])|\*(?=[^\s*])([^*]*?[^\s*])\*|(?<![\w_])_(?=[^\s_])([^_]*?[^\s_])_(?![\w_])|\[([^\]\n]+)\]\(([^)\s]*)\)/g;

function appendInline(doc: Document, parent: Node, text: string, depth = 0): void {
  if (depth > 4) {
    parent.appendChild(doc.createTextNode(text));
    return;
  }
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) parent.appendChild(doc.createTextNode(text.slice(last, at)));
    last = at + m[0].length;
    if (m[2] !== undefined) {
      const code = doc.createElement('code');
      code.textContent = m[2].replace(/^ (.*) $/s, '$1');
      parent.appendChild(code);
    } else if (m[3] !== undefined || m[4] !== undefined) {
      const strong = doc.createElement('strong');
      appendInline(doc, strong, (m[3] ?? m[4])!, depth + 1);
      parent.appendChild(strong);
    } else if (m[5] !== undefined || m[6] !== undefined) {
      const em = doc.createElement('em');
      appendInline(doc, em, (m[5] ?? m[6])!, depth + 1);
      parent.appendChild(em);
    } else {
      // A link is shown with its address on hover; it is not an anchor, so nothing can follow it.
      const span = doc.createElement('span');
      span.className = 'md-link';
      span.setAttribute('title', m[8] ?? '');
      appendInline(doc, span, m[7]!, depth + 1);
      parent.appendChild(span);
    }
  }
  if (last < text.length) parent.appendChild(doc.createTextNode(text.slice(last)));
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;

/** The line that closes a fence opened by `marks` (at least as many of the same character). */
function closingFence(marks: string): RegExp {
  return new RegExp(`^\\s{0,3}${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`);
}

function isBlockStart(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line) || RULE.test(line);
}

function appendBlocks(doc: Document, parent: HTMLElement, lines: string[], depth: number): void {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const close = closingFence(fence[1]!);
      const body: string[] = [];
      i++;
      while (i < lines.length && !close.test(lines[i]!)) body.push(lines[i++]!);
      i++; // the closing fence (or the end of an unfinished stream)
      const pre = doc.createElement('pre');
      pre.className = 'code md-code';
      const code = doc.createElement('code');
      const lang = fence[2]!.toLowerCase();
      if (lang === 'lean' || lang === 'lean4') {
        code.className = 'lean';
        renderLean(doc, code, body.join('\n'));
      } else {
        code.textContent = body.join('\n');
      }
      pre.appendChild(code);
      parent.appendChild(pre);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Headings inside a reply stay small: they are part of a section, not the page's outline.
      const h = doc.createElement('div');
      h.className = `md-heading md-h${heading[1]!.length}`;
      appendInline(doc, h, heading[2]!);
      parent.appendChild(h);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      parent.appendChild(doc.createElement('hr'));
      i++;
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote && depth < 4) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) inner.push(QUOTE.exec(lines[i++]!)![1]!);
      const box = doc.createElement('blockquote');
      appendBlocks(doc, box, inner, depth + 1);
      parent.appendChild(box);
      continue;
    }
    const bullet = BULLET.test(line);
    if (bullet || NUMBERED.test(line)) {
      const pattern = bullet ? BULLET : NUMBERED;
      const list = doc.createElement(bullet ? 'ul' : 'ol');
      while (i < lines.length && pattern.test(lines[i]!)) {
        const item = doc.createElement('li');
        let text = pattern.exec(lines[i++]!)![1]!;
        // Continuation lines (indented, not a new item) belong to the item.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]!) && !pattern.test(lines[i]!)) text += ` ${lines[i++]!.trim()}`;
        appendInline(doc, item, text);
        list.appendChild(item);
      }
      parent.appendChild(list);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && (para.length === 0 || !isBlockStart(lines[i]!))) para.push(lines[i++]!.trim());
    const p = doc.createElement('p');
    appendInline(doc, p, para.join(' '));
    parent.appendChild(p);
  }
}

/** Renders `text` as Markdown into `parent` (replacing its children). */
export function renderMarkdown(doc: Document, parent: HTMLElement, text: string): void {
  parent.replaceChildren();
  const shown = text.length > MAX_MARKDOWN_CHARS ? `…${text.slice(text.length - MAX_MARKDOWN_CHARS)}` : text;
  appendBlocks(doc, parent, shown.replace(/\r\n?/g, '\n').split('\n'), 0);
}

/**
 * The prose of a reply: the text around its code. Fenced blocks go (the attempt shows the proof
 * itself), and so do the `<think>` tags some provers write around their reasoning.
 */
export function proseOf(raw: string): string {
  const kept: string[] = [];
  let fence: RegExp | undefined;
  for (const line of raw.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence) {
      if (fence.test(line)) fence = undefined;
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = closingFence(open[1]!);
      continue;
    }
    kept.push(line);
  }
  return kept
    .join('\n')
    .replace(/<\/?think>/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
