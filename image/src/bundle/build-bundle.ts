/**
 * Builds the gateway bundle into a folder: roost.js and its chunks/ (with source maps), meta.json (esbuild's
 * metafile, read by the licence manifest) and, beside the bundle, the run-time folders it opens
 * (runtime-files.ts). `make build` (image/bundle.ts) builds dist/; tests build a temporary folder.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { CHUNK_DIR, esbuildOptions } from './bundle-options.js';
import { lazyBuiltinsPlugin } from './lazy-builtins.js';
import { RUNTIME_DIRS, type RuntimeDir } from './runtime-files.js';
import { standaloneValidatorsPlugin } from './standalone-validators.js';

export interface BuildBundleOptions {
  projectRoot: string;
  outDir: string;
  version: string;
  commit: string;
  /** esbuild target; default node20. */
  target?: string;
}

export interface BuiltBundle {
  bundleFile: string;
  metafile: Metafile;
}

export async function buildBundle(o: BuildBundleOptions): Promise<BuiltBundle> {
  mkdirSync(o.outDir, { recursive: true });
  const bundleFile = join(o.outDir, 'roost.js');
  const metaFile = join(o.outDir, 'meta.json');
  // Chunk names carry a content hash: those of an earlier build would pile up.
  rmSync(join(o.outDir, CHUNK_DIR), { recursive: true, force: true });
  const result = await build({
    ...esbuildOptions({
      entry: join(o.projectRoot, 'cli/main.ts'),
      outFile: bundleFile,
      metaFile,
      version: o.version,
      commit: o.commit,
      target: o.target ?? 'node20',
    }),
    // JSON Schema validators as code generated here, not compiled at each start, and built-ins a
    // dependency loads but the gateway does not use required at first use (issue 20).
    plugins: [standaloneValidatorsPlugin(o.projectRoot), lazyBuiltinsPlugin()],
  });
  writeFileSync(metaFile, JSON.stringify(result.metafile));
  for (const [name, from] of Object.entries(RUNTIME_DIRS) as Array<[RuntimeDir, string]>) {
    const dest = join(o.outDir, name);
    rmSync(dest, { recursive: true, force: true });
    cpSync(join(o.projectRoot, from), dest, { recursive: true });
  }
  return { bundleFile, metafile: result.metafile };
}
