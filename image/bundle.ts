/**
 * `make build`: bundles the gateway (cli/main.ts) into dist/roost.js with esbuild, and copies the
 * folders it opens at run time beside it (dist/ui, dist/scenarios: image/src/bundle/runtime-files.ts).
 * Native and run-time-file packages stay external (image/src/bundle/bundle-options.ts); the
 * image build ships them beside the bundle. dist/meta.json is esbuild's metafile, read by the
 * licence manifest.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle } from './src/bundle/build-bundle.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

function gitCommit(): string {
  if (process.env['ROOST_COMMIT']) return process.env['ROOST_COMMIT'];
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const started = Date.now();
const { bundleFile, metafile } = await buildBundle({ projectRoot: root, outDir: join(root, 'dist'), version: pkg.version, commit: gitCommit() });
const bytes = Object.values(metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: ${bundleFile} (${(bytes / 1e6).toFixed(1)} MB with source map) in ${Date.now() - started} ms`);
