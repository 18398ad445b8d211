/**
 * Child process for oscore-kill9.integration.test.ts: a gateway (security required) on the data
 * dir in argv[2]; prints its CoAP port, then runs one action per stdin line ("<n>") on device oa
 * and prints "done <n>". The parent kills it with SIGKILL.
 */
import { createInterface } from 'node:readline';
import { startCoapGateway } from './coap-rig.js';
import { manifestEntry } from './oscore-test-device.js';

const rig = await startCoapGateway({ security: 'required', oscoreSequenceBlock: 4 }, {}, {}, { dataDir: process.argv[2]! });
rig.gw.hub.onboarding.importManifest([manifestEntry('oa', { masterSecret: '0102030405060708090a0b0c0d0e0f10', masterSalt: '9e7ca92223786340', kid: '01' })]);
process.stdout.write(`port ${rig.gateway.port}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const n = Number(line);
  const a = rig.gw.hub.invokeAction('urn:roost:coap:oa', 'blink', { n });
  const done = await rig.gw.hub.waitForAction(a.id, 5000);
  process.stdout.write(`done ${n} ${done.state}\n`);
}
