// What a scratch document's imports were built from, so that a rebuild is noticed. A Lean worker
// loads its imports' `.olean` files once, when it opens the document, and never again (Lean's
// `FileWorker.lean`: imports are never unloaded; a header change restarts the worker). When the user
// edits and rebuilds a module the file imports, the warm worker keeps checking against the old
// environment. Before each check the slot pool compares a fingerprint (size and modification time)
// of the imported modules' build outputs, and of the project's `lake-manifest.json` and
// `lean-toolchain`, with the one taken when the document was opened.
//
// Lake puts a module `A.B` of a package at `<package>/.lake/build/lib/lean/A/B.olean` (Lake 5,
// Lean ≥ 4.3; earlier Lake: `<package>/build/lib/A/B.olean`); dependencies live under
// `<root>/.lake/packages/<name>` (earlier: `<root>/lake-packages/<name>`). Lake rebuilds every module
// downstream of a changed one, so the direct imports' outputs change whenever anything they depend on
// was rebuilt; modules of the toolchain itself (Init, Lean, Std) change only with `lean-toolchain`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeTokens } from '../core/source';

/** The module names a header imports (`import A.B`, `public import C`, `import all D`). */
export function importedModules(header: string): string[] {
  const tokens = codeTokens(header);
  const out: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    if (tokens[k]!.text !== 'import') continue;
    let next = tokens[k + 1];
    if (next?.text === 'all') next = tokens[k + 2];
    if (next) out.push(next.text.replace(/[«»]/g, ''));
  }
  return out;
}

/** Folders that hold packages' sources and build outputs: the project itself and its dependencies. */
export function packageRoots(projectRoot: string): string[] {
  const roots = [projectRoot];
  for (const dir of [path.join(projectRoot, '.lake', 'packages'), path.join(projectRoot, 'lake-packages')]) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) roots.push(path.join(dir, n));
  }
  return roots;
}

const BUILD_LIBS = [path.join('.lake', 'build', 'lib', 'lean'), path.join('.lake', 'build', 'lib'), path.join('build', 'lib')];

/** Where the build outputs of `module` may be, in every package (existing or not). */
export function outputCandidates(roots: string[], module: string): string[] {
  const rel = module.split('.').join(path.sep);
  const out: string[] = [];
  for (const root of roots) for (const lib of BUILD_LIBS) out.push(path.join(root, lib, `${rel}.olean`));
  return out;
}

function stamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** File → size and modification time ('-' when absent), for the outputs of `header`'s imports. */
export function importsFingerprint(projectRoot: string, header: string): Map<string, string> {
  const roots = packageRoots(projectRoot);
  const out = new Map<string, string>();
  for (const m of importedModules(header)) for (const f of outputCandidates(roots, m)) out.set(f, stamp(f));
  return out;
}

/** The same for the project's `lake-manifest.json` and `lean-toolchain`: a change needs a new server. */
export function projectFingerprint(projectRoot: string): string {
  return ['lake-manifest.json', 'lean-toolchain'].map((f) => stamp(path.join(projectRoot, f))).join('|');
}

/** The outputs whose fingerprint differs between `before` and `after`. */
export function changedOutputs(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, s] of after) if (before.get(file) !== s) out.push(file);
  for (const file of before.keys()) if (!after.has(file)) out.push(file);
  return out;
}

/**
 * The `.lean` source of a build output, as a `file:` URI, when that source exists:
 * `<package>/.lake/build/lib/lean/A/B.olean` → `<package>/A/B.lean` (Lake's default source folder).
 */
export function sourceUriOf(output: string): string | undefined {
  const parts = output.split(path.sep);
  for (const lib of BUILD_LIBS) {
    const libParts = lib.split(path.sep);
    for (let i = 0; i + libParts.length < parts.length; i++) {
      if (libParts.every((p, j) => parts[i + j] === p)) {
        const source = [...parts.slice(0, i), ...parts.slice(i + libParts.length)].join(path.sep).replace(/\.olean$/, '.lean');
        return fs.existsSync(source) ? pathToFileURL(source).href : undefined;
      }
    }
  }
  return undefined;
}
