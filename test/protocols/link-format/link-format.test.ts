import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../protocols/errors.js';
import { parseLinkFormat, serializeLinkFormat, type WebLink } from '../../../protocols/link-format/link-format.js';

describe('CoRE link format (RFC 6690)', () => {
  it('parses the RFC 6690 §5 example', () => {
    const doc = '</sensors/temp>;rt="temperature-c";if="sensor",</sensors/light>;rt="light-lux";if="sensor"';
    assert.deepEqual(parseLinkFormat(doc), [
      { href: '/sensors/temp', attrs: { rt: 'temperature-c', if: 'sensor' } },
      { href: '/sensors/light', attrs: { rt: 'light-lux', if: 'sensor' } },
    ]);
  });

  it('parses flags, ptokens, quoted commas and escapes; keeps the first duplicate', () => {
    const doc = '</a>;obs;ct=112;title="x, \\"y\\"; z";rt="p";rt="q",\r\n  </b>';
    assert.deepEqual(parseLinkFormat(doc), [
      { href: '/a', attrs: { obs: true, ct: '112', title: 'x, "y"; z', rt: 'p' } },
      { href: '/b', attrs: {} },
    ]);
    assert.deepEqual(parseLinkFormat(''), []);
  });

  it('serializes byte for byte and round-trips', () => {
    const links: WebLink[] = [
      { href: '/temp', attrs: { rt: 'roost.p', ct: '112', obs: true, u: 'Cel' } },
      { href: '/a/blink', attrs: { rt: 'roost.a', title: 'say "hi"' } },
    ];
    const text = '</temp>;rt="roost.p";ct=112;obs;u="Cel",</a/blink>;rt="roost.a";title="say \\"hi\\""';
    assert.equal(serializeLinkFormat(links), text);
    assert.deepEqual(parseLinkFormat(text), links);
  });

  it('rejects malformed documents with BadRequestError', () => {
    for (const bad of ['/a', '<a', '</a>;', '</a>;rt="x', '</a>,', '</a>;r t=1', '</a>;rt=a b', '</a> </b>']) {
      assert.throws(() => parseLinkFormat(bad), BadRequestError, bad);
    }
    assert.throws(() => parseLinkFormat('</a>,</b>,</c>', { maxLinks: 2 }), /more than 2 links/);
  });
});
