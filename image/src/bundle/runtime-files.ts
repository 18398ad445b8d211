/**
 * Folders of files the roost command opens at run time, outside the bundle: the one list of them.
 * From the sources (a .ts module) they are where they live in the tree; the bundle finds them
 * beside itself, where image/bundle.ts copies them (dist/<name>) and the image build stages them
 * (/usr/lib/roost/app/<name>, stage-app.ts). No probing: a missing file is named where it belongs.
 */
import { fileURLToPath } from 'node:url';
import { CHUNK_DIR } from './bundle-options.js';

export const RUNTIME_DIRS = {
  /** The web UI's static files (gateway/ui/ui-routes.ts looks for ui/ beside the bundle itself). */
  ui: 'gateway/ui/static',
  /** `roost demo`'s fleet and the data its devices replay. */
  scenarios: 'firmware-sim/scenarios',
} as const satisfies Record<string, string>;

export type RuntimeDir = keyof typeof RUNTIME_DIRS;

/** This module's place in the tree, from the project root. */
const FROM_ROOT = 'image/src/bundle/runtime-files.ts';

/**
 * The path of `rel` in run-time folder `dir`. `moduleUrl` is where the running code is: this
 * module from the sources, the bundle file or one of its chunks once bundled (tests pass a bundle's URL).
 */
export function runtimePath(dir: RuntimeDir, rel: string, moduleUrl: string | URL = import.meta.url): string {
  const url = new URL(moduleUrl);
  const fromSources = url.pathname.endsWith('.ts');
  const up = '../'.repeat(FROM_ROOT.split('/').length - 1);
  // Bundled code runs from the entry file or from one of its chunks (one folder down).
  const beside = url.pathname.split('/').at(-2) === CHUNK_DIR ? '../' : './';
  return fileURLToPath(new URL(fromSources ? `${up}${RUNTIME_DIRS[dir]}/${rel}` : `${beside}${dir}/${rel}`, url));
}
