// The project a Lean file belongs to, for the editor and the CLI alike: the nearest folder at or
// above it with a Lake file or a `lean-toolchain` (elan runs that folder's toolchain there), else
// the file's own folder. The verifier runs there, and the memory bank and resume file live there.
import fs from 'node:fs';
import path from 'node:path';

const LAKE_FILES = ['lakefile.lean', 'lakefile.toml'];
const MARKERS = [...LAKE_FILES, 'lean-toolchain'];

export function isLakeProject(dir: string): boolean {
  return LAKE_FILES.some((f) => fs.existsSync(path.join(dir, f)));
}

/** The project folder at or above the folder `dir` (`dir` itself when none is marked). */
export function projectRootOf(dir: string, stopAt?: string): { root: string; isLakeProject: boolean } {
  const start = path.resolve(dir);
  for (let at = start; ; ) {
    if (MARKERS.some((m) => fs.existsSync(path.join(at, m)))) return { root: at, isLakeProject: isLakeProject(at) };
    const parent = path.dirname(at);
    if (parent === at || (stopAt && at === path.resolve(stopAt))) break;
    at = parent;
  }
  return { root: start, isLakeProject: false };
}

/** The project of the Lean file `file`. */
export function findProjectRoot(file: string, stopAt?: string): { root: string; isLakeProject: boolean } {
  return projectRootOf(path.dirname(path.resolve(file)), stopAt);
}
