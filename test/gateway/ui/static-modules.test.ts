/**
 * The UI's pure browser modules run under Node as well (no DOM in them): SSE parsing and
 * reconnection, data schemas as editors, Link and metrics parsing, resume positions.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ApiClient } from '../../helpers/api-client.js';
import { startTestGateway } from '../../helpers/gateway.js';

type Msg = { id: string; event: string; data: string };
interface SseModule {
  createSseParser(onMessage: (m: Msg) => void): { push(chunk: string): void; lastId: string };
  openStream(path: string, opts: { onMessage(m: Msg): void; onState?(s: string, err?: { status?: number }): void; lastEventId?: string; minRetryMs?: number }): { close(): void; lastEventId: string };
}
interface SchemaModule {
  inputKind(schema: object): string;
  parseInput(kind: string, raw: unknown): unknown;
  exampleFromSchema(schema: object): unknown;
  describeSchema(schema: object): string;
  diffPatch(before: unknown, after: unknown): unknown;
  fieldKind(schema: object): string;
  parseList(itemSchema: object, raw: string): unknown[];
}
interface ApiModule {
  listThings(opts: { pageSize: number }): Promise<Array<{ id: string }>>;
}
interface FormatModule {
  bindingOf(id: string): string;
  parseLinks(header: string | null): Record<string, string>;
  parseMetrics(text: string): Record<string, number>;
  cursorTime(id: string): number | undefined;
  cursorAfter(rows: Array<{ ts: number }>): string | undefined;
  formatValue(v: unknown): string;
  formatDuration(s: unknown): string;
}

// Imported by URL: they are plain browser JavaScript, not part of the TypeScript program.
const load = <T>(name: string): Promise<T> => import(new URL(`../../../gateway/ui/static/${name}`, import.meta.url).href) as Promise<T>;
const sse = await load<SseModule>('sse.js');
const schema = await load<SchemaModule>('schema.js');
const format = await load<FormatModule>('format.js');
const api = await load<ApiModule>('api.js');

/** Messages parsed from `text` pushed in two chunks, cut at `cut`. */
function parseSplit(text: string, cut: number): { got: Msg[]; lastId: string } {
  const got: Msg[] = [];
  const p = sse.createSseParser((m) => got.push(m));
  p.push(text.slice(0, cut));
  p.push(text.slice(cut));
  return { got, lastId: p.lastId };
}

describe('SSE parser', () => {
  const stream = ': stream open\nid: 10-0\ndata: 1.5\n\nid: 10-1\nevent: button\ndata: "pressed"\n\n: heartbeat\n\ndata: a\ndata: b\n\n';
  const expected: Msg[] = [
    { id: '10-0', event: 'message', data: '1.5' },
    { id: '10-1', event: 'button', data: '"pressed"' },
    { id: '10-1', event: 'message', data: 'a\nb' },
  ];

  it('parses messages, names, multi-line data and comments, split at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { got, lastId } = parseSplit(stream, cut);
      assert.deepEqual(got, expected, `cut at ${cut}`);
      assert.equal(lastId, '10-1');
    }
  });

  it('takes CRLF and lone CR line ends, a CRLF split between chunks included', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    for (let cut = 0; cut <= crlf.length; cut++) assert.deepEqual(parseSplit(crlf, cut).got, expected, `cut at ${cut}`);
    assert.deepEqual(parseSplit(stream.replace(/\n/g, '\r'), 0).got, expected);
  });

  it('sends nothing for a message not yet ended by a blank line', () => {
    const got: Msg[] = [];
    sse.createSseParser((m) => got.push(m)).push('id: 1-0\ndata: x\n');
    assert.deepEqual(got, []);
  });
});

describe('SSE stream', () => {
  it('reconnects after the server ends the stream, sending Last-Event-ID, and stops for good on a 404', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      if (seen.length === 3) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"code":"ROOST_ERR_THING_NOT_FOUND","title":"gone"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const n = seen.length;
      res.end(`: stream open\nid: ${n}-0\ndata: ${n}\n\nid: ${n}-1\ndata: ${n + 0.5}\n\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/things/x/events`;
    const got: Msg[] = [];
    const states: string[] = [];
    let stream: { close(): void; lastEventId: string } | undefined;
    const failed = new Promise<number | undefined>((resolve) => {
      stream = sse.openStream(url, {
        lastEventId: '0-3', minRetryMs: 5, onMessage: (m) => got.push(m),
        onState: (s, err) => { states.push(s); if (s === 'failed') resolve(err?.status); },
      });
    });
    assert.equal(await failed, 404);
    stream!.close();
    server.close();
    assert.deepEqual(seen.map((h) => h['last-event-id']), ['0-3', '1-1', '2-1']);
    assert.equal(seen[0]!['accept'], 'text/event-stream');
    assert.deepEqual(got.map((m) => m.data), ['1', '1.5', '2', '2.5']);
    assert.deepEqual(states, ['open', 'retrying', 'open', 'retrying', 'failed']);
    assert.equal(stream!.lastEventId, '2-1');
  });
});

describe('directory listing', () => {
  it('follows Link rel="next" through every page of a real gateway, with the session token', async () => {
    const gw = await startTestGateway();
    const realFetch = globalThis.fetch;
    const store = new Map<string, string>();
    const g = globalThis as unknown as Record<string, unknown>;
    try {
      const admin = await ApiClient.login(gw.httpUrl!);
      for (const n of [1, 2, 3, 4]) {
        const td = { '@context': 'https://www.w3.org/2022/wot/td/v1.1', title: `clock ${n}`, securityDefinitions: { nosec: { scheme: 'nosec' } }, security: 'nosec' };
        assert.equal((await admin.send('PUT', `/things/urn:example:clock-${n}`, td, 'application/td+json')).status, 201);
      }
      // The browser's relative URLs and sessionStorage, as the page has them.
      g['sessionStorage'] = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v), removeItem: (k: string) => store.delete(k) };
      store.set('roost.session', JSON.stringify({ token: admin.bearer, username: 'admin', role: 'admin' }));
      const pages: string[] = [];
      globalThis.fetch = (input, init) => {
        pages.push(String(input));
        return realFetch(new URL(String(input), gw.httpUrl), init);
      };
      const things = await api.listThings({ pageSize: 2 });
      assert.deepEqual(things.map((t) => t.id).sort(), ['urn:example:clock-1', 'urn:example:clock-2', 'urn:example:clock-3', 'urn:example:clock-4', 'urn:roost:system:gateway']);
      assert.deepEqual(pages, ['/things?limit=2', '/things?offset=2&limit=2', '/things?offset=4&limit=2']);
    } finally {
      globalThis.fetch = realFetch;
      delete g['sessionStorage'];
      await gw.stop();
    }
  });
});

describe('data schemas as editors', () => {
  it('chooses the input by type and enum', () => {
    assert.equal(schema.inputKind({ type: 'boolean' }), 'boolean');
    assert.equal(schema.inputKind({ type: 'integer', minimum: 0 }), 'integer');
    assert.equal(schema.inputKind({ type: 'number' }), 'number');
    assert.equal(schema.inputKind({ type: 'string', enum: ['on', 'off'] }), 'enum');
    assert.equal(schema.inputKind({ type: 'string' }), 'string');
    assert.equal(schema.inputKind({ type: 'object' }), 'json');
    assert.equal(schema.inputKind({}), 'json');
  });

  it('turns typed text into values and refuses what is not one', () => {
    assert.equal(schema.parseInput('integer', ' 42 '), 42);
    assert.equal(schema.parseInput('number', '-1.5'), -1.5);
    assert.equal(schema.parseInput('boolean', true), true);
    assert.deepEqual(schema.parseInput('json', '{"a":[1]}'), { a: [1] });
    assert.equal(schema.parseInput('string', '12'), '12');
    assert.throws(() => schema.parseInput('integer', '1.5'), /whole number/);
    assert.throws(() => schema.parseInput('number', ''), /enter a number/);
    assert.throws(() => schema.parseInput('json', '{'), /not JSON/);
  });

  it('prefills an action input from its schema', () => {
    assert.deepEqual(schema.exampleFromSchema({ type: 'object', properties: { times: { type: 'integer', minimum: 1 } }, required: ['times'] }), { times: 1 });
    assert.deepEqual(schema.exampleFromSchema({
      type: 'object',
      properties: { mode: { type: 'string', enum: ['eco', 'boost'] }, level: { type: 'number', default: 0.5 }, on: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' }, minItems: 2 } },
    }), { mode: 'eco', level: 0.5, on: false, tags: ['', ''] });
    assert.equal(schema.exampleFromSchema({ type: 'integer', maximum: -3 }), -3);
    assert.equal(schema.exampleFromSchema({ const: 7 }), 7);
    assert.equal(schema.describeSchema({ type: 'integer', minimum: 0, maximum: 100, unit: '%' }), 'integer 0…100 %');
  });
});

describe('options schemas as forms', () => {
  it('sends only what changed as a merge patch: null removes, arrays go whole, nothing changed is undefined', () => {
    const before = { enabled: false, port: '/dev/ttyACM0', ports: [{ path: '/a' }], adapter: { driver: 'hci', hciDeviceId: 1 } };
    assert.deepEqual(schema.diffPatch(before, { enabled: true, ports: [{ path: '/a' }, { path: '/b', baudRate: undefined }], adapter: { driver: 'hci' } }),
      { enabled: true, port: null, ports: [{ path: '/a' }, { path: '/b', baudRate: undefined }], adapter: { hciDeviceId: null } });
    assert.equal(schema.diffPatch(before, structuredClone(before)), undefined);
    assert.deepEqual(schema.diffPatch({}, { channel: 11, panId: undefined }), { channel: 11 });
    assert.equal(schema.diffPatch({ list: [0, 3] }, { list: [0, 3] }), undefined);
    assert.deepEqual(schema.diffPatch({ list: [0, 3] }, { list: [3, 0] }), { list: [3, 0] });
  });

  it('chooses a field by schema, the serial, Zigbee and BLE options\' shapes among them', () => {
    const cases: Array<[object, string]> = [
      [{ type: 'array', items: { type: 'object', required: ['path'], properties: { path: { type: 'string' } } } }, 'objects'],
      [{ type: 'array', items: { enum: [0, 1, 2, 3] } }, 'list'],
      [{ type: 'array', items: { type: 'string' } }, 'list'],
      [{ type: 'array', items: { type: 'array' } }, 'json'],
      [{ type: 'object', properties: { driver: { enum: ['hci', 'uart'] } } }, 'object'],
      [{ type: 'object', additionalProperties: { type: 'string' } }, 'json'],
      [{ enum: [5, 6, 7, 8] }, 'enum'],
      [{ type: 'string', enum: ['zstack', 'ember'] }, 'enum'],
      [{ type: 'integer', minimum: 1 }, 'integer'],
      [{ type: 'boolean' }, 'boolean'],
    ];
    for (const [s, kind] of cases) assert.equal(schema.fieldKind(s), kind, JSON.stringify(s));
  });

  it('reads a comma-separated list by its items\' schema', () => {
    assert.deepEqual(schema.parseList({ enum: [0, 1, 2, 3] }, '0, 3'), [0, 3]);
    assert.deepEqual(schema.parseList({ type: 'string' }, 'gw.local, 10.0.0.2'), ['gw.local', '10.0.0.2']);
    assert.deepEqual(schema.parseList({ type: 'integer' }, ' '), []);
    assert.throws(() => schema.parseList({ type: 'integer' }, '1, x'), /enter a number/);
  });
});

describe('format helpers', () => {
  it('reads the binding from a thing id', () => {
    assert.equal(format.bindingOf('urn:roost:coap:lamp-0'), 'coap');
    assert.equal(format.bindingOf('urn:example:clock'), 'directory');
  });

  it('parses the directory Link header', () => {
    assert.deepEqual(format.parseLinks('</things>; rel="canonical", </things?offset=2&limit=2>; rel="next"'), { canonical: '/things', next: '/things?offset=2&limit=2' });
    assert.deepEqual(format.parseLinks(null), {});
  });

  it('parses Prometheus text', () => {
    const m = format.parseMetrics('# HELP x y\n# TYPE x counter\nroost_things 3\nroost_http_event_streams{kind="sse"} 2\n\n');
    assert.deepEqual(m, { roost_things: 3, 'roost_http_event_streams{kind="sse"}': 2 });
  });

  it('finds the resume position after the newest history rows', () => {
    assert.equal(format.cursorAfter([{ ts: 20 }, { ts: 20 }, { ts: 10 }]), '20-1');
    assert.equal(format.cursorAfter([]), undefined);
    assert.equal(format.cursorTime('1700000000000-3'), 1700000000000);
    assert.equal(format.cursorTime('x'), undefined);
    assert.equal(format.formatValue({ a: 1 }), '{"a":1}');
    assert.equal(format.formatValue('on'), 'on');
    assert.equal(format.formatValue(19.520926453739367), '19.520926');
    assert.equal(format.formatValue([1.49, 123456789]), '[1.49,123456789]');
  });

  it('writes an uptime as its two largest units', () => {
    assert.equal(format.formatDuration(42), '42 s');
    assert.equal(format.formatDuration(303), '5 min 3 s');
    assert.equal(format.formatDuration(3 * 86400 + 4 * 3600 + 59), '3 d 4 h');
    assert.equal(format.formatDuration(0), '0 s');
    assert.equal(format.formatDuration(null), '–');
  });
});
