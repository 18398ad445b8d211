import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readConfigFile, resolveConfig } from '../../../gateway/config/config.js';
import { withStartDefaults } from '../../../gateway/config/start-defaults.js';

// The image runs `roost start --config` on this file: what the box serves is this file over roost start's defaults.
const config = resolveConfig(withStartDefaults(readConfigFile(fileURLToPath(new URL('../../../image/config/config.yaml', import.meta.url)))));

test('the image is TLS only for MQTT and redirects plain HTTP to HTTPS', () => {
  assert.equal(config.tls.enabled, true);
  assert.equal(config.tls.httpsPort, 8443);
  assert.equal(config.mqtt.plain, false);
  assert.equal(config.mqtt.tlsPort, 8883);
  assert.equal(config.http.redirectToHttps, true);
});

test('the image is found on the LAN: DNS-SD and CoAP multicast discovery on, CoAP with OSCORE required', () => {
  assert.equal(config.discovery.mdns, true);
  assert.deepEqual({ enabled: config.bindings['coap']?.enabled, security: config.bindings['coap']?.['security'], multicast: config.bindings['coap']?.['multicast'] }, { enabled: true, security: 'required', multicast: true });
});
