/**
 * package.json says what runs: every package in `dependencies` is imported by code that runs
 * (the roost command, the gateway, the bindings, the fleet and its devices, the appliance tools),
 * and that code imports nothing else from npm. Packages only tests, benchmarks and the build use
 * are devDependencies (so they are not installed, licensed or shipped as part of the product).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNTIME = ['protocols', 'bindings', 'gateway', 'firmware-sim', 'cli', 'image'];
/** Parts of image/ that run on the build machine only (bundling, the image build, its boot test). */
const BUILD_ONLY = ['image/bundle.ts', 'image/src/bundle/build-bundle.ts', 'image/src/build/', 'image/src/boot-test/'];

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function runtimeFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...RUNTIME.map((t) => `${t}/**.ts`)], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((f) => f.endsWith('.ts') && !BUILD_ONLY.some((b) => f.startsWith(b)));
}

/** npm package name of a bare import specifier (`@scope/name/sub` -> `@scope/name`). */
export function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Packages imported, dynamically imported, required or resolved by one source text (type-only imports excluded). */
export function importedPackages(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    const name = m[1] ? null : packageOf(m[2]!);
    if (name) out.push(name);
  }
  for (const m of text.matchAll(/\b(?:import|require|require\.resolve)\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const name = packageOf(m[1]!);
    if (name) out.push(name);
  }
  return out;
}

describe('dependencies', () => {
  const used = new Map<string, string>();
  for (const f of runtimeFiles()) for (const p of importedPackages(readFileSync(join(root, f), 'utf8'))) if (!used.has(p)) used.set(p, f);

  it('code that runs imports only packages in dependencies', () => {
    const missing = [...used].filter(([p]) => !(p in pkg.dependencies)).map(([p, f]) => `${p} (imported by ${f})`);
    assert.deepEqual(missing, []);
  });

  it('every package in dependencies is imported by code that runs (test- and bench-only ones are devDependencies)', () => {
    assert.ok(used.size > 10, `${used.size} packages`);
    assert.deepEqual(Object.keys(pkg.dependencies).filter((p) => !used.has(p)), []);
  });

  it('reads the import forms the tree uses', () => {
    const text = [
      "import type { X } from 'typed-only';", "import a from 'aedes';", "import {\n  b,\n  type C,\n} from '@scope/pkg/sub.js';",
      "export * from 'reexported';", "import './side-effect.js';", "import 'side-effect-pkg';", "import { d } from './local.js';", "import e from 'node:fs';",
      "// the import of units restored from 'a comment' is not an import", "const c = await import('coap');", "require.resolve('wot/schema/x.json');",
    ].join('\n');
    assert.deepEqual(importedPackages(text), ['aedes', '@scope/pkg', 'reexported', 'side-effect-pkg', 'coap', 'wot']);
  });
});
