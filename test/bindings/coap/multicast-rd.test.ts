import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, it } from 'node:test';
import type { CoapMessage } from '../../../bindings/coap/coap-message.js';
import { joinTargets, selectsResourceDirectory } from '../../../bindings/coap/rd-multicast.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const TABLE = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('192.168.1.5', 'IPv4'), nic('fe80::1', 'IPv6')],
  wlan0: [nic('fe80::2', 'IPv6')],
};

const get = (query: string[], type: CoapMessage['type'] = 'NON', code = '0.01', uriPath = ['.well-known', 'core']): CoapMessage => ({ type, code, mid: 1, token: Buffer.alloc(0), uriPath, uriQuery: query, payload: Buffer.alloc(0) });

describe('rd-multicast', () => {
  it('joins on every external interface for a wildcard host, on the one carrying the host otherwise, never on loopback', () => {
    assert.deepEqual(joinTargets(TABLE, '0.0.0.0', []), [{ name: 'eth0', ipv4: '192.168.1.5', ipv6: true }, { name: 'wlan0', ipv6: true }]);
    assert.deepEqual(joinTargets(TABLE, '192.168.1.5', []), [{ name: 'eth0', ipv4: '192.168.1.5', ipv6: true }]);
    assert.deepEqual(joinTargets(TABLE, '127.0.0.1', []), []);
    assert.deepEqual(joinTargets(TABLE, '127.0.0.1', ['wlan0']), [{ name: 'wlan0', ipv6: true }]);
  });

  it('answers only a NON GET /.well-known/core whose rt filter selects core.rd (RFC 6690 §4.1 wildcard)', () => {
    for (const q of ['rt=core.rd', 'rt=core.rd*', 'rt=core*', 'rt=*']) assert.equal(selectsResourceDirectory(get([q])), true, q);
    for (const q of [[], ['rt=core.rd-lookup-ep'], ['rt=core'], ['if=core.rd'], ['rt=core.rd', 'ct=40'], ['rt']]) assert.equal(selectsResourceDirectory(get(q)), false, q.join('&'));
    assert.equal(selectsResourceDirectory(get(['rt=core.rd'], 'CON')), false);
    assert.equal(selectsResourceDirectory(get(['rt=core.rd'], 'NON', '0.02')), false);
    assert.equal(selectsResourceDirectory(get(['rt=core.rd'], 'NON', '0.01', ['rd'])), false);
  });
});
