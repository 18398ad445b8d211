/**
 * The first-start block (also the appliance's label, first-start.txt) names the gateway's EDHOC
 * credentials with their fingerprints, the same the CoAP binding uses, so that an installer can
 * pin them; without CoAP security it names none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoapBinding } from '../../bindings/coap/coap-binding.js';
import { firstStartBanner } from '../../cli/first-start-banner.js';
import { startTestGateway } from '../helpers/gateway.js';

const coap = (security: string) => ({ bindings: { coap: { enabled: true, host: '127.0.0.1', port: 0, security } } });

describe('first-start block: EDHOC fingerprints', () => {
  it('one line per EDHOC credential: key, fingerprint, suites, kid', async () => {
    const gw = await startTestGateway(coap('required'));
    try {
      const banner = firstStartBanner(gw);
      const creds = (gw.binding('coap') as CoapBinding).edhocIdentity();
      assert.equal(creds.length, 3);
      for (const c of creds) {
        assert.ok(banner.includes(`  EDHOC ${c.key.padEnd(8)}${c.fingerprint} (suite ${c.suites.join(', ')}, kid ${c.kid})`), `${c.key} in:\n${banner}`);
      }
    } finally {
      await gw.stop();
    }
  });

  it('no EDHOC line when CoAP runs without security', async () => {
    const gw = await startTestGateway(coap('none'));
    try {
      assert.doesNotMatch(firstStartBanner(gw), /EDHOC/);
    } finally {
      await gw.stop();
    }
  });
});
