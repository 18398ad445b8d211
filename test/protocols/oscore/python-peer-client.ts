/**
 * Drives the independent Python OSCORE peer (test/peers/python/oscore_peer.py) over JSON lines.
 * Spawning Debian's /usr/bin/python3 is deliberate: a missing interpreter or module makes every
 * request reject, so the tests fail instead of skipping.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OscoreContextInput, OscoreExchange } from '../../../protocols/oscore/index.js';

export const PYTHON = '/usr/bin/python3';
export const PEER = fileURLToPath(new URL('../../peers/python/oscore_peer.py', import.meta.url));

export type Answer = Record<string, unknown> & { error?: string; coap?: string };

/** One long-lived peer process speaking JSON lines; a request waits for its one answer line. */
export class PythonPeer {
  private readonly waiting: Array<{ resolve: (a: Answer) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private failure: Error | null = null;

  constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    createInterface({ input: proc.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line) as Answer));
    const fail = (why: string): void => {
      this.failure = new Error(`${why}; stderr: ${this.stderr.trim()}`);
      for (const w of this.waiting.splice(0)) w.reject(this.failure);
    };
    proc.on('error', (err) => fail(`cannot run ${PYTHON}: ${err.message}`));
    proc.on('exit', (code) => fail(`python peer exited with ${code}`));
  }

  ask(req: Record<string, unknown>): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  /** Asks and requires a success answer. */
  async ok(req: Record<string, unknown>): Promise<Answer> {
    const a = await this.ask(req);
    assert.equal(a.error, undefined, `python peer: ${JSON.stringify(a)}`);
    return a;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** Starts the peer; close() it in an after() hook. */
export function startPythonPeer(): PythonPeer {
  return new PythonPeer(spawn(PYTHON, [PEER], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

const toHex = (b: Buffer | null | undefined): string | null => (b ? b.toString('hex') : null);
/** The peer's JSON form of context inputs. */
export const contextSpec = (p: OscoreContextInput): Record<string, string | null> => ({
  master_secret: p.masterSecret.toString('hex'),
  master_salt: toHex(p.masterSalt),
  sender_id: p.senderId.toString('hex'),
  recipient_id: p.recipientId.toString('hex'),
  id_context: toHex(p.idContext),
});
/** The peer's JSON form of an exchange (its "request" object). */
export const exchangeSpec = (e: OscoreExchange): Record<string, unknown> => ({ kid: e.kid.toString('hex'), piv: e.partialIv.toString('hex'), nonce: e.nonce.toString('hex'), observe: e.observe });
export const exchangeOf = (a: Answer): OscoreExchange => {
  const r = a['request'] as { kid: string; piv: string; nonce: string; observe: boolean };
  return { kid: Buffer.from(r.kid, 'hex'), partialIv: Buffer.from(r.piv, 'hex'), nonce: Buffer.from(r.nonce, 'hex'), observe: r.observe };
};
