// Small DOM builders for the panel. Text only ever goes in through textContent or text nodes.
import { marksFor, renderLean } from './highlight';
import type { LeanMessage } from '../src/core/types';

export interface RenderOptions {
  now: number;
  /** Sections the user opened or closed, by data-key; others take their default. */
  open: ReadonlyMap<string, boolean>;
}

export type Attrs = Record<string, string | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, attrs?: Attrs, text?: string): HTMLElementTagNameMap[K];
export function el(doc: Document, tag: string, attrs?: Attrs, text?: string): HTMLElement;
export function el(doc: Document, tag: string, attrs: Attrs = {}, text?: string): HTMLElement {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A VS Code button; `icon` is a codicon name shown before the label. */
export function button(doc: Document, label: string, attrs: Attrs, options: { primary?: boolean; icon?: string } = {}): HTMLElement {
  const b = el(doc, 'vscode-button', { ...attrs, role: 'button', 'aria-label': attrs['aria-label'] ?? label }, label);
  if (!options.primary) b.setAttribute('secondary', '');
  if (options.icon) b.setAttribute('icon', options.icon);
  return b;
}

/**
 * A section that opens on click. Its default is kept on the element (`data-default-open`) so that
 * the page remembers only what the user changed (see main.ts); the summary's content goes into
 * `summaryBody(d)`, which wraps beside the open/closed marker.
 */
export function details(doc: Document, key: string, summary: string, openByDefault: boolean, options: RenderOptions, attrs: Attrs = {}): HTMLDetailsElement {
  const d = el(doc, 'details', { ...attrs, 'data-key': key, 'data-default-open': String(openByDefault) });
  d.open = options.open.get(key) ?? openByDefault;
  const head = el(doc, 'summary', { 'data-focus-key': `${key}:summary` });
  head.appendChild(el(doc, 'span', { class: 'summary-body' }, summary));
  d.appendChild(head);
  return d;
}

export function summaryBody(d: HTMLDetailsElement): HTMLElement {
  return d.querySelector(':scope > summary > .summary-body') as HTMLElement;
}

/**
 * A Lean name that may break after `.` and `_` (and nowhere else) in a narrow panel:
 * `Nat.lt_self_succ_wrong` wraps as `Nat.` / `lt_self_` / `succ_wrong`, never mid-word.
 */
export function breakableName(doc: Document, parent: HTMLElement, name: string): HTMLElement {
  for (const part of name.split(/(?<=[._])/)) {
    if (parent.childNodes.length > 0) parent.appendChild(doc.createElement('wbr'));
    parent.appendChild(doc.createTextNode(part));
  }
  return parent;
}

/** Lean code, highlighted, with Lean's messages marked on their spans. */
export function leanBlock(doc: Document, text: string, messages: readonly LeanMessage[], attrs: Attrs): HTMLElement {
  const pre = el(doc, 'pre', { class: 'code', ...attrs });
  const code = el(doc, 'code', { class: 'lean' });
  renderLean(doc, code, text, marksFor(text, [...messages]));
  pre.appendChild(code);
  return pre;
}

export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return decodeURIComponent(parts[parts.length - 1] || file);
}

export function formatElapsed(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
