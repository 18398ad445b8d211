/**
 * CoRE Link Format (RFC 6690, application/link-format, Content-Format 40): a pure parser and
 * serializer for the bodies of `/.well-known/core` and resource-directory registrations.
 */
import { BadRequestError } from '../errors.js';

export const LINK_FORMAT_CONTENT_FORMAT = 40;

/** One link: target and its parameters; a parameter without a value (`obs`) is `true`. */
export interface WebLink {
  href: string;
  attrs: Record<string, string | true>;
}

export interface LinkFormatLimits {
  /** Links in one document (default 256). */
  maxLinks?: number;
}

// RFC 6690 §2 (via RFC 8288 §3): parmname = 1*( ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" ).
const PARMNAME = /^[A-Za-z0-9!#$&+\-.^_`|~]+$/;
// RFC 6690 §2: ptoken characters (an unquoted parameter value).
const PTOKEN = /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]+$/;

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  peek(): string | undefined {
    return this.s[this.i];
  }
  fail(msg: string): never {
    throw new BadRequestError(`link-format: ${msg} at offset ${this.i}`, { offset: this.i });
  }
  expect(ch: string): void {
    if (this.s[this.i] !== ch) this.fail(`expected "${ch}"`);
    this.i++;
  }
  until(stop: RegExp): string {
    const start = this.i;
    while (this.i < this.s.length && !stop.test(this.s[this.i] ?? '')) this.i++;
    return this.s.slice(start, this.i);
  }
  quoted(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const ch = this.s[this.i++];
      if (ch === undefined) this.fail('unterminated quoted string');
      if (ch === '"') return out;
      // RFC 7230 §3.2.6 quoted-pair, as RFC 6690 §2 uses it.
      if (ch === '\\') {
        const next = this.s[this.i++];
        if (next === undefined) this.fail('unterminated quoted string');
        out += next;
      } else out += ch;
    }
  }
}

/** Parses a link-format document. Throws BadRequestError naming the offset. */
export function parseLinkFormat(text: string, limits: LinkFormatLimits = {}): WebLink[] {
  const maxLinks = limits.maxLinks ?? 256;
  const r = new Reader(text.trim());
  const links: WebLink[] = [];
  if (r.s.length === 0) return links;
  for (;;) {
    r.expect('<');
    const href = r.until(/>/);
    r.expect('>');
    const attrs: Record<string, string | true> = {};
    while (r.peek() === ';') {
      r.i++;
      const name = r.until(/[=;,]/).trim().toLowerCase();
      if (!PARMNAME.test(name)) r.fail(`bad parameter name "${name}"`);
      let value: string | true = true;
      if (r.peek() === '=') {
        r.i++;
        if (r.peek() === '"') value = r.quoted();
        else {
          value = r.until(/[;,]/);
          if (!PTOKEN.test(value)) r.fail(`bad parameter value for ${name}`);
        }
      }
      // RFC 8288 §3: occurrences after the first of a parameter are ignored.
      if (!(name in attrs)) attrs[name] = value;
    }
    links.push({ href, attrs });
    if (links.length > maxLinks) r.fail(`more than ${maxLinks} links`);
    if (r.peek() === undefined) return links;
    r.expect(',');
    r.until(/[^\s]/);
  }
}

function formatValue(v: string): string {
  return /^[0-9]+$/.test(v) ? v : `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Serializes links; values are quoted unless they are plain integers (as `ct=40`, `sz=12`). */
export function serializeLinkFormat(links: readonly WebLink[]): string {
  return links
    .map((l) => `<${l.href}>` + Object.entries(l.attrs).map(([k, v]) => (v === true ? `;${k}` : `;${k}=${formatValue(v)}`)).join(''))
    .join(',');
}
