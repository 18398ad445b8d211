/**
 * `make bench`: runs every benchmark in the table (or those named on the command line), each of
 * which prints its figures beside a baseline measured in the same run.
 */
type Bench = () => Promise<void>;

const BENCHMARKS: Readonly<Record<string, () => Promise<{ run: Bench }>>> = {
  'hub-ingest': () => import('./gateway/hub-ingest.bench.js'),
  'coap-ingest': () => import('./coap/ingest.bench.js'),
  'coap-junk': () => import('./coap/junk-rss.bench.js'),
  'fleet-scale': () => import('./fleet/fleet-scale.bench.js'),
  'fleet-zigbee': () => import('./fleet/fleet-zigbee.bench.js'),
  'bthome-decode': () => import('./ble/bthome-decode.bench.js'),
  'serial-framer': () => import('./serial/framer.bench.js'),
  'zigbee-fleet': () => import('./zigbee/zigbee-fleet.bench.js'),
  'durability-soak': () => import('./durability/soak.js'),
  'mqtt-fanout': () => import('./mqtt/fanout.bench.js'),
  'cold-start': () => import('./footprint/cold-start.bench.js'),
  'idle-rss': () => import('./footprint/idle-rss.bench.js'),
  'uplink': () => import('./uplink/uplink.bench.js'),
  'edhoc-enrolment': () => import('./edhoc/enrolment.bench.js'),
  'edhoc-handshake': () => import('./edhoc/handshake.js'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(BENCHMARKS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  await (await load()).run();
}
