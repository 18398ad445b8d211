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
    const href = (p: string) => p;
    assert.deepEqual(JSON.parse(JSON.stringify(td)), {
      '@context': ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { cov: 'http://www.example.org/coap-binding#' }],
      title: 's1',
      base: 'coap://[fd00::7]:5683/',
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

  it('shares the affordances of devices with the same links, frozen; each TD has its own base', () => {
    const links = affordancesOf(parseLinkFormat(LINKS));
    const a = nativeTd('a', '10.0.0.1', 5683, links);
    const b = nativeTd('b', '10.0.0.2', 5684, affordancesOf(parseLinkFormat(LINKS)));
    for (const k of ['properties', 'actions', 'events']) assert.equal(a[k], b[k], k);
    assert.deepEqual([a['base'], b['base']], ['coap://10.0.0.1:5683/', 'coap://10.0.0.2:5684/']);
    const temp = (a['properties'] as Record<string, { forms: Array<{ href: string }> }>)['temp']!;
    assert.ok(Object.isFrozen(temp) && Object.isFrozen(temp.forms[0]));
    assert.throws(() => { temp.forms[0]!.href = 'x'; }, TypeError);
    // Other links, other objects.
    const c = nativeTd('c', '10.0.0.3', 5683, affordancesOf(parseLinkFormat('</temp>;rt="roost.p"')));
    assert.notEqual(c['properties'], a['properties']);
  });

  it('resolves every href against the base to the device resource', () => {
    const td = nativeTd('s', '10.0.0.1', 5683, affordancesOf(parseLinkFormat('</sensors/temp>;rt="roost.p",</a:b>;rt="roost.a"')));
    const hrefs = [...Object.values(td['properties'] as object), ...Object.values(td['actions'] as object)].map((a: { forms: Array<{ href: string }> }) => new URL(a.forms[0]!.href, td['base'] as string).href);
    assert.deepEqual(hrefs, ['coap://10.0.0.1:5683/sensors/temp', 'coap://10.0.0.1:5683/a:b']);
  });
});
