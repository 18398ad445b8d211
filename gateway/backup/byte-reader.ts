/**
 * Exact reads over an async stream of chunks (a file, an HTTP body, a decrypting generator): the
 * archive parsers ask for n bytes and get n bytes, or a TruncatedError when the stream ended first.
 */
export class TruncatedError extends Error {
  constructor(what: string) {
    super(`the archive ends early (truncated) inside ${what}`);
    this.name = 'TruncatedError';
  }
}

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes handed out so far. */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) this.buf = this.buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.buf, r.value]);
    }
  }

  /** Exactly n bytes; TruncatedError(what) when the stream ends first. */
  async read(n: number, what: string): Promise<Buffer> {
    await this.fill(n);
    if (this.buf.length < n) throw new TruncatedError(what);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.consumed += n;
    return out;
  }

  /** At most n bytes (at least 1); TruncatedError when nothing is left. */
  async readSome(n: number, what: string): Promise<Buffer> {
    await this.fill(1);
    if (this.buf.length === 0) throw new TruncatedError(what);
    const k = Math.min(n, this.buf.length);
    const out = this.buf.subarray(0, k);
    this.buf = this.buf.subarray(k);
    this.consumed += k;
    return out;
  }

  /** True when the stream has no byte left. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buf.length === 0;
  }
}
