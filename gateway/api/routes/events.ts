/**
 * Events and property changes over HTTP, at the hrefs the consumer TDs' forms give
 * (gateway/td/consumer-td.ts): SSE streams for one event, every event of a thing and one
 * observed property, and longpoll for one event. Any authenticated role may subscribe.
 * Limits come from config http.events; docs/api-events.md describes the wire format.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AffordanceNotFoundError, MethodNotAllowedError } from '../../../protocols/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { CURSOR_PATTERN, formatCursor, parseCursor, type EventCursor } from '../event-cursor.js';
import { EventFeed, latestCursor, type FeedItem, type FeedSpec } from '../event-feed.js';
import { LongpollCursors } from '../longpoll-cursors.js';
import { SseStream } from '../sse.js';
import { StreamRegistry } from '../stream-registry.js';

const idOnly = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] };
const idName = { type: 'object', properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } }, required: ['id', 'name'] };
const cursorHeaders = { type: 'object', properties: { 'last-event-id': { type: 'string', maxLength: 64 } } };
const cursorQuery = { type: 'object', properties: { after: { type: 'string', pattern: CURSOR_PATTERN } } };

/** How long a longpoll client's position is kept after its last poll, and how many are kept. */
const LONGPOLL_CURSOR_TTL_MS = 60_000;
const LONGPOLL_CURSOR_MAX = 4096;

/** Response header naming the cursor of a longpoll answer (send it back as `?after=`). */
export const EVENT_ID_HEADER = 'roost-event-id';

export async function eventRoutes(app: FastifyInstance, opts: RouteDeps): Promise<void> {
  const { hub } = opts;
  const limits = opts.config.http.events;
  const streams = new StreamRegistry(limits.maxStreams);
  const cursors = new LongpollCursors({ ttlMs: LONGPOLL_CURSOR_TTL_MS, maxEntries: LONGPOLL_CURSOR_MAX });
  opts.metricSources.push(() => streams.metrics());
  // An open stream would keep the server from closing: end them all first.
  app.addHook('preClose', async () => streams.endAll());

  /** Checks the caller, the thing and the affordance before anything is streamed (typed 404s). */
  const feedSpec = (req: FastifyRequest, kind: FeedSpec['kind']): FeedSpec => {
    opts.principal(req);
    const { id, name } = req.params as { id: string; name?: string };
    const td = hub.getThing(id).consumerTd;
    if (name === undefined) return { thingId: id, kind };
    const map = td[kind === 'event' ? 'events' : 'properties'] as Record<string, Record<string, unknown>> | undefined;
    const a = map?.[name];
    if (!a) throw new AffordanceNotFoundError(`thing ${id} has no ${kind} ${name}`);
    if (kind === 'property' && a['observable'] !== true) throw new MethodNotAllowedError(`property ${name} of ${id} is not observable`);
    return { thingId: id, kind, name };
  };

  const headOnly = (kind: FeedSpec['kind'], type: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    feedSpec(req, kind);
    return reply.type(type).send();
  };

  const longpollKey = (req: FastifyRequest) => LongpollCursors.key(req.headers.authorization ?? '', req.url.split('?')[0] ?? '');

  /** One SSE stream; `named` puts the affordance name in `event:` (the all-events stream). */
  const openSse = (req: FastifyRequest, reply: FastifyReply, kind: FeedSpec['kind'], named: boolean): void => {
    const spec = feedSpec(req, kind);
    const cursor = parseCursor((req.headers as { 'last-event-id'?: string })['last-event-id']);
    const slot = streams.acquire('sse');
    reply.hijack();
    // Assigned below; the stream can close (a client cut off) while the feed replays history.
    let feed: EventFeed | undefined = undefined;
    const stream = new SseStream(reply.raw, {
      heartbeatMs: limits.heartbeatMs,
      maxBufferedBytes: limits.maxBufferedBytes,
      drainTimeoutMs: limits.drainTimeoutMs,
      onCutOff: () => {
        streams.cutOff++;
        req.log.info({ thingId: spec.thingId, name: spec.name }, 'slow SSE client cut off');
      },
      onClose: () => {
        feed?.close();
        slot.release();
      },
    });
    slot.onEnd = () => stream.end();
    stream.start();
    feed = new EventFeed(hub, spec, {
      ...(cursor ? { cursor } : {}),
      maxReplay: limits.maxReplay,
      // False once the client is cut off or gone: a replay under way stops reading history.
      onItem: (it: FeedItem) => stream.send({ id: it.id, ...(named ? { event: it.name } : {}), data: JSON.stringify(it.data ?? null) }),
      onTruncated: () => stream.comment('replay truncated: older messages are not sent'),
      // A replay waits for the client to read (live messages never wait: they are cut off at maxBufferedBytes).
      backlog: { full: () => stream.backlogged, onceReady: (resume) => stream.onceDrained(resume) },
    });
    if (!stream.open) feed.close();
  };

  const sseRoute = (path: string, params: object, kind: FeedSpec['kind'], named: boolean) => {
    app.get(path, { exposeHeadRoute: false, schema: { params, headers: cursorHeaders } }, (req, reply) => openSse(req, reply, kind, named));
    app.head(path, { schema: { params } }, headOnly(kind, 'text/event-stream'));
  };
  sseRoute('/things/:id/events/:name', idName, 'event', false);
  sseRoute('/things/:id/events', idOnly, 'event', true);
  sseRoute('/things/:id/properties/:name/observe', idName, 'property', false);

  // Longpoll (the subprotocol node-wot uses by default): HEAD answers 2xx at once; each GET
  // answers the next event's data as JSON, or 204 when none came within longpollTimeoutMs.
  const longpollRoute = (longpollPath: string, kind: FeedSpec['kind']) => {
    // node-wot sends HEAD, then its first GET once HEAD has answered: the position at HEAD is kept
    // for that GET, so the events in between are not lost.
    app.head(longpollPath, { schema: { params: idName } }, async (req, reply) => {
      const spec = feedSpec(req, kind);
      const key = longpollKey(req);
      if (!cursors.get(key)) cursors.set(key, latestCursor(hub, spec));
      return reply.type('application/json').send();
    });
    app.get(longpollPath, { exposeHeadRoute: false, schema: { params: idName, querystring: cursorQuery, headers: cursorHeaders } }, (req, reply) => {
      const spec = feedSpec(req, kind);
      const key = longpollKey(req);
      const explicit = parseCursor((req.query as { after?: string }).after) ?? parseCursor((req.headers as { 'last-event-id'?: string })['last-event-id']);
      const cursor: EventCursor | undefined = explicit ?? cursors.get(key);
      const slot = streams.acquire('longpoll');
      return new Promise<FastifyReply>((resolve) => {
        let done = false;
        // Assigned below; the feed may answer from history while it is being made.
        let feed: EventFeed | undefined = undefined;
        const cleanUp = () => {
          done = true;
          clearTimeout(timer);
          feed?.close();
          slot.release();
        };
        // Answers false: one item is all a longpoll takes, so a replay under way stops there.
        const answer = (item?: FeedItem): false => {
          if (done) return false;
          cleanUp();
          const position = item ? parseCursor(item.id) : cursor;
          if (position) cursors.set(key, position);
          if (item) {
            resolve(reply.header(EVENT_ID_HEADER, item.id).type('application/json').send(JSON.stringify(item.data ?? null)));
          } else {
            if (cursor && cursor.k >= 0) void reply.header(EVENT_ID_HEADER, formatCursor(cursor));
            resolve(reply.code(204).send());
          }
          return false;
        };
        const timer = setTimeout(() => answer(), limits.longpollTimeoutMs);
        slot.onEnd = () => answer();
        reply.raw.once('close', () => {
          if (!done) cleanUp();
          resolve(reply);
        });
        feed = new EventFeed(hub, spec, { ...(cursor ? { cursor } : {}), maxReplay: limits.maxReplay, onItem: answer });
        if (done) feed.close();
      });
    });
  };
  longpollRoute('/things/:id/events/:name/longpoll', 'event');
  // The same for an observed property: its next value (node-wot's observeproperty over HTTP).
  longpollRoute('/things/:id/properties/:name/observe/longpoll', 'property');
}
