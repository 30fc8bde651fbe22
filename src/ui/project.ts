// The project a Lean file belongs to: the nearest folder above it with a Lake file or a
// lean-toolchain, else the file's own folder. The verifier runs there.
import fs from 'node:fs';
import path from 'node:path';

const MARKERS = ['lakefile.lean', 'lakefile.toml', 'lean-toolchain'];

export function findProjectRoot(file: string, stopAt?: string): { root: string; isLakeProject: boolean } {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (MARKERS.some((m) => fs.existsSync(path.join(dir, m)))) {
      return { root: dir, isLakeProject: fs.existsSync(path.join(dir, 'lakefile.lean')) || fs.existsSync(path.join(dir, 'lakefile.toml')) };
    }
    const parent = path.dirname(dir);
    if (parent === dir || (stopAt && path.resolve(dir) === path.resolve(stopAt))) break;
    dir = parent;
  }
  return { root: path.dirname(path.resolve(file)), isLakeProject: false };
}
