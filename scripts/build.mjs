// Bundles the extension (CommonJS, `vscode` external), the CLI and the webview with esbuild.
// usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import fs from 'node:fs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');
// Native and large runtime packages stay outside the bundle and ship in node_modules.
const external = ['vscode', 'onnxruntime-node'];

const targets = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external },
  { entryPoints: ['src/endpoint/reply-worker.ts'], outfile: 'dist/reply-worker.js', platform: 'node', format: 'cjs', external },
  { entryPoints: ['src/retrieval/feature-worker.ts'], outfile: 'dist/feature-worker.js', platform: 'node', format: 'cjs', external },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
].filter((t) => fs.existsSync(t.entryPoints[0]));

// The panel's icons: the codicon font and its stylesheet, next to the webview bundle.
function copyCodicons() {
  fs.mkdirSync('dist', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/${f}`);
}
copyCodicons();

const common = { bundle: true, sourcemap: true, minify, target: 'node20', logLevel: 'info' };
if (watch) {
  for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t, target: t.platform === 'browser' ? 'es2022' : 'node20' })));
}
