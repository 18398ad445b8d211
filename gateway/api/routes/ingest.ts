/**
 * Device ingest in the TUM iotplatform gateways' format (docs/api.md "Device ingest"):
 * `POST /ingest` with one reading or an array of them and `authorization: Bearer <device token>`;
 * 200 once the readings are committed, 401 when the header is missing or malformed, 403 when the
 * token does not verify, is expired or its device is unknown or revoked. The same over WebSocket
 * at `/ingest` (the token checked on the upgrade, and again on every message so a revocation cuts
 * a connection off): one JSON message per request, answered `{"status":200,"stored":n}` or
 * `{"status":4xx,"code","error"}` in order. Outside the users' bearer hook: a device token is not
 * a user token.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { BadRequestError, BindingUnavailableError, UnauthenticatedError, toRoostError } from '../../../protocols/errors.js';
import { INGEST_BINDING, ingestOf, type IngestBinding } from '../../ingest/ingest-binding.js';
import { parseReadings } from '../../ingest/tum-readings.js';
import type { RouteDeps } from '../route-deps.js';

export const INGEST_PATH = '/ingest';
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;

/** The token of an Authorization header; UnauthenticatedError (401) when missing or malformed. */
function bearer(header: string | undefined): string {
  const m = BEARER.exec(header ?? '');
  if (!m?.[1]) throw new UnauthenticatedError(header ? 'malformed authorization header: expected Bearer <token>' : 'missing authorization header');
  return m[1];
}

/** The device a request's token speaks for (401 / 403, counted). */
async function deviceOf(ingest: IngestBinding, header: string | undefined): Promise<string> {
  let token: string;
  try {
    token = bearer(header);
  } catch (err) {
    ingest.refusedUnauthenticated();
    throw err;
  }
  return ingest.authenticate(token);
}

export async function ingestRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const binding = (): IngestBinding => {
    const b = ingestOf(deps.hub);
    if (!b) throw new BindingUnavailableError('the ingest binding is not enabled (bindings.ingest)', { binding: INGEST_BINDING });
    return b;
  };
  const devices = new WeakMap<FastifyRequest, string>();

  app.post(INGEST_PATH, {
    // Authorization before the body is read: a refused device gets 401/403, never a body error.
    onRequest: async (req) => {
      devices.set(req, await deviceOf(binding(), req.headers.authorization));
    },
    schema: { response: { 200: { type: 'object', properties: { stored: { type: 'integer' }, id: { type: 'string' } } } } },
  }, async (req) => {
    const ingest = binding();
    const deviceId = devices.get(req);
    if (deviceId === undefined) throw new UnauthenticatedError('missing authorization header');
    let readings;
    try {
      readings = parseReadings(req.body, ingest.options.maxReadingsPerRequest);
    } catch (err) {
      ingest.refusedInvalid();
      throw err;
    }
    const r = await ingest.ingest(deviceId, readings);
    return { stored: r.stored, id: r.thingId };
  });

  attachIngestWebSocket(app, binding, deps.config.http.maxBodyBytes);
}

/** WebSocket ingest on the HTTP server's upgrades to /ingest (other paths are left to others). */
function attachIngestWebSocket(app: FastifyInstance, binding: () => IngestBinding, maxPayload: number): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  const refuse = (socket: Duplex, status: number, reason: string): void => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if ((req.url ?? '').split('?')[0] !== INGEST_PATH) return;
    let ingest: IngestBinding;
    try {
      ingest = binding();
    } catch {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    const header = req.headers.authorization;
    deviceOf(ingest, header).then((deviceId) => {
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, ingest, deviceId, bearer(header)));
    }, (err: unknown) => {
      const e = toRoostError(err);
      refuse(socket, e.httpStatus, e.httpStatus === 401 ? 'Unauthorized' : 'Forbidden');
    });
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade);
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}

function serve(ws: WebSocket, ingest: IngestBinding, deviceId: string, token: string): void {
  let chain = Promise.resolve();
  ws.on('message', (data, isBinary) => {
    chain = chain.then(async () => {
      let answer: Record<string, unknown>;
      try {
        // The token again: a device revoked while connected is cut off at its next message.
        if ((await ingest.authenticate(token)) !== deviceId) throw new UnauthenticatedError('token changed hands');
        let body: unknown;
        try {
          if (isBinary) throw new Error('binary message');
          body = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
        } catch {
          throw new BadRequestError('a message is one JSON reading or an array of them');
        }
        let readings;
        try {
          readings = parseReadings(body, ingest.options.maxReadingsPerRequest);
        } catch (err) {
          ingest.refusedInvalid();
          throw err;
        }
        const r = await ingest.ingest(deviceId, readings);
        answer = { status: 200, stored: r.stored };
      } catch (err) {
        const e = toRoostError(err);
        answer = { status: e.httpStatus, code: e.code, error: e.message };
        if (e.httpStatus === 403 || e.httpStatus === 401) {
          ws.send(JSON.stringify(answer));
          ws.close(1008, 'token refused'); // RFC 6455 §7.4.1: policy violation
          return;
        }
      }
      ws.send(JSON.stringify(answer));
    });
  });
  ws.on('error', () => ws.terminate());
}
