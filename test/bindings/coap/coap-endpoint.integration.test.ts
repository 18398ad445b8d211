import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoapEndpoint, type CoapResponse } from '../../../bindings/coap/coap-endpoint.js';
import { coapOptions } from '../../../bindings/coap/coap-options.js';
import { RawClient } from './coap-rig.js';

async function endpoint(handler: () => CoapResponse): Promise<{ ep: CoapEndpoint; client: RawClient }> {
  const ep = new CoapEndpoint({ ...coapOptions({ host: '127.0.0.1', port: 0 }), now: Date.now }, handler);
  const at = await ep.listen();
  const client = new RawClient({ host: at.address, port: at.port });
  await client.open();
  return { ep, client };
}

describe('CoapEndpoint', () => {
  it('answers 5.00 and counts it when a response cannot be encoded, and keeps serving (RFC 7252 §5.9.3)', async () => {
    let code = '9.99';
    const { ep, client } = await endpoint(() => ({ code }));
    try {
      const bad = await client.request({ code: '0.01', uriPath: ['x'], token: Buffer.from([7]) });
      assert.deepEqual([bad.type, bad.code, bad.token.toString('hex')], ['ACK', '5.00', '07']);
      assert.equal(ep.counters.handlerErrors, 1);
      code = '2.05';
      assert.equal((await client.request({ code: '0.01', uriPath: ['x'] })).code, '2.05');
    } finally {
      client.close();
      await ep.close();
    }
  });

  it('answers a NON request with a NON of a fresh Message ID and the same token (RFC 7252 §5.2.3)', async () => {
    const { ep, client } = await endpoint(() => ({ code: '2.04' }));
    try {
      const r = await client.request({ type: 'NON', code: '0.02', mid: 4000, uriPath: ['x'], token: Buffer.from([1, 2]) });
      assert.deepEqual([r.type, r.code, r.token.toString('hex')], ['NON', '2.04', '0102']);
      assert.notEqual(r.mid, 4000);
    } finally {
      client.close();
      await ep.close();
    }
  });
});
