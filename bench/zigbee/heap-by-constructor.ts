/**
 * Reads a V8 heap snapshot (`v8.writeHeapSnapshot`) and sums the objects' own sizes by kind:
 * objects and closures by constructor or function name, strings, code and V8's internal arrays by
 * their type. Sources of loaded modules are strings too: those over 100 kB are listed apart, since
 * a module's whole source stays in the heap while any function of it is alive.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapBreakdown {
  totalBytes: number;
  /** Kind -> bytes and count. */
  byKind: Map<string, { bytes: number; count: number }>;
  /** Strings over 100 kB (module sources): first characters and size. */
  bigStrings: Array<{ head: string; bytes: number }>;
}

const NAMED = new Set(['object', 'closure', 'native', 'array', 'hidden', 'regexp']);
const BIG_STRING_BYTES = 100_000;

export function heapBreakdown(path: string): HeapBreakdown {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const byKind = new Map<string, { bytes: number; count: number }>();
  const bigStrings: HeapBreakdown['bigStrings'] = [];
  let totalBytes = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType] as number] ?? '?';
    const name = s.strings[s.nodes[i + iName] as number] ?? '';
    const bytes = s.nodes[i + iSize] as number;
    totalBytes += bytes;
    if (type.endsWith('string') && bytes > BIG_STRING_BYTES) bigStrings.push({ head: name.slice(0, 60).replace(/\s+/g, ' '), bytes });
    const kind = NAMED.has(type) ? `${type} ${name.slice(0, 48)}` : type === 'code' ? `code ${name.split(' ')[0] ?? ''}` : type;
    const k = byKind.get(kind) ?? { bytes: 0, count: 0 };
    k.bytes += bytes;
    k.count++;
    byKind.set(kind, k);
  }
  bigStrings.sort((a, b) => b.bytes - a.bytes);
  return { totalBytes, byKind, bigStrings };
}

/** The kinds that grew most from `before` to `after`, largest growth first. */
export function heapGrowth(before: HeapBreakdown, after: HeapBreakdown, top: number): Array<{ kind: string; bytes: number; count: number }> {
  const rows: Array<{ kind: string; bytes: number; count: number }> = [];
  for (const [kind, a] of after.byKind) {
    const b = before.byKind.get(kind) ?? { bytes: 0, count: 0 };
    rows.push({ kind, bytes: a.bytes - b.bytes, count: a.count - b.count });
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}
