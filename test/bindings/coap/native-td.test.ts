/**
 * The native TD of a CoAP device, exactly (docs/protocols/coap.md "Describing affordances"), and
 * the parts every device's TD shares (issue 20: per-device memory).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { affordancesOf, nativeTd } from '../../../bindings/coap/native-td.js';
import { parseLinkFormat } from '../../../protocols/link-format/link-format.js';

const LINKS = '</temp>;rt="roost.p";u="Cel";obs,</interval>;rt="roost.pw";dt="integer",</blink>;rt="roost.a";dt="integer",</reset>;rt="roost.a",</button>;rt="roost.e";dt="string"';
const cbor = 'application/cbor';

describe('native TD', () => {
  it('describes each kind of affordance', () => {
    const td = nativeTd('s1', 'fd00::7', 5683, affordancesOf(parseLinkFormat(LINKS)));
    const href = (p: string) => `coap://[fd00::7]:5683/${p}`;
    assert.deepEqual(JSON.parse(JSON.stringify(td)), {
      '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { cov: 'http://www.example.org/coap-binding#' }],
      title: 's1',
      securityDefinitions: { nosec_sc: { scheme: 'nosec' } },
      security: 'nosec_sc',
      properties: {
        temp: { type: 'number', unit: 'Cel', readOnly: true, observable: true, forms: [{ href: href('temp'), contentType: cbor }] },
        interval: { type: 'integer', readOnly: false, observable: false, forms: [{ href: href('interval'), contentType: cbor }] },
      },
      actions: {
        blink: { input: { type: 'integer' }, forms: [{ href: href('blink'), contentType: cbor, 'cov:method': 'POST' }] },
        reset: { forms: [{ href: href('reset'), contentType: cbor, 'cov:method': 'POST' }] },
      },
      events: { button: { data: { type: 'string' }, forms: [{ href: href('button'), contentType: cbor, subprotocol: 'cov:observe' }] } },
    });
  });

  it('shares the context and security definitions between devices', () => {
    const a = nativeTd('a', '10.0.0.1', 5683, []);
    const b = nativeTd('b', '10.0.0.2', 5683, []);
    assert.equal(a['@context'], b['@context']);
    assert.equal(a['securityDefinitions'], b['securityDefinitions']);
  });
});
