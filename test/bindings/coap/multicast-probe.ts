/**
 * Run inside a network namespace by multicast.integration.test.ts: sends the CoAP datagrams named
 * on the command line (JSON) and prints every answer that arrives within waitMs, as JSON.
 * `{ sends: [{ to, port, type, code, path, query, token }], waitMs, iface }`
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { encodeMessage, parseMessage, type MessageType } from '../../../bindings/coap/coap-message.js';

interface Send { to: string; port: number; type: MessageType; code: string; path: string[]; query: string[]; token: string }
const { sends, waitMs } = JSON.parse(process.argv[2]!) as { sends: Send[]; waitMs: number };

const socket = createSocket('udp4');
const answers: Array<{ from: string; port: number; type: string; code: string; token: string; payload: string; atMs: number }> = [];
const t0 = Date.now();
socket.on('message', (buf: Buffer, from: RemoteInfo) => {
  const m = parseMessage(buf);
  answers.push({ from: from.address, port: from.port, type: m.type, code: m.code, token: m.token.toString('hex'), payload: m.payload.toString(), atMs: Date.now() - t0 });
});
await new Promise<void>((r) => socket.bind(0, () => r()));
let mid = 1;
for (const s of sends) {
  const bytes = encodeMessage({ type: s.type, code: s.code, mid: mid++, token: Buffer.from(s.token, 'hex'), uriPath: s.path, uriQuery: s.query });
  await new Promise<void>((r) => socket.send(bytes, s.port, s.to, () => r()));
}
await new Promise((r) => setTimeout(r, waitMs));
socket.close();
process.stdout.write(JSON.stringify(answers));
