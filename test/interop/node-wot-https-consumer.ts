/**
 * The consumer side of node-wot-https.test.ts, in its own process so that the gateway's
 * certificate is trusted the way an operator would trust it: NODE_EXTRA_CA_CERTS names the
 * certificate file from the gateway's TLS directory (node-wot's HTTPS client verifies against
 * Node's CA store and has no CA option of its own; allowSelfSigned would turn verification off).
 * Argument (JSON): { directory, token, thing, property, action, input }. Prints JSON results.
 */
import bindingHttp from '@node-wot/binding-http';
import wotCore from '@node-wot/core';

const { HttpsClientFactory } = bindingHttp;
const { Servient } = wotCore;

const a = JSON.parse(process.argv[2]!) as { directory: string; token: string; thing: string; property: string; action: string; input: unknown };
const servient = new Servient();
servient.addClientFactory(new HttpsClientFactory());
servient.addCredentials({ [a.thing]: { token: a.token }, 'urn:roost:directory': { token: a.token } });
const wot = await servient.start();
try {
  const found: Array<{ id: string }> = [];
  const discovery = await wot.exploreDirectory(a.directory);
  for await (const td of discovery as unknown as AsyncIterable<{ id: string }>) found.push(td);
  if (discovery.error) throw discovery.error;
  const td = found.find((t) => t.id === a.thing);
  if (!td) throw new Error(`${a.thing} not among ${found.map((t) => t.id).join(', ')}`);
  const thing = await wot.consume(td as never);
  const property = await (await thing.readProperty(a.property)).value();
  const output = await (await thing.invokeAction(a.action, a.input as never))?.value();
  process.stdout.write(JSON.stringify({ things: found.map((t) => t.id), property, output }));
} finally {
  await servient.shutdown();
}
