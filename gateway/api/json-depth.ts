/**
 * Nesting depth of JSON text, measured on the text before it is parsed: a body of 5,000 nested
 * arrays is only ~10 KB, parses, and then overflows the stack of every recursive walker after it
 * (JSON.stringify, merge patch, schema validation). One pass, no allocation, strings skipped.
 */

/** True when `text` opens more than `maxDepth` arrays or objects inside one another. */
export function jsonDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped (RFC 8259 §7)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
