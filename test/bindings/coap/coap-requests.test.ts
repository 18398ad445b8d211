/** The client side's bookkeeping alone, over a scripted transport (end to end: the LwM2M and observe integration tests). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoapRequests, type Remote, type RequestTransport } from '../../../bindings/coap/coap-requests.js';
import { parseMessage, type CoapMessage } from '../../../bindings/coap/coap-message.js';

const DEV: Remote = { address: '192.0.2.7', port: 5683 };

function rig(responseTimeoutMs = 60_000) {
  const sent: CoapMessage[] = [];
  const resets: number[] = [];
  const cons: Array<{ mid: number; onTimeout: () => void; onRst: () => void }> = [];
  let mid = 100;
  const t: RequestTransport = {
    send: (bytes) => { sent.push(parseMessage(bytes)); },
    nextMessageId: () => ++mid,
    transmitCon: (bytes, _to, m, onTimeout, onRst) => { sent.push(parseMessage(bytes)); cons.push({ mid: m, onTimeout, onRst }); },
    reset: (m) => { resets.push(m); },
    responseTimeoutMs: () => responseTimeoutMs,
    counters: { requestTimeouts: 0 },
  };
  return { requests: new CoapRequests(t), t, sent, resets, cons };
}

const answer = (type: CoapMessage['type'], token: Buffer, code = '2.05', extra: Partial<CoapMessage> = {}): CoapMessage =>
  ({ type, code, mid: 7, token, payload: Buffer.from('21.5'), ...extra }) as CoapMessage;

describe('CoapRequests', () => {
  it('resolves a request with its piggybacked response, matched by remote and token', async () => {
    const r = rig();
    const p = r.requests.request(DEV, { code: '0.01', uriPath: ['3303', '0', '5700'] });
    const token = r.sent[0]!.token;
    assert.equal(r.sent[0]!.type, 'CON');
    // The same token from another remote is not the answer.
    r.requests.onResponse(answer('ACK', token), { ...DEV, port: 5684 });
    assert.equal(r.requests.size, 1);
    r.requests.onResponse(answer('ACK', token), DEV);
    assert.equal(String((await p).payload), '21.5');
    assert.equal(r.requests.size, 0);
  });

  it('acknowledges a separate CON response; answers RST to a response or notification nobody waits for', async () => {
    const r = rig();
    const p = r.requests.request(DEV, { code: '0.01', uriPath: ['a'] });
    const token = r.sent[0]!.token;
    r.requests.onResponse(answer('CON', token), DEV);
    await p;
    assert.deepEqual([r.sent[1]!.type, r.sent[1]!.code, r.sent[1]!.mid], ['ACK', '0.00', 7]);
    r.requests.onResponse(answer('CON', Buffer.from('beef', 'hex')), DEV);
    r.requests.onResponse(answer('NON', Buffer.from('beef', 'hex')), DEV);
    assert.deepEqual(r.resets, [7, 7]);
  });

  it('keeps an observation: the first response resolves, every notification goes on until forget()', async () => {
    const r = rig();
    const seen: number[] = [];
    const p = r.requests.request(DEV, { code: '0.01', uriPath: ['3303', '0'], observe: 0 }, (n) => seen.push(n.observe!));
    const token = r.sent[0]!.token;
    r.requests.onResponse(answer('ACK', token, '2.05', { observe: 1 }), DEV);
    await p;
    r.requests.onResponse(answer('NON', token, '2.05', { observe: 2 }), DEV);
    assert.deepEqual(seen, [1, 2]);
    r.requests.forget(DEV, token);
    r.requests.onResponse(answer('NON', token, '2.05', { observe: 3 }), DEV);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(r.resets, [7]);
  });

  it('fails with DeviceTimeoutError when no response comes in time (counted), when the CON is never acknowledged, or is reset', async () => {
    const r = rig(20);
    // The request's own timer does not hold the process open (unref): this one does, for the test.
    const alive = setTimeout(() => undefined, 5000);
    await assert.rejects(r.requests.request(DEV, { code: '0.01', type: 'NON' }), { name: 'DeviceTimeoutError' });
    clearTimeout(alive);
    assert.equal(r.t.counters.requestTimeouts, 1);
    const noAck = r.requests.request(DEV, { code: '0.01' });
    r.cons.at(-1)!.onTimeout();
    await assert.rejects(noAck, /no ACK from 192\.0\.2\.7:5683/);
    const reset = r.requests.request(DEV, { code: '0.01' });
    r.cons.at(-1)!.onRst();
    await assert.rejects(reset, { name: 'FrameInvalidError' });
    assert.equal(r.requests.size, 0);
  });

  it('fails every waiting request when the endpoint closes', async () => {
    const r = rig();
    const p = r.requests.request(DEV, { code: '0.01' });
    r.requests.close();
    await assert.rejects(p, /endpoint closed/);
    assert.equal(r.requests.size, 0);
  });
});
