import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCbor } from '../../../protocols/cbor.js';
import type { Remote } from '../../../bindings/coap/coap-endpoint.js';
import { parseMessage, type CoapMessage } from '../../../bindings/coap/coap-message.js';
import { ValueResources, type Notifier } from '../../../bindings/coap/value-resources.js';

interface Sent { to: Remote; msg: CoapMessage }

/** An endpoint that keeps what it would send, parsed. */
function recorder(): Notifier & { sent: Sent[] } {
  let mid = 0;
  const sent: Sent[] = [];
  return { sent, nextMessageId: () => ++mid, send: (bytes, to) => { sent.push({ to, msg: parseMessage(bytes) }); } };
}

function observeReq(token: number): CoapMessage {
  return { type: 'CON', code: '0.01', mid: token, token: Buffer.from([token >> 8, token & 0xff]), uriPath: [], uriQuery: [], observe: 0, payload: Buffer.alloc(0) };
}

const values = (clock: { t: number }, over: Partial<ConstructorParameters<typeof ValueResources>[0]> = {}) =>
  new ValueResources({ maxObservers: 1024, maxObserversPerAddress: 8, maxNotificationsPerSecondPerObserver: 10, maxValues: 100, now: () => clock.t, ...over });

describe('ValueResources limits', () => {
  it('lets one source address hold at most maxObserversPerAddress observers; other addresses are unaffected', () => {
    const v = values({ t: 0 });
    const spoofed = { address: '192.0.2.66', port: 5683 };
    const answers = Array.from({ length: 299 }, (_, i) => v.serve(observeReq(i), 'dev', `r${i % 3}`, { ...spoofed, port: 5683 + (i % 7) }));
    assert.equal(answers.filter((a) => a.observe !== undefined).length, 8);
    // RFC 7641 §4.1: a refused registration still gets the current value, without an Observe option.
    assert.ok(answers.every((a) => a.code === '2.05'));
    assert.equal(v.observersRejectedPerAddress, 291);
    assert.ok(v.serve(observeReq(1000), 'dev', 'r0', { address: '192.0.2.7', port: 5683 }).observe !== undefined, 'another address registers');
    assert.equal(v.observerCount, 9);

    const ep = recorder();
    v.publish(ep, 'dev', 'r0', 21.5);
    const byAddress = (a: string) => ep.sent.filter((s) => s.to.address === a).length;
    assert.equal(byAddress('192.0.2.66'), 3, 'r0 has 3 of the 8 observers of the spoofed address');
    assert.equal(byAddress('192.0.2.7'), 1);

    // A deregistration frees a place for that address.
    v.serve({ ...observeReq(0), observe: 1 }, 'dev', 'r0', spoofed);
    assert.ok(v.serve(observeReq(2000), 'dev', 'r1', spoofed).observe !== undefined);
  });

  it('sends each observer at most maxNotificationsPerSecondPerObserver, then the newest held-back value when a token is back', async () => {
    const clock = { t: 0 };
    const v = values(clock, { maxNotificationsPerSecondPerObserver: 20 });
    const a = { address: '192.0.2.1', port: 5683 };
    v.serve(observeReq(1), 'dev', 'temp', a);
    const ep = recorder();
    for (let i = 0; i < 93; i++) v.publish(ep, 'dev', 'temp', i);
    assert.equal(ep.sent.length, 20, 'a one-second burst of 20');
    assert.deepEqual(ep.sent.map((s) => decodeCbor(s.msg.payload)), Array.from({ length: 20 }, (_, i) => i));
    assert.equal(v.notificationsDeferred, 73);
    assert.equal(v.notificationsSkipped, 72);

    clock.t += 50; // one token back at 20/s
    await waitFor(() => ep.sent.length === 21);
    const last = ep.sent[20] as Sent;
    assert.equal(decodeCbor(last.msg.payload), 92, 'the newest value, the others skipped');
    assert.ok((last.msg.observe ?? 0) > (ep.sent[19]?.msg.observe ?? 0), 'RFC 7641 §4.4: a fresher sequence number');
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(ep.sent.length, 21, 'nothing more is pending');
    assert.equal(v.notificationsOut, 21);
  });

  it('limits each observer alone: a second observer of the same resource gets its own burst; a removed observer gets nothing held back', async () => {
    const clock = { t: 0 };
    const v = values(clock, { maxNotificationsPerSecondPerObserver: 5 });
    const a = { address: '192.0.2.1', port: 5683 };
    const b = { address: '192.0.2.2', port: 5683 };
    v.serve(observeReq(1), 'dev', 'temp', a);
    const ep = recorder();
    for (let i = 0; i < 10; i++) v.publish(ep, 'dev', 'temp', i);
    v.serve(observeReq(2), 'dev', 'temp', b);
    for (let i = 10; i < 15; i++) v.publish(ep, 'dev', 'temp', i);
    assert.equal(ep.sent.filter((s) => s.to.address === a.address).length, 5);
    assert.equal(ep.sent.filter((s) => s.to.address === b.address).length, 5);
    v.serve({ ...observeReq(1), observe: 1 }, 'dev', 'temp', a);
    clock.t += 1000;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(ep.sent.filter((s) => s.to.address === a.address).length, 5, 'deregistered: its held-back value is dropped');
    v.clear();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
