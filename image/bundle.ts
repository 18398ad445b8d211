/**
 * `make build`: bundles the gateway (cli/main.ts) into dist/roost.js with esbuild.
 * Native and run-time-file packages stay external (image/src/bundle/bundle-options.ts); the
 * image build ships them beside the bundle. dist/meta.json is esbuild's metafile, read by the
 * licence manifest. The web UI's static files go to dist/ui, where gateway/ui/ui-routes.ts looks
 * for them beside the running bundle.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { esbuildOptions } from './src/bundle/bundle-options.js';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };

function gitCommit(): string {
  if (process.env['ROOST_COMMIT']) return process.env['ROOST_COMMIT'];
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const started = Date.now();
const outFile = new URL('dist/roost.js', root).pathname;
const metaFile = new URL('dist/meta.json', root).pathname;
const result = await build(esbuildOptions({
  entry: new URL('cli/main.ts', root).pathname,
  outFile,
  metaFile,
  version: pkg.version,
  commit: gitCommit(),
  target: 'node20',
}));
writeFileSync(metaFile, JSON.stringify(result.metafile));
const uiDir = new URL('dist/ui', root).pathname;
rmSync(uiDir, { recursive: true, force: true });
cpSync(new URL('gateway/ui/static', root).pathname, uiDir, { recursive: true });
const bytes = Object.values(result.metafile?.outputs ?? {}).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: ${outFile} (${(bytes / 1e6).toFixed(1)} MB with source map) in ${Date.now() - started} ms`);
