/**
 * EDHOC enrolment over the wire: BENCH_EDHOC_DEVICES simulated devices (default 1000) enrol with a
 * gateway (CoAP binding, security required, onboarding open) on 127.0.0.1 through real UDP, half
 * suite 2 / method 3, half suite 0 / method 0, each with the RFC 9668 combined request (message_3 +
 * its registration), 8 at a time; then each sends one OSCORE request. Gateway and devices share this
 * process: the Initiators' own crypto is timed apart and subtracted, so "gateway CPU" is process
 * CPU minus the devices' EDHOC work (their CoAP and OSCORE encoding stays in, so it is an upper bound).
 *
 * Run: `node --import tsx bench/edhoc/enrolment.bench.ts`.
 */
import { encodeMessage, parseMessage } from '../../bindings/coap/coap-message.js';
import { outerFields, requestContent } from '../../bindings/coap/oscore-content.js';
import { encodeCbor } from '../../protocols/cbor.js';
import { protectRequest } from '../../protocols/oscore/index.js';
import { encodeCidPayload, encodeCombinedPayload } from '../../protocols/edhoc/index.js';
import { startCoapGateway } from '../../test/bindings/coap/coap-rig.js';
import { deviceAuth, EdhocTestDevice } from '../../test/bindings/coap/edhoc-test-device.js';

const N = Number(process.env['BENCH_EDHOC_DEVICES'] ?? 1000);
const CONCURRENCY = 8;
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const rig = await startCoapGateway({ security: 'required', edhocMaxSessions: 256, registrationsPerMinutePerAddress: 1_000_000, maxExchanges: 100_000 }, {}, { onboarding: { defaultPolicy: 'open', maxPending: N + 10 } });
const pins = rig.coap.edhocIdentity().map((c) => c.fingerprint);
let deviceCpu = 0;
const timed = <T>(f: () => T): T => {
  const t0 = cpu();
  try {
    return f();
  } finally {
    deviceCpu += cpu() - t0;
  }
};
const bytes = { enrolment: 0, wake: 0, datagrams: 0 };
const devices: EdhocTestDevice[] = [];

async function enrolOne(k: number): Promise<void> {
  const [suite, method] = k % 2 === 0 ? [2, 3] : [0, 0];
  const ep = `bench-${k}`;
  const d = await new EdhocTestDevice(rig.gateway, timed(() => deviceAuth(suite!, method!, ep)), pins, method, [suite!]).open();
  const initiator = d.newInitiator();
  const m1 = timed(() => initiator.start());
  if (!m1.ok) throw m1.error;
  const r1 = await d.post(encodeCidPayload(true, m1.value));
  const step = timed(() => initiator.handleMessage2(r1.res.payload));
  if (!step.ok) throw step.error;
  timed(() => d.useSession(step.value.session));
  const ctx = d.oscore!;
  // The combined request: register as the first OSCORE request.
  const reg = { code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${ep}`, 'lt=600', 'b=UQ'], contentFormat: 40, payload: Buffer.from('</temp>;rt="roost.p"') };
  const { message } = protectRequest(ctx, requestContent(reg), d.seq++);
  const outer = outerFields(message);
  const combined = encodeMessage({ type: 'CON', mid: d.nextMid(), token: Buffer.from([k & 0xff, k >> 8, 1, 2]), ...outer, edhoc: true, payload: Buffer.from(encodeCombinedPayload(step.value.message3, outer.payload)) });
  const ans = parseMessage(await d.rawBytes(combined));
  if (ans.code !== '2.01' && ans.oscore === undefined) throw new Error(`combined request answered ${ans.code}`);
  bytes.enrolment += r1.sent.length + r1.received.length + combined.length + d.lastReceived.length;
  devices.push(d);
}

const t0 = cpu();
const w0 = Date.now();
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < N) await enrolOne(next++);
}));
const enrolCpu = cpu() - t0 - deviceCpu;
const enrolWall = Date.now() - w0;
if (rig.coap.status().counters['registrations'] !== N) throw new Error(`registered ${rig.coap.status().counters['registrations']} of ${N}`);

const t1 = cpu();
for (const d of devices) {
  const r = await d.request({ code: '0.02', uriPath: ['t', d.auth.credential.subject!], contentFormat: 60, payload: encodeCbor({ temp: 21.5 }) });
  if (r.res.code !== '2.04') throw new Error(`wake answered ${r.res.code}`);
  bytes.wake += r.sent.length + r.received.length;
}
const oscoreCpu = (cpu() - t1) / N;
const st = rig.coap.status();
console.log(`EDHOC enrolment over CoAP/UDP, ${N} devices (half suite 2 method 3, half suite 0 method 0), combined request, ${CONCURRENCY} at a time`);
console.log(`  completed ${st.counters['edhocCompleted']}, failed ${st.counters['edhocFailed']}, enrolled ${st.gauges?.['edhocEnrolledDevices']}, wall ${enrolWall} ms`);
console.log(`  gateway CPU per enrolment (process minus devices' EDHOC): ${(enrolCpu / N / 1000).toFixed(2)} ms`);
console.log(`  one OSCORE request (telemetry, device + gateway in process): ${(oscoreCpu / 1000).toFixed(3)} ms -> enrolment = ${Math.round(enrolCpu / N / oscoreCpu)}x`);
console.log(`  bytes per enrolment (UDP payloads, 2 round trips incl. registration): ${(bytes.enrolment / N).toFixed(0)}; per wake (1 round trip): ${(bytes.wake / N).toFixed(0)}`);
for (const d of devices) d.close();
await rig.stop();
