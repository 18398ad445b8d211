/**
 * The block `roost start` prints once the gateway runs: where to reach it, the admin password (on
 * the first start only), the certificate and EDHOC key fingerprints to pin, which bindings run and why the
 * others do not. The same text goes to <dataDir>/first-start.txt (0600: it may hold the password)
 * for the appliance's label.
 */
import { hostname } from 'node:os';
import type { Gateway } from '../gateway/gateway.js';

const HARDWARE: Readonly<Record<string, string>> = {
  serial: 'no USB-serial adapter of a known MCU bridge found',
  zigbee: 'no Zigbee coordinator stick found',
  ble: 'no Bluetooth controller found',
};

/** A URL with the wildcard address replaced by this host's name. */
function reachable(url: string | undefined): string | undefined {
  return url?.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, `//${hostname()}`);
}

export function firstStartBanner(gw: Gateway): string {
  const lines: string[] = ['', '=== Roost gateway is running ==='];
  const add = (label: string, value: string | undefined): void => {
    if (value) lines.push(`  ${label.padEnd(14)}${value}`);
  };
  const https = reachable(gw.httpsUrl);
  const http = reachable(gw.config.http.enabled ? gw.httpUrl : undefined);
  add('Web UI, API', https ? `${https}/${http ? `   (plain: ${http}/${gw.config.http.redirectToHttps ? ', redirects to HTTPS' : ''})` : ''}` : `${http}/`);
  const mqtt = [gw.mqttsUrl, gw.config.mqtt.plain ? gw.mqttUrl : undefined].filter((u): u is string => !!u && !(u === gw.mqttUrl && u.startsWith('mqtts'))).map(reachable);
  add('MQTT', [...new Set(mqtt)].join(', ') || (gw.config.mqtt.enabled ? reachable(gw.mqttUrl) : 'off'));
  const coap = gw.config.bindings['coap'];
  if (coap && coap.enabled !== false) {
    // The port it bound (a configured 0 means any free one), else the configured one.
    const bound = (gw.binding('coap') as { listening?: { port: number } | null } | undefined)?.listening?.port;
    const port = bound ?? (typeof coap['port'] === 'number' ? coap['port'] : 5683);
    const host = typeof coap['host'] === 'string' && !['0.0.0.0', '::'].includes(coap['host']) ? coap['host'] : hostname();
    add('CoAP', `coap://${host.includes(':') ? `[${host}]` : host}:${port}/ (security: ${typeof coap['security'] === 'string' ? coap['security'] : 'none'})`);
  }
  const tls = gw.admin.tls?.identity();
  add('TLS SHA-256', tls ? `${tls.sha256}${tls.createdNow ? ' (new self-signed certificate)' : ''}` : 'TLS is off (tls.enabled)');
  // The gateway's EDHOC keys, for devices and installers to pin (docs/protocols/edhoc.md).
  for (const c of gw.admin.controls.edhocCredentials?.() ?? []) add(`EDHOC ${c.key}`, `${c.fingerprint} (suite ${c.suites.join(', ')}, kid ${c.kid})`);
  if (gw.admin.adminPassword) {
    add('Admin', `user '${gw.config.auth.adminUser}', password ${gw.admin.adminPassword}  (shown on this first start only: change it)`);
  }
  lines.push('  Bindings');
  const statuses = gw.hub.bindingStatuses();
  const detection = gw.admin.detector?.current();
  // Code-point order, not localeCompare: binding names are ASCII, and a collator maps ~2 MiB of
  // ICU's collation data into the idle gateway for good (make bench idle-rss).
  for (const [name, s] of Object.entries(statuses).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const why = s.state === 'running' ? (detection?.managed[name as 'serial'] ? 'running (hardware detected)' : 'running') : `${s.state}${s.detail ? `: ${s.detail}` : ''}`;
    lines.push(`    ${name.padEnd(10)}${why}`);
  }
  for (const name of Object.keys(HARDWARE)) {
    if (statuses[name]) continue;
    const configuredOff = gw.config.bindings[name]?.enabled === false;
    lines.push(`    ${name.padEnd(10)}not started: ${configuredOff ? `off in the config (bindings.${name}.enabled)` : detection ? HARDWARE[name] : 'hardware detection is off (detect.enabled)'}`);
  }
  for (const a of detection?.adapters ?? []) {
    if (a.decision === 'ambiguous') lines.push(`    left alone: ${a.id}: ${a.reason}`);
  }
  lines.push('');
  return lines.join('\n');
}
