/**
 * What goes into the gateway bundle and what stays beside it. esbuild bundles every module it
 * can; packages with native `.node` files, or that are found on disk at run time, stay external
 * and are shipped next to the bundle in node_modules/ (see stage-app.ts).
 */
import { basename, dirname } from 'node:path';
import type { BuildOptions } from 'esbuild';

/** Packages with native addons: never bundled, shipped with their built `.node` files. */
export const NATIVE_PACKAGES: readonly string[] = [
  'better-sqlite3',
  'cbor-extract',
  '@serialport/bindings-cpp',
  '@stoprocent/noble',
  '@stoprocent/bleno',
  '@stoprocent/bluetooth-hci-socket',
];

/** Packages whose files are opened by path at run time (require.resolve), not imported. */
export const RUNTIME_FILE_PACKAGES: readonly string[] = [
  // gateway/td/td-validator-compile.ts reads its TD 1.1 JSON Schema (under tsx, and while building:
  // the bundle holds the validator generated from it, standalone-validators.ts).
  'wot-thing-description-types',
  // Loads a vendor's definitions by path (`require('./devices/<vendor>')`, found through its
  // models-index.json) only for the models present: bundled, those paths pointed next to the
  // chunk and no known Zigbee model was identified. bindings/zigbee/model-definitions.ts also
  // finds the package's files on disk to release them after a lookup.
  'zigbee-herdsman-converters',
];

/**
 * Packages shipped unmodified as their own npm packages, never merged into the MIT bundle, for
 * their licence: zigbee-herdsman pulls in zigbee-on-host (GPL-3.0-or-later) at load time
 * (docs/licences.md). Kept external, herdsman and its whole closure, zigbee-on-host included,
 * go to node_modules/ beside the bundle with their own licence files.
 */
export const SEPARATE_LICENCE_PACKAGES: readonly string[] = [
  'zigbee-herdsman',
];

/**
 * The folder beside the bundle holding its chunks: the modules that the entry loads with
 * `import()` (each binding, each CLI command, the uplink's MQTT client, certificate making) are
 * split out and loaded only when used, so a gateway carries in memory only what it runs (issue 20:
 * the source of a loaded module stays in V8's heap).
 */
export const CHUNK_DIR = 'chunks';

export interface BundleOptions {
  entry: string;
  outFile: string;
  metaFile: string;
  version: string;
  commit: string;
  /** esbuild target, e.g. node20. */
  target: string;
}

/**
 * ESM output still meets CommonJS dependencies that call require() on built-ins; esbuild needs a
 * real `require` in scope for them (its shim throws "Dynamic require ... is not supported").
 */
const ESM_REQUIRE_BANNER = [
  "import { createRequire as __roostCreateRequire } from 'node:module';",
  'const require = __roostCreateRequire(import.meta.url);',
].join('\n');

/** The esbuild build options for one bundle (kept apart from the build call so it can be tested). */
export function esbuildOptions(o: BundleOptions): BuildOptions & { metafile: true; external: string[]; define: Record<string, string> } {
  return {
    entryPoints: [o.entry],
    outdir: dirname(o.outFile),
    entryNames: basename(o.outFile, '.js'),
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: o.target,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    // No comments or indentation (the stack traces' names stay: identifiers are not minified; the
    // source map has the lines). Comments held non-ASCII characters (°, §), and one such character
    // makes V8 keep a whole module's source as two bytes per character.
    minifyWhitespace: true,
    minifySyntax: true,
    external: [...NATIVE_PACKAGES, ...RUNTIME_FILE_PACKAGES, ...SEPARATE_LICENCE_PACKAGES],
    banner: { js: ESM_REQUIRE_BANNER },
    define: {
      ROOST_VERSION: JSON.stringify(o.version),
      ROOST_COMMIT: JSON.stringify(o.commit),
    },
    logLevel: 'warning',
  };
}
