/**
 * The one load client every CoAP benchmark case uses: a raw UDP socket keeping `window` requests
 * in flight for `durationMs`, counting answers. Same client for the echo, node-coap and Roost, so
 * the ratios compare servers, not clients.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export interface LoadResult {
  answers: number;
  perSecond: number;
}

export async function drive(port: number, make: (mid: number) => Buffer, opts: { durationMs: number; window: number }): Promise<LoadResult> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  let mid = 0;
  let answers = 0;
  let inFlight = 0;
  let running = true;
  const fire = () => {
    while (running && inFlight < opts.window) {
      mid = (mid + 1) & 0xffff;
      inFlight++;
      s.send(make(mid), port, '127.0.0.1');
    }
  };
  s.on('message', () => {
    answers++;
    inFlight--;
    fire();
  });
  // A lost datagram would shrink the window for good: refill it when answers stall.
  let last = -1;
  const watchdog = setInterval(() => {
    if (answers === last) inFlight = 0;
    last = answers;
    fire();
  }, 50);
  const t0 = process.hrtime.bigint();
  fire();
  await new Promise((r) => setTimeout(r, opts.durationMs));
  running = false;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(watchdog);
  s.close();
  return { answers, perSecond: answers / secs };
}
