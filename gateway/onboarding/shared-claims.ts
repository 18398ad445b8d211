/**
 * Claims of devices of one model repeat: a CoAP device's are `{ep, links}`, and its links (the
 * link-format text it registered, ~160 bytes for a sensor) are those of every device of its
 * model. Each device record kept its own copy (issue 20: per-device memory, docs/fleet.md). The
 * string values of a record's claims are shared between records, up to `maxStrings` distinct ones
 * (the oldest goes first; a string that fell out is copied again, equal), so a device that sends
 * new text at every registration cannot grow the table.
 */
export class SharedClaims {
  private readonly strings = new Map<string, string>();

  constructor(private readonly maxStrings = 256, private readonly minLength = 32) {}

  /** Distinct strings held (at most maxStrings). */
  get size(): number {
    return this.strings.size;
  }

  /** The claims with their long string values shared; other values as they are. */
  share(claims: Record<string, unknown> | null): Record<string, unknown> | null {
    if (claims === null) return null;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(claims)) out[k] = typeof v === 'string' && v.length >= this.minLength ? this.string(v) : v;
    return out;
  }

  private string(s: string): string {
    const kept = this.strings.get(s);
    if (kept !== undefined) return kept;
    if (this.strings.size >= this.maxStrings) this.strings.delete(this.strings.keys().next().value as string);
    this.strings.set(s, s);
    return s;
  }
}
