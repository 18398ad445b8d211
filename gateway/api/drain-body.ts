/**
 * Reads and drops what is left of a refused upload (POST /restore, POST /update) before the error
 * is answered: an answer while the client is still sending makes browsers and fetch report a
 * broken connection instead of the error. Past `limit` bytes the connection is cut instead.
 */
import type { Readable } from 'node:stream';

export async function drainBody(body: Readable, limit: number): Promise<void> {
  let n = 0;
  try {
    for await (const c of body) {
      n += (c as Buffer).length;
      if (n > limit) {
        body.destroy();
        return;
      }
    }
  } catch {
    // The client went away: nothing to answer.
  }
}
