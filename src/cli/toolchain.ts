// Finding a Lean toolchain for the command line: an explicit --lean/--lake, else `lean`/`lake` on
// PATH, else elan's default bin folder. Nothing is installed or downloaded.
import os from 'node:os';
import path from 'node:path';
import { isExecutable, onPath } from '../lean/server';

export interface Toolchain {
  lean?: string;
  lake?: string;
  /** Why nothing usable was found, worded as what the user should do. */
  problem?: string;
}

function resolveExplicit(p: string): string | undefined {
  if (p.includes('/') || p.includes('\\')) return isExecutable(path.resolve(p)) ? path.resolve(p) : undefined;
  return onPath(p);
}

export const INSTALL_LEAN_HINT =
  'install elan (https://github.com/leanprover/elan: `curl https://elan.lean-lang.org/elan-init.sh -sSf | sh`) so `lean` and `lake` are on PATH, or pass --lean PATH (or use --kimina URL to check on a kimina-lean-server)';

export function findToolchain(leanPath: string, lakePath: string, envPath = process.env.PATH ?? ''): Toolchain {
  const elanBin = path.join(os.homedir(), '.elan', 'bin');
  if (leanPath.trim()) {
    const lean = resolveExplicit(leanPath.trim());
    if (!lean) return { problem: `--lean ${leanPath}: no such executable; ${INSTALL_LEAN_HINT}` };
    const lake = lakePath.trim() ? resolveExplicit(lakePath.trim()) : [path.join(path.dirname(lean), 'lake')].find(isExecutable) ?? onPath('lake', envPath);
    if (lakePath.trim() && !lake) return { lean, problem: `--lake ${lakePath}: no such executable` };
    return lake ? { lean, lake } : { lean };
  }
  const lean = onPath('lean', envPath) ?? [path.join(elanBin, 'lean')].find(isExecutable);
  const lake = lakePath.trim() ? resolveExplicit(lakePath.trim()) : onPath('lake', envPath) ?? [path.join(elanBin, 'lake')].find(isExecutable);
  if (!lean) return { problem: `no Lean toolchain found (lean/lake not on PATH): ${INSTALL_LEAN_HINT}` };
  return lake ? { lean, lake } : { lean };
}
