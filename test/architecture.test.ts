/**
 * The arrows of docs/architecture.md, checked on every relative import of the tree:
 * cli/ -> gateway/, firmware-sim/, image/; gateway/ -> bindings/ -> protocols/;
 * firmware-sim/ -> protocols/. Nothing imports cli/; no binding reaches into another.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOP = ['protocols', 'bindings', 'gateway', 'firmware-sim', 'image', 'cli', 'agent-client'] as const;
type Top = (typeof TOP)[number];

/** What each top folder may import (besides itself). */
const ALLOWED: Record<Top, readonly Top[]> = {
  protocols: [],
  bindings: ['protocols', 'gateway'],
  gateway: ['protocols', 'bindings'],
  'firmware-sim': ['protocols'],
  image: ['protocols'],
  cli: ['protocols', 'bindings', 'gateway', 'firmware-sim', 'image'],
  // A peer of the gateway for agent authors: only the wire contract (docs/agents.md) and `mqtt`.
  'agent-client': [],
};

interface Edge { from: string; to: string; typeOnly: boolean }

function sourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...TOP.map((t) => `${t}/**.ts`)], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((f) => f.endsWith('.ts'));
}

function edges(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Edge[] = [];
  const re = /(?:^|\n)\s*(import\s+type\s|import\s|export\s[^;]*?\sfrom\s)[^;]*?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[2] ?? m[3]!;
    found.push({ from: file, to: normalize(join(dirname(file), spec)), typeOnly: (m[1] ?? '').startsWith('import type') });
  }
  return found;
}

const topOf = (path: string): string => path.split('/')[0]!;

describe('dependency arrows', () => {
  const all = sourceFiles().flatMap(edges);

  it('reads a real tree', () => {
    assert.ok(all.length > 300, `only ${all.length} imports found`);
  });

  it('every top folder imports only what docs/architecture.md allows', () => {
    const bad = all.filter((e) => {
      const from = topOf(e.from) as Top;
      const to = topOf(e.to);
      return to !== from && !(ALLOWED[from] as readonly string[]).includes(to);
    });
    assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
  });

  it('bindings use only the Binding interface types of gateway/, and no other binding', () => {
    const bad = all.filter((e) => {
      if (topOf(e.from) !== 'bindings') return false;
      if (topOf(e.to) === 'gateway') return !(e.to === 'gateway/binding.js' && e.typeOnly);
      return topOf(e.to) === 'bindings' && e.from.split('/')[1] !== e.to.split('/')[1];
    });
    assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
  });
});
