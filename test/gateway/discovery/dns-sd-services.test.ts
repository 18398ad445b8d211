import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsSdServices } from '../../../gateway/discovery/dns-sd-services.js';

const keys = (l: Parameters<typeof dnsSdServices>[0]) => dnsSdServices(l).map((s) => `${s.key}:${s.port}`);

describe('dnsSdServices', () => {
  it('names every listener that is on, with the port it bound and the TXT keys clients look for', () => {
    const s = dnsSdServices({
      http: { host: '0.0.0.0', port: 8080 }, https: { host: '0.0.0.0', port: 8443 }, mqtt: { host: '0.0.0.0', port: 1883 },
      mqtts: { host: '0.0.0.0', port: 8883 }, coap: { host: '0.0.0.0', port: 5683 },
    });
    assert.deepEqual(s.map((x) => `${x.key}:${x.port}`), ['wot.tcp:8443', 'https.tcp:8443', 'http.tcp:8080', 'mqtt.tcp:1883', 'secure-mqtt.tcp:8883', 'coap.udp:5683']);
    // W3C WoT Discovery §6.3: the directory's TD path, its type and scheme; the directory subtype.
    assert.deepEqual(s[0]!.txt, { td: '/.well-known/wot', type: 'Directory', scheme: 'https' });
    assert.deepEqual(s[0]!.subtypes, ['directory']);
    assert.deepEqual(s.find((x) => x.key === 'coap.udp')!.txt, { rt: 'core.rd' });
    assert.equal(s.find((x) => x.key === 'coap.udp')!.protocol, 'udp');
  });

  it('points _wot._tcp at plain HTTP only when there is no HTTPS', () => {
    const s = dnsSdServices({ http: { host: '0.0.0.0', port: 8080 } });
    assert.deepEqual(s.map((x) => x.key), ['wot.tcp', 'http.tcp']);
    assert.deepEqual(s[0]!.txt, { td: '/.well-known/wot', type: 'Directory', scheme: 'http' });
    assert.equal(s[0]!.port, 8080);
  });

  it('leaves out listeners that are off or bound to loopback (nothing on the LAN could reach them)', () => {
    assert.deepEqual(keys({ https: { host: '127.0.0.1', port: 8443 }, mqtts: { host: '::1', port: 8883 }, coap: { host: '192.168.1.5', port: 5683 } }), ['coap.udp:5683']);
    assert.deepEqual(keys({ https: { host: '127.0.0.1', port: 1 }, http: { host: '0.0.0.0', port: 8080 } }), ['wot.tcp:8080', 'http.tcp:8080']);
    assert.deepEqual(keys({}), []);
  });
});
