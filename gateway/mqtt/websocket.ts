/**
 * MQTT over WebSocket at `/mqtt` on the HTTP port: upgrades to that path become a ws stream handed
 * to the broker; upgrades to any other path are left to whoever else listens.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

export const MQTT_WS_PATH = '/mqtt';

export interface WebSocketAttachment {
  close(): Promise<void>;
}

/**
 * `maxPayload` bounds one WebSocket message; the MQTT packet limit is enforced by the caller's
 * handle (packet-limit.ts), since one message may carry several packets or part of one.
 */
export function attachWebSocket(server: Server, handle: (stream: Duplex, req: IncomingMessage) => void, maxPayload: number): WebSocketAttachment {
  // MQTT over WebSocket (MQTT 3.1.1 §6): subprotocol "mqtt"; ws picks the first one offered.
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== MQTT_WS_PATH) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      handle(stream, req);
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    close: () => new Promise<void>((resolve) => {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
  };
}
