/**
 * Node built-ins that a bundled dependency requires when it loads but uses only behind an option
 * the gateway never sets: the bundle gets a stand-in that requires the real module at its first
 * property access. Issue 20 (cold start): `node:http2` costs ~14 ms to load, and fastify's
 * lib/server.js requires it at the top for `options.http2` servers only.
 */
import type { Plugin } from 'esbuild';

export interface LazyBuiltin {
  /** The built-in as required, e.g. `node:http2`. */
  module: string;
  /** The requiring file, as a path suffix (`/`-separated) under node_modules. */
  importer: string;
}

export const LAZY_BUILTINS: readonly LazyBuiltin[] = [
  { module: 'node:http2', importer: 'node_modules/fastify/lib/server.js' },
];

const NAMESPACE = 'roost-lazy-builtin';

/**
 * The stand-in: an object whose every property read (and `in`, keys) goes to the real module,
 * required then. esbuild keeps the `require` of a built-in as it is (platform node), and the
 * bundle's banner defines `require` for ES module chunks.
 */
export function lazyModuleSource(module: string): string {
  return [
    `let real;`,
    `const load = () => (real ??= require(${JSON.stringify(module)}));`,
    `module.exports = new Proxy({}, {`,
    `  get: (_, key) => load()[key],`,
    `  has: (_, key) => key in load(),`,
    `  ownKeys: () => Reflect.ownKeys(load()),`,
    `  getOwnPropertyDescriptor: (_, key) => { const d = Reflect.getOwnPropertyDescriptor(load(), key); return d && { ...d, configurable: true }; },`,
    `});`,
  ].join('\n');
}

export function lazyBuiltinsPlugin(builtins: readonly LazyBuiltin[] = LAZY_BUILTINS): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      for (const b of builtins) {
        const filter = new RegExp(`^${b.module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
        build.onResolve({ filter }, (args) => {
          if (!args.importer.replaceAll('\\', '/').endsWith(b.importer) || args.namespace === NAMESPACE) return undefined;
          return { path: b.module, namespace: NAMESPACE };
        });
      }
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ contents: lazyModuleSource(args.path), loader: 'js' }));
    },
  };
}
