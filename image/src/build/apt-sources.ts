/**
 * Where the image's Debian packages come from: the build machine's own apt sources
 * (sources.list(5): one-line `.list` files and deb822 `.sources` files), or a mirror given as an
 * option. The build follows the builder, so it works behind a local mirror or a caching proxy and
 * the repository names no mirror host. Parsing is pure; reading the files is one function apart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One sources entry, either format, with URIs and suites not yet expanded. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** Lower-case option names (`arch`, `signed-by`, `trusted`, ...) to their values. */
  options: Record<string, string>;
  /** Where it was read, for messages. */
  origin: string;
}

export class AptSourcesError extends Error {
  override readonly name = 'AptSourcesError';
}

/** One-line format: `deb [opt=value ...] URI SUITE [COMPONENT...]`; `#` starts a comment. */
export function parseOneLineSources(text: string, origin = 'sources.list'): AptSource[] {
  const out: AptSource[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)$/.exec(line);
    if (!m) throw new AptSourcesError(`${origin}:${i + 1}: not a sources line: ${line}`);
    const options: Record<string, string> = {};
    for (const opt of (m[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
      const eq = opt.indexOf('=');
      if (eq <= 0) throw new AptSourcesError(`${origin}:${i + 1}: option without a value: ${opt}`);
      options[opt.slice(0, eq).toLowerCase()] = opt.slice(eq + 1);
    }
    out.push({ types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: m[5]!.trim().split(/\s+/).filter(Boolean), options, origin: `${origin}:${i + 1}` });
  });
  return out;
}

/** deb822 format: stanzas of `Field: value` separated by blank lines; continuation lines start with a space. */
export function parseDeb822Sources(text: string, origin = 'debian.sources'): AptSource[] {
  const out: AptSource[] = [];
  const stanzas: Array<{ fields: Map<string, string>; line: number }> = [];
  let cur: { fields: Map<string, string>; line: number } | null = null;
  let last: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.startsWith('#')) continue;
    if (raw.trim() === '') {
      cur = null;
      last = null;
    } else if (/^\s/.test(raw)) {
      if (!cur || last === null) throw new AptSourcesError(`${origin}:${i + 1}: continuation line outside a field`);
      cur.fields.set(last, `${cur.fields.get(last)}\n${raw.trim()}`);
    } else {
      const colon = raw.indexOf(':');
      if (colon <= 0) throw new AptSourcesError(`${origin}:${i + 1}: not a field: ${raw}`);
      if (!cur) {
        cur = { fields: new Map(), line: i + 1 };
        stanzas.push(cur);
      }
      last = raw.slice(0, colon).trim().toLowerCase();
      cur.fields.set(last, raw.slice(colon + 1).trim());
    }
  }
  for (const { fields, line } of stanzas) {
    const words = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    const where = `${origin}:${line}`;
    if (words('types').length === 0 || words('uris').length === 0 || words('suites').length === 0) {
      throw new AptSourcesError(`${where}: a stanza needs Types, URIs and Suites`);
    }
    const options: Record<string, string> = {};
    for (const [k, v] of fields) {
      if (['types', 'uris', 'suites', 'components'].includes(k)) continue;
      // An inline key block (Signed-By with the key itself) is kept whole; lists are comma-joined.
      options[k === 'architectures' ? 'arch' : k] = v.includes('\n') ? v : v.split(/\s+/).join(',');
    }
    out.push({ types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components'), options, origin: where });
  }
  return out;
}

/**
 * The one-line `deb` entries mmdebstrap gets (and writes into the image) for one Debian release
 * and architecture: binary sources, enabled, for that release or its -updates/-security/...
 * suites, not limited to other architectures. Other repositories on the builder (third-party
 * suites) are left out.
 */
export function mirrorLines(sources: readonly AptSource[], suite: string, debianArch: string): string[] {
  const lines: string[] = [];
  for (const s of sources) {
    if (!s.types.includes('deb')) continue;
    if ((s.options['enabled'] ?? 'yes').toLowerCase() === 'no') continue;
    const arches = s.options['arch']?.split(',');
    if (arches && !arches.includes(debianArch)) continue;
    const trusted = (s.options['trusted'] ?? '').toLowerCase() === 'yes';
    for (const uri of s.uris) {
      for (const sfx of s.suites) {
        if (sfx !== suite && !sfx.startsWith(`${suite}-`) && !sfx.startsWith(`${suite}/`)) continue;
        const line = `deb ${trusted ? '[trusted=yes] ' : ''}${uri} ${sfx} ${s.components.join(' ')}`.trim();
        if (!lines.includes(line)) lines.push(line);
      }
    }
  }
  return lines;
}

/** Entries for a mirror given as an option: the release and its -updates suite, component main. */
export function mirrorOptionLines(mirror: string, suite: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(mirror)) throw new AptSourcesError(`mirror must be a URI (http://..., file:/...), got '${mirror}'`);
  return [`deb ${mirror} ${suite} main`, `deb ${mirror} ${suite}-updates main`];
}

/** The builder's apt sources: etc/apt/sources.list, etc/apt/sources.list.d/*.list and *.sources under root. */
export function readBuilderSources(root = '/'): AptSource[] {
  const out: AptSource[] = [];
  const main = join(root, 'etc/apt/sources.list');
  if (existsSync(main)) out.push(...parseOneLineSources(readFileSync(main, 'utf8'), main));
  const dir = join(root, 'etc/apt/sources.list.d');
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const name of names) {
    const file = join(dir, name);
    if (name.endsWith('.list')) out.push(...parseOneLineSources(readFileSync(file, 'utf8'), file));
    else if (name.endsWith('.sources')) out.push(...parseDeb822Sources(readFileSync(file, 'utf8'), file));
  }
  return out;
}

export interface ImageSourcesOptions {
  suite: string;
  debianArch: string;
  /** A mirror URI given as an option (ROOST_IMAGE_MIRROR, `make image MIRROR=...`); wins over the builder's sources. */
  mirror?: string;
  /** Further one-line entries given as an option (e.g. a security mirror), added as they are. */
  extra?: string[];
  /** Root of the file tree holding etc/apt (tests point it elsewhere). */
  root?: string;
}

/** The mirror lines of one build, from the option or else the builder's apt sources; at least one. */
export function imageSources(o: ImageSourcesOptions): string[] {
  const lines = o.mirror ? mirrorOptionLines(o.mirror, o.suite) : mirrorLines(readBuilderSources(o.root), o.suite, o.debianArch);
  const all = [...lines, ...(o.extra ?? [])];
  if (all.length === 0) {
    throw new AptSourcesError(`the build machine's apt sources have no '${o.suite}' entry for ${o.debianArch}; give a mirror with MIRROR=URI (ROOST_IMAGE_MIRROR)`);
  }
  return all;
}
