// The Lean options a Lake project gives its modules (`leanOptions` and `moreServerOptions` of the
// package and of the library holding the file), read from `lakefile.toml` or `lakefile.lean`, so the
// scratch documents (which belong to no library, so Lake gives them none: Lake/CLI/Serve.lean
// `setupFile` answers options only for a module of the workspace) are elaborated as the user's
// build elaborates the file. The options reach Lean as `-D` arguments of the server, which its
// workers take as their command-line options.
//
// `lake setup-file <module file>` prints these options (as `setupOptions` in its JSON) for a module
// of a library, but it loads the workspace first, which for `lakefile.lean` means elaborating the
// configuration (seconds, and it may build); so the file is read here instead. What cannot be
// read (an option built by code, e.g. from a `def` outside the file's literal syntax) is reported
// in `notes` and left out.
import fs from 'node:fs';
import path from 'node:path';

export interface LeanOption {
  name: string;
  value: boolean | number | string;
}

export interface LakeOptions {
  /** Package options, then the file's library options (later ones win). */
  options: LeanOption[];
  /** The Lake file read, if any. */
  lakefile?: string;
  /** The library whose options apply to the file, if one holds it. */
  library?: string;
  /** What could not be read. */
  notes: string[];
}

interface Block {
  kind: 'package' | 'lean_lib';
  name: string;
  options: LeanOption[];
  roots: string[];
  srcDir: string;
}

// ---------------------------------------------------------------------------------------------
// lakefile.toml

function tomlValue(raw: string): boolean | number | string | undefined {
  const v = raw.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^[+-]?\d+$/.test(v)) return Number(v);
  const str = /^"((?:[^"\\]|\\.)*)"$/.exec(v) ?? /^'([^']*)'$/.exec(v);
  return str ? str[1]!.replace(/\\(.)/g, '$1') : undefined;
}

function tomlKey(raw: string): string {
  return raw
    .trim()
    .split(/\.(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((k) => k.trim().replace(/^"(.*)"$/, '$1'))
    .join('.');
}

function stripTomlComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
    if (line[i] === '#' && !inString) return line.slice(0, i);
  }
  return line;
}

/** `{ a = 1, b.c = true }` → options. */
function inlineTable(body: string, prefix: string, into: LeanOption[], notes: string[]): void {
  for (const part of body.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const value = eq > 0 ? tomlValue(part.slice(eq + 1)) : undefined;
    if (value === undefined) notes.push(`lakefile.toml: cannot read the option "${part.trim()}"`);
    else into.push({ name: prefix + tomlKey(part.slice(0, eq)), value });
  }
}

function parseToml(text: string, notes: string[]): Block[] {
  const blocks: Block[] = [{ kind: 'package', name: '', options: [], roots: [], srcDir: '.' }];
  let current = blocks[0]!;
  let table: 'top' | 'options' | 'other' = 'top';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = stripTomlComment(rawLine).trim();
    if (!line) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      const name = tomlKey(header[1]!);
      if (line.startsWith('[[') && name === 'lean_lib') {
        current = { kind: 'lean_lib', name: '', options: [], roots: [], srcDir: '.' };
        blocks.push(current);
        table = 'top';
      } else if (name === 'leanOptions' || name === 'moreServerOptions') {
        current = blocks[0]!;
        table = 'options';
      } else if (name === 'lean_lib.leanOptions' || name === 'lean_lib.moreServerOptions') {
        table = current.kind === 'lean_lib' ? 'options' : 'other';
      } else {
        table = 'other';
        if (line.startsWith('[[')) current = blocks[0]!;
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || table === 'other') continue;
    const key = tomlKey(line.slice(0, eq));
    const rest = line.slice(eq + 1).trim();
    if (table === 'options') {
      const value = tomlValue(rest);
      if (value === undefined) notes.push(`lakefile.toml: cannot read the option ${key} = ${rest}`);
      else current.options.push({ name: key, value });
    } else if (key === 'leanOptions' || key === 'moreServerOptions') {
      const inline = /^\{(.*)\}$/.exec(rest);
      if (inline) inlineTable(inline[1]!, '', current.options, notes);
      else notes.push(`lakefile.toml: cannot read ${key} = ${rest}`);
    } else if (key === 'name') {
      current.name = String(tomlValue(rest) ?? '');
    } else if (key === 'srcDir') {
      current.srcDir = String(tomlValue(rest) ?? '.');
    } else if (key === 'roots') {
      current.roots = [...rest.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    }
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// lakefile.lean

function stripLeanComments(text: string): string {
  return text.replace(/\/-[\s\S]*?-\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/--[^\n]*/g, '');
}

function leanName(raw: string): string {
  return raw.replace(/[«»]/g, '').replace(/^`+/, '');
}

/** A Lean option value as Lake configurations write it: `true`, `3`, `.ofNat 3`, `(3 : Nat)`, `"s"`, `.ofBool false`. */
function leanValue(raw: string): boolean | number | string | undefined {
  let v = raw.trim();
  for (;;) {
    const paren = /^\((.*?)(?:\s*:\s*\w+)?\)$/.exec(v);
    const ctor = /^(?:\.|(?:Lean\.)?DataValue\.|(?:Lean\.)?LeanOptionValue\.)of(?:Nat|Bool|String|Int)\s+(.*)$/.exec(v);
    if (paren) v = paren[1]!.trim();
    else if (ctor) v = ctor[1]!.trim();
    else break;
  }
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  const str = /^"((?:[^"\\]|\\.)*)"$/.exec(v);
  return str ? str[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** The entries of `#[⟨`a, v⟩, …]`, following names of `abbrev`/`def` arrays in the same file and `++`. */
function leanOptionArray(expr: string, defs: Map<string, string>, notes: string[], depth = 0): LeanOption[] {
  const out: LeanOption[] = [];
  for (const piece of expr.split('++')) {
    const p = piece.trim();
    const ref = /^([\w.«»']+)$/.exec(p);
    if (ref && depth < 8) {
      const def = defs.get(leanName(ref[1]!));
      if (def) out.push(...leanOptionArray(def, defs, notes, depth + 1));
      else notes.push(`lakefile.lean: cannot read the options ${p} (not an array in this file)`);
      continue;
    }
    const entries = [...p.matchAll(/⟨\s*`([^\s,⟩]+)\s*,\s*([^⟩]*?)\s*⟩/g)];
    if (entries.length === 0 && !/^#\[\s*\]$/.test(p)) notes.push(`lakefile.lean: cannot read the options ${p.replace(/\s+/g, ' ')}`);
    for (const m of entries) {
      const value = leanValue(m[2]!);
      if (value === undefined) notes.push(`lakefile.lean: cannot read the value of ${leanName(m[1]!)}: ${m[2]}`);
      else out.push({ name: leanName(m[1]!), value });
    }
  }
  return out;
}

/** The text of `field := <expr>` in a `where` block: up to the next line indented no deeper than the field. */
function fieldExpr(block: string, field: string): string | undefined {
  const m = new RegExp(`^([ \\t]*)${field}\\s*:=`, 'm').exec(block);
  if (!m) return undefined;
  const indent = m[1]!.length;
  const lines = block.slice(m.index + m[0].length).split('\n');
  const taken = [lines[0]!];
  for (const line of lines.slice(1)) {
    if (line.trim() && line.length - line.trimStart().length <= indent) break;
    taken.push(line);
  }
  return taken.join('\n').trim();
}

function parseLean(source: string, notes: string[]): Block[] {
  const text = stripLeanComments(source);
  const defs = new Map<string, string>();
  for (const m of text.matchAll(/^(?:abbrev|def)\s+([\w.«»']+)[^\n:=]*(?::[^\n=]*)?:=\s*([\s\S]*?)(?=^\S)/gm)) defs.set(leanName(m[1]!), m[2]!.trim());
  const blocks: Block[] = [];
  const starts = [...text.matchAll(/^(?:@\[[^\]]*\]\s*)?(package|lean_lib)\s+([^\s]+)(?:\s+where)?/gm)];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const from = s.index! + s[0].length;
    const rest = text.slice(from);
    const next = /^\S/m.exec(rest);
    const body = next ? rest.slice(0, next.index) : rest;
    const kind = s[1] as Block['kind'];
    const options: LeanOption[] = [];
    for (const field of ['leanOptions', 'moreServerOptions']) {
      const expr = fieldExpr(body, field);
      if (expr !== undefined) options.push(...leanOptionArray(expr, defs, notes));
    }
    const roots = fieldExpr(body, 'roots');
    const srcDir = fieldExpr(body, 'srcDir');
    blocks.push({
      kind,
      name: leanName(s[2]!.replace(/^"|"$/g, '')),
      options,
      roots: roots ? [...roots.matchAll(/`([\w.«»']+)/g)].map((m) => leanName(m[1]!)) : [],
      srcDir: srcDir ? (/"([^"]*)"/.exec(srcDir)?.[1] ?? '.') : '.',
    });
  }
  if (!blocks.some((b) => b.kind === 'package')) blocks.unshift({ kind: 'package', name: '', options: [], roots: [], srcDir: '.' });
  return blocks;
}

// ---------------------------------------------------------------------------------------------

/** The module name of `file` under `dir` (`A/B/C.lean` → `A.B.C`), or undefined when it is not below it. */
function moduleName(dir: string, file: string): string | undefined {
  const rel = path.relative(dir, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || !rel.endsWith('.lean')) return undefined;
  return rel.slice(0, -'.lean'.length).split(path.sep).join('.');
}

/**
 * The options Lake gives `file` (a path in the project; without it, the package's alone): the
 * package's `leanOptions` and `moreServerOptions`, then those of the first `lean_lib` whose roots
 * (default: its name) are a prefix of the file's module name. An option set twice keeps the later value.
 */
export function readLakeOptions(projectRoot: string, file?: string): LakeOptions {
  const notes: string[] = [];
  const toml = path.join(projectRoot, 'lakefile.toml');
  const lean = path.join(projectRoot, 'lakefile.lean');
  // With both present, the Lean one is read.
  const lakefile = fs.existsSync(lean) ? lean : fs.existsSync(toml) ? toml : undefined;
  if (!lakefile) return { options: [], notes };
  let text: string;
  try {
    text = fs.readFileSync(lakefile, 'utf8');
  } catch (err) {
    return { options: [], lakefile, notes: [`cannot read ${lakefile}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const blocks = lakefile === lean ? parseLean(text, notes) : parseToml(text, notes);
  const pkg = blocks.find((b) => b.kind === 'package')!;
  const chosen: LeanOption[] = [...pkg.options];
  let library: string | undefined;
  if (file) {
    for (const lib of blocks.filter((b) => b.kind === 'lean_lib')) {
      const mod = moduleName(path.resolve(projectRoot, pkg.srcDir, lib.srcDir), path.resolve(file));
      const roots = lib.roots.length > 0 ? lib.roots : [lib.name];
      if (mod && roots.some((r) => mod === r || mod.startsWith(`${r}.`))) {
        chosen.push(...lib.options);
        library = lib.name;
        break;
      }
    }
  }
  const byName = new Map<string, LeanOption>();
  for (const o of chosen) {
    byName.delete(o.name);
    byName.set(o.name, o);
  }
  return { options: [...byName.values()], lakefile, library, notes };
}

/**
 * The options as server arguments. Each is passed `weak.`: Lean sets a weak option only if it
 * exists once the file's imports are loaded (options of Mathlib's linters exist only then) and
 * ignores it otherwise, instead of refusing to start.
 */
export function lakeOptionArgs(options: LeanOption[]): string[] {
  return options.map((o) => `-D${o.name.startsWith('weak.') ? '' : 'weak.'}${o.name}=${String(o.value)}`);
}
