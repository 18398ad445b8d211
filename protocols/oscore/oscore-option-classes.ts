/**
 * How OSCORE treats each CoAP option (RFC 8613 §4.1, Figure 5): class E options travel inside
 * the ciphertext (Inner), class U options stay in the clear (Outer), some may be both. There are
 * no class I options (§4.1.2), so the AAD's option field is always empty.
 */

/** E: Inner only; U: Outer only; EU: may be Inner and Outer, with independent values. */
export type OscoreClass = 'E' | 'U' | 'EU';

export interface OptionClassRow {
  readonly number: number;
  readonly name: string;
  readonly cls: OscoreClass;
}

// Option numbers this codec handles specially.
export const IF_MATCH = 1;
export const URI_HOST = 3;
export const OBSERVE = 6;
export const URI_PORT = 7;
export const OSCORE = 9;
export const URI_PATH = 11;
export const PROXY_URI = 35;
export const ECHO = 252;

const ROWS: readonly OptionClassRow[] = [
  // RFC 8613 Figure 5.
  { number: IF_MATCH, name: 'If-Match', cls: 'E' },
  { number: URI_HOST, name: 'Uri-Host', cls: 'U' },
  { number: 4, name: 'ETag', cls: 'E' },
  { number: 5, name: 'If-None-Match', cls: 'E' },
  { number: OBSERVE, name: 'Observe', cls: 'EU' },
  { number: URI_PORT, name: 'Uri-Port', cls: 'U' },
  { number: 8, name: 'Location-Path', cls: 'E' },
  { number: OSCORE, name: 'OSCORE', cls: 'U' },
  { number: URI_PATH, name: 'Uri-Path', cls: 'E' },
  { number: 12, name: 'Content-Format', cls: 'E' },
  { number: 14, name: 'Max-Age', cls: 'EU' },
  { number: 15, name: 'Uri-Query', cls: 'E' },
  { number: 17, name: 'Accept', cls: 'E' },
  { number: 20, name: 'Location-Query', cls: 'E' },
  { number: 23, name: 'Block2', cls: 'EU' },
  { number: 27, name: 'Block1', cls: 'EU' },
  { number: 28, name: 'Size2', cls: 'EU' },
  { number: PROXY_URI, name: 'Proxy-Uri', cls: 'U' },
  { number: 39, name: 'Proxy-Scheme', cls: 'U' },
  { number: 60, name: 'Size1', cls: 'EU' },
  { number: 258, name: 'No-Response', cls: 'EU' },
  // RFC 9175 §2.2.1 and §3.2.1: Echo and Request-Tag may be Inner or Outer; OSCORE servers
  // produce Inner Echo only (Outer Echo is for reachability tests by proxies).
  { number: ECHO, name: 'Echo', cls: 'EU' },
  { number: 292, name: 'Request-Tag', cls: 'EU' },
];

export const OPTION_CLASSES: ReadonlyMap<number, OptionClassRow> = new Map(ROWS.map((r) => [r.number, r]));

/** RFC 8613 §4.1: options unknown to OSCORE are class E. */
export function optionClass(number: number): OscoreClass {
  return OPTION_CLASSES.get(number)?.cls ?? 'E';
}

/** Goes into the plaintext when protecting (every class with an E). */
export const isInner = (number: number): boolean => optionClass(number) !== 'U';

/** Kept from the outer message when verifying: RFC 8613 §8.2/§8.4 step 1 discard every option with an E. */
export const keepOuter = (number: number): boolean => optionClass(number) === 'U' && number !== OSCORE;
