import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestGateway } from '../../helpers/gateway.js';

describe('HTTP server', () => {
  it('listens on 127.0.0.1 and answers /healthz without auth, with binding states', async () => {
    const gw = await startTestGateway();
    try {
      assert.match(gw.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${gw.httpUrl}/healthz`);
      assert.equal(res.status, 200);
      const health = (await res.json()) as { status: string; bindings: Record<string, string> };
      assert.equal(health.status, 'ok');
      // The bindings that need no hardware run in every gateway: the appliance itself, out-of-process agents, device ingest.
      assert.deepEqual(health.bindings, { system: 'running', agent: 'running', ingest: 'running' });
      const td = gw.hub.getThing('urn:roost:system:gateway').consumerTd;
      assert.ok(JSON.stringify(td).includes(`${gw.httpUrl}/things/`), 'consumer TD forms carry the port actually bound');
      assert.equal((await fetch(`${gw.httpUrl}/nothing`)).status, 404);
    } finally {
      await gw.stop();
    }
  });
});
