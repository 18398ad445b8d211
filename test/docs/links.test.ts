/**
 * The docs are true about the repository: every relative link in docs/ and README.md (and every
 * backticked path into one of the repository's folders) names a file that is in it, a link's
 * #anchor names a heading of its page, and every config key the docs name (`queue.maxItemsPerThing`,
 * `bindings.coap.port`, `store.historyBatchMaxMs` / `historyBatchMaxRows`) exists in the config
 * schema or in its binding's options schema.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BINDING_MODULES } from '../../gateway/binding-registry.js';
import { configSchema } from '../../gateway/config/config-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** MQTT topics that start like a folder of the tree; they are topics, not paths. */
const MQTT_TOPICS = new Set(['gateway/availability']);

/** The repository's own top-level folders (a backticked `gateway/...` is a path into one). */
const TOP = readdirSync(ROOT).filter((n) => !n.startsWith('.') && n !== 'node_modules' && n !== 'dist' && statSync(join(ROOT, n)).isDirectory());

interface Doc {
  file: string;
  /** The text with fenced code blocks blanked (same line numbers): their contents are not prose. */
  prose: string;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? markdownFiles(full) : e.name.endsWith('.md') ? [full] : [];
  });
}

function load(file: string): Doc {
  let fenced = false;
  const prose = readFileSync(file, 'utf8').split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  }).join('\n');
  return { file, prose };
}

const DOCS = [...markdownFiles(join(ROOT, 'docs')), join(ROOT, 'README.md')].sort().map(load);

function where(doc: Doc, index: number): string {
  return `${relative(ROOT, doc.file)}:${doc.prose.slice(0, index).split('\n').length}`;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(file: string): Set<string> {
  const seen = new Set<string>();
  for (const m of load(file).prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]!.toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    let s = slug;
    for (let n = 1; seen.has(s); n++) s = `${slug}-${n}`;
    seen.add(s);
  }
  return seen;
}

/** Why a path named in `doc` does not resolve inside the repository, or null when it does. */
function broken(doc: Doc, target: string, base: string): string | null {
  const [path = '', anchor] = target.split('#');
  const full = path === '' ? doc.file : join(base, decodeURIComponent(path));
  const glob = full.indexOf('*');
  const checked = glob >= 0 ? dirname(full.slice(0, glob + 1)) : full;
  if (!existsSync(checked)) return 'no such file';
  if (!(realpathSync(checked) + sep).startsWith(ROOT)) return 'outside the repository';
  if (anchor && checked.endsWith('.md') && !anchors(checked).has(anchor)) return `no heading #${anchor}`;
  return null;
}

/** Markdown links `[text](target)` and reference definitions `[id]: target`, without a scheme. */
function links(doc: Doc): Array<{ target: string; index: number }> {
  const out: Array<{ target: string; index: number }> = [];
  for (const m of doc.prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, index: m.index });
  for (const m of doc.prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) out.push({ target: m[1]!, index: m.index });
  return out.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));
}

/** Inline code spans of the prose. */
function codeSpans(doc: Doc): Array<{ text: string; index: number }> {
  return [...doc.prose.matchAll(/`([^`\n]+)`/g)].map((m) => ({ text: m[1]!, index: m.index }));
}

// ---- config keys

type Schema = { properties?: Record<string, Schema>; additionalProperties?: boolean | Schema; items?: Schema; type?: string };

const SECTIONS = Object.keys(configSchema.properties);
const WILDCARD = /^(<[^>]+>|\*|\{[^}]+\})$/;

/** Binding name -> its options schema (the table of bindings; system has only `enabled`). */
async function bindingSchemas(): Promise<Map<string, Schema>> {
  const out = new Map<string, Schema>();
  for (const [name, loadModule] of Object.entries(BINDING_MODULES)) out.set(name, (await loadModule()).optionsSchema as Schema);
  return out;
}

/** Why `key` is not a config key, or null. */
function missingKey(key: string, bindings: Map<string, Schema>): string | null {
  const segs = key.split('.');
  let node: Schema | undefined = configSchema as unknown as Schema;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (WILDCARD.test(seg)) return null;
    if (node?.type === 'array' && node.items) node = node.items;
    if (i === 1 && segs[0] === 'bindings') {
      const own = bindings.get(seg);
      if (!own && seg !== 'system') return `no binding '${seg}' in gateway/binding-registry.ts`;
      node = own ?? (configSchema.properties.bindings.additionalProperties as Schema);
      continue;
    }
    const next: Schema | undefined = node?.properties?.[seg] ?? (typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined);
    if (!next) return `no key '${seg}' under '${segs.slice(0, i).join('.')}'`;
    node = next;
  }
  return null;
}

/** Backticked dotted names whose first segment is a config section, and `a.b` / `c` shorthands for a.c. */
function configKeys(doc: Doc): Array<{ key: string; index: number }> {
  const out: Array<{ key: string; index: number }> = [];
  const dotted = /^[A-Za-z]\w*(\.([\w-]+|<[^>]+>|\*|\{[^}]+\}))+$/;
  for (const c of codeSpans(doc)) {
    if (dotted.test(c.text) && SECTIONS.includes(c.text.split('.')[0]!)) out.push({ key: c.text, index: c.index });
  }
  for (const m of doc.prose.matchAll(/`([A-Za-z]\w*(?:\.\w+)*)\.\w+` \/ `(\w+)`/g)) {
    if (SECTIONS.includes(m[1]!.split('.')[0]!)) out.push({ key: `${m[1]}.${m[2]}`, index: m.index });
  }
  return out;
}

describe('docs', () => {
  it('every relative link in docs/ and README.md names a file in the repository (and a heading for #anchors)', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const l of links(doc)) {
        checked++;
        const why = broken(doc, l.target, dirname(doc.file));
        if (why) bad.push(`${where(doc, l.index)}: ${l.target}: ${why}`);
      }
    }
    assert.ok(checked > 20, `${checked} links`);
    assert.deepEqual(bad, []);
  });

  it('every backticked path into the repository (`gateway/...`, `../...`) names a file that is there', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const c of codeSpans(doc)) {
        const path = c.text.replace(/[.,:;]$/, '').replace(/:\d+(-\d+)?$/, '');
        if (/\s/.test(path)) continue;
        // MQTT topics share the look of paths (`gateway/availability`); docs name them in their tables.
        if (MQTT_TOPICS.has(path)) continue;
        const relativeToDoc = path.startsWith('../'); // `./data` is a place at run time, not in the tree
        if (!relativeToDoc && !(path.includes('/') && TOP.includes(path.split('/')[0]!))) continue;
        checked++;
        const why = broken(doc, path, relativeToDoc ? dirname(doc.file) : ROOT);
        if (why) bad.push(`${where(doc, c.index)}: ${c.text}: ${why}`);
      }
    }
    assert.ok(checked > 20, `${checked} paths`);
    assert.deepEqual(bad, []);
  });

  it('every config key the docs name exists in the config schema or its binding\'s options schema', async () => {
    const bindings = await bindingSchemas();
    const bad: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      for (const k of configKeys(doc)) {
        checked++;
        const why = missingKey(k.key, bindings);
        if (why) bad.push(`${where(doc, k.index)}: ${k.key}: ${why}`);
      }
    }
    assert.ok(checked > 30, `${checked} keys`);
    assert.deepEqual(bad, []);
  });

  it('the key check itself: finds real keys, refuses made-up ones', async () => {
    const bindings = await bindingSchemas();
    for (const k of ['queue.maxItemsPerThing', 'http.events.maxStreams', 'bindings.coap.port', 'bindings.<name>.enabled', 'bindings.serial.ports']) assert.equal(missingKey(k, bindings), null, k);
    assert.match(missingKey('queue.maxPerThing', bindings) ?? '', /no key 'maxPerThing' under 'queue'/);
    assert.match(missingKey('bindings.lora.port', bindings) ?? '', /no binding 'lora'/);
    assert.match(missingKey('bindings.coap.nonsense', bindings) ?? '', /no key 'nonsense'/);
    const doc = { file: join(ROOT, 'README.md'), prose: 'see `store.historyBatchMaxMs` / `historyBatchRows` and `queue.maxPerThing`' };
    assert.deepEqual(configKeys(doc).map((k) => k.key).sort(), ['queue.maxPerThing', 'store.historyBatchMaxMs', 'store.historyBatchRows']);
    assert.equal(broken(doc, '../shared/ARCHITECTURE.md', join(ROOT, 'docs')), 'no such file');
    assert.equal(broken(doc, 'docs/architecture.md#configuration', ROOT), null);
    assert.equal(broken(doc, 'docs/architecture.md#no-such-heading', ROOT), 'no heading #no-such-heading');
  });
});
