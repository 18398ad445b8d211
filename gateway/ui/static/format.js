// Pure helpers (no DOM), shared by the views and tested under Node.

/** The binding of a Roost thing id `urn:roost:<binding>:<device>`, or `directory` for other ids. */
export function bindingOf(id) {
  const m = /^urn:roost:([^:]+):/.exec(id);
  return m ? m[1] : 'directory';
}

/** RFC 8288 Link header: { rel: url } (the first link of each rel). */
export function parseLinks(header) {
  const links = {};
  if (!header) return links;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (!m) continue;
    const rel = /rel="?([^";]+)"?/.exec(m[2]);
    if (rel) for (const r of rel[1].split(/\s+/)) links[r] ??= m[1];
  }
  return links;
}

/**
 * Prometheus text format: sample lines only, as { 'name{labels}': value } with the labels as
 * written, plus the bare name when the sample has no labels.
 */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Epoch ms of an SSE id `<ts>-<k>`, or undefined. */
export function cursorTime(id) {
  const m = /^(\d+)-\d+$/.exec(id ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The SSE position just after the newest of some history rows (sorted newest first), so that a
 * stream resumed from it repeats none of them: `<ts>-<k>` where k counts the rows of that ms.
 */
export function cursorAfter(rowsNewestFirst) {
  const newest = rowsNewestFirst[0];
  if (!newest) return undefined;
  const same = rowsNewestFirst.filter((r) => r.ts === newest.ts).length;
  return `${newest.ts}-${same - 1}`;
}

/** A number as at most 8 significant digits (sensor noise beyond that only hides the value). */
export function shortNumber(n) {
  return Number.isInteger(n) || !Number.isFinite(n) ? n : Number(n.toPrecision(8));
}

/** A value as short text: strings as they are, everything else as JSON. */
export function formatValue(v) {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' ? shortNumber(x) : x));
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

export function formatTime(ts) {
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return '';
  const d = new Date(ts);
  const today = new Date();
  const time = d.toLocaleTimeString(undefined, { hour12: false });
  return d.toDateString() === today.toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Final states of a queued item (docs/api.md, Actions). */
export const FINAL_STATES = new Set(['completed', 'failed', 'expired', 'superseded', 'cancelled']);

/** Seconds as the two largest units: "3 d 4 h", "5 min 3 s", "42 s". */
export function formatDuration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return '–';
  const units = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  const parts = [];
  let rest = Math.floor(s);
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n} ${name}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(' ') : '0 s';
}
