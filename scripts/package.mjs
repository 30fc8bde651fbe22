// Packages the extension as a .vsix for one platform target with @vscode/vsce, and prints its size.
// usage: node scripts/package.mjs [--target linux-x64]     (default: this machine's platform-arch)
// The bundle is built first (minified). onnxruntime-node ships native binaries for every platform
// (~290 MB); a platform-specific .vsix carries only its target's folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const targetArgument = process.argv.indexOf('--target');
const target = targetArgument > 0 ? process.argv[targetArgument + 1] : `${process.platform}-${process.arch}`;

// VS Code target → onnxruntime-node's binary folder under bin/napi-v6/.
const binaryFolders = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};
const binaryFolder = binaryFolders[target];
if (!binaryFolder) {
  console.error(`package: no onnxruntime-node binaries for target ${target}; known: ${Object.keys(binaryFolders).join(', ')}`);
  process.exit(2);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ['scripts/build.mjs', '--minify']);

// The committed .vscodeignore names linux/x64; swap in the target's folder.
const ignoreText = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
const platformLine = '!node_modules/onnxruntime-node/bin/napi-v6/linux/x64/**';
if (!ignoreText.includes(platformLine)) {
  console.error(`package: .vscodeignore no longer names ${platformLine}`);
  process.exit(1);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-package-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const ignoreFile = path.join(scratch, 'vscodeignore');
fs.writeFileSync(ignoreFile, ignoreText.replace(platformLine, `!node_modules/onnxruntime-node/bin/napi-v6/${binaryFolder}/**`));

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${manifest.name}-${target}-${manifest.version}.vsix`);
const vsceArgs = ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--allow-star-activation'];
// Without a repository URL vsce cannot turn the README's relative links (docs/...) into absolute ones.
if (!manifest.repository) vsceArgs.push('--no-rewrite-relative-links');
if (!fs.existsSync(path.join(root, 'LICENSE')) && !fs.existsSync(path.join(root, 'LICENSE.md'))) vsceArgs.push('--skip-license');
run(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), ...vsceArgs]);

const bytes = fs.statSync(out).size;
console.log(`package: ${path.relative(root, out)} ${(bytes / 1024 / 1024).toFixed(1)} MB (${bytes} bytes) for ${target}`);
