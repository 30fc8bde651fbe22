import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '..', '..');

/** The runtime files of onnxruntime-node for this platform, as the .vsix allow-list names them. */
function shippedFiles(): string[] {
  const ortBinaries = path.join('node_modules/onnxruntime-node/bin/napi-v6', process.platform, process.arch);
  const list = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return [
    'node_modules/onnxruntime-node/package.json',
    ...list('node_modules/onnxruntime-node/dist').filter((f) => f.endsWith('.js')),
    ...list(ortBinaries),
    'node_modules/onnxruntime-common/package.json',
    ...list('node_modules/onnxruntime-common/dist'),
    ...list('models'),
  ];
}

describe('retrieval: packaged like the extension', function () {
  this.timeout(60_000);

  it('loads the ORT binding from an esbuild bundle with onnxruntime-node external and finds models/', async () => {
    const installed = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-installed-'));
    await esbuild.build({
      entryPoints: [path.join(root, 'test/fixtures/retrieval/bundle-entry.ts')],
      outfile: path.join(installed, 'dist', 'check.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', 'onnxruntime-node'],
      logLevel: 'silent',
    });
    for (const file of shippedFiles()) {
      fs.mkdirSync(path.dirname(path.join(installed, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(installed, file));
    }
    const run = spawnSync(process.execPath, [path.join(installed, 'dist', 'check.js')], { cwd: os.tmpdir(), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim()) as { models: string; ort: string; found: string[] };
    assert.equal(fs.realpathSync(report.models), fs.realpathSync(path.join(installed, 'models')));
    assert.ok(fs.realpathSync(report.ort).startsWith(fs.realpathSync(installed)), `onnxruntime-node resolved outside the package: ${report.ort}`);
    assert.deepEqual(report.found, ['a']);
    fs.rmSync(installed, { recursive: true, force: true });
  });
});
