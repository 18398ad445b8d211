import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { after, describe, it } from 'node:test';
import { ConnectionLimits, limitConnections, sourceKey } from '../../../gateway/net/connection-limits.js';
import { makeSelfSigned } from '../../../gateway/tls/self-signed.js';
import { until } from '../../helpers/until.js';

describe('sourceKey', () => {
  it('counts an IPv4 address as itself, and an IPv4-mapped IPv6 address as the same', () => {
    assert.equal(sourceKey('192.0.2.7'), '192.0.2.7');
    assert.equal(sourceKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(sourceKey('::FFFF:192.0.2.7'), '192.0.2.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const k = '2001:db8:0:1::/64';
    for (const a of ['2001:db8:0:1::1', '2001:db8::1:0:0:0:2', '2001:0db8:0000:0001:ffff:ffff:ffff:ffff', '2001:DB8:0:1:a:b:c:d']) assert.equal(sourceKey(a), k, a);
    assert.notEqual(sourceKey('2001:db8:0:2::1'), k);
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    assert.equal(sourceKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(sourceKey('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
  });

  it('puts connections without an address under one key', () => {
    assert.equal(sourceKey(undefined), '');
    assert.equal(sourceKey(''), '');
  });
});

describe('ConnectionLimits', () => {
  it('refuses beyond the per-source bound, other sources still admitted, and counts each refusal', () => {
    const l = new ConnectionLimits({ maxConnections: 0, maxConnectionsPerSource: 2 });
    assert.equal(l.admit('10.0.0.1'), null);
    assert.equal(l.admit('::ffff:10.0.0.1'), null);
    assert.equal(l.admit('10.0.0.1'), 'per-source');
    assert.equal(l.admit('10.0.0.2'), null);
    assert.equal(l.admit('2001:db8::1'), null);
    assert.equal(l.admit('2001:db8::2'), null);
    assert.equal(l.admit('2001:db8::3'), 'per-source');
    assert.deepEqual(l.refused, { total: 0, 'per-source': 2 });
    assert.equal(l.open, 5);
    assert.equal(l.openFrom('10.0.0.1'), 2);
    l.release('10.0.0.1');
    assert.equal(l.admit('10.0.0.1'), null);
  });

  it('refuses beyond the total bound whatever the source, and gives slots back on release', () => {
    const l = new ConnectionLimits({ maxConnections: 3, maxConnectionsPerSource: 0 });
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) assert.equal(l.admit(a), null);
    assert.equal(l.admit('10.0.0.4'), 'total');
    l.release('10.0.0.2');
    assert.equal(l.open, 2);
    assert.equal(l.admit('10.0.0.4'), null);
    assert.equal(l.refused.total, 1);
    assert.equal(l.accepted, 4);
  });

  it('ignores a release of a source it holds nothing for (the count never goes below zero)', () => {
    const l = new ConnectionLimits({ maxConnections: 1, maxConnectionsPerSource: 1 });
    l.release('10.0.0.9');
    assert.equal(l.open, 0);
    assert.equal(l.admit('10.0.0.1'), null);
    assert.equal(l.admit('10.0.0.2'), 'total');
  });

  it('gives /metrics its open gauge and refusals by reason', () => {
    const l = new ConnectionLimits({ maxConnections: 1, maxConnectionsPerSource: 1 });
    l.admit('10.0.0.1');
    l.admit('10.0.0.1');
    const m = l.metrics('mqtt');
    assert.deepEqual(m.map((s) => [s.name, s.labels, s.value]), [
      ['roost_connections_open', { service: 'mqtt' }, 1],
      ['roost_connections_refused_total', { service: 'mqtt', reason: 'total' }, 1],
      ['roost_connections_refused_total', { service: 'mqtt', reason: 'per-source' }, 0],
    ]);
  });
});

/**
 * Opens a TCP connection; resolves once it is established or has ended, with how it ended
 * (`ECONNRESET` for a reset, which can come before or after the client saw the connect).
 */
function open(port: number): Promise<{ socket: Socket; ended: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const ended = new Promise<string>((r) => {
      socket.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message));
      socket.on('close', () => r('closed'));
    });
    socket.once('connect', () => resolve({ socket, ended }));
    socket.once('error', () => resolve({ socket, ended }));
  });
}

describe('limitConnections on real listeners', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  after(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('resets a connection over the bound before the server sees it; a closed one frees its slot', async () => {
    const limits = new ConnectionLimits({ maxConnections: 0, maxConnectionsPerSource: 2 });
    const refusals: string[] = [];
    let seen = 0;
    const server = createServer((s) => { seen++; sockets.push(s); });
    limitConnections(server, limits, (reason, address) => refusals.push(`${reason} ${address}`));
    const port = await listen(server);
    const a = await open(port);
    const b = await open(port);
    sockets.push(a.socket, b.socket);
    await until('two connections reached the server', () => seen === 2, 5000);
    const c = await open(port);
    assert.equal(await c.ended, 'ECONNRESET');
    assert.equal(seen, 2, 'the refused connection never reached the server');
    assert.deepEqual(refusals, ['per-source 127.0.0.1']);
    a.socket.destroy();
    await until('the closed connection gave its slot back', () => limits.open === 1, 5000);
    const d = await open(port);
    sockets.push(d.socket);
    await until('a new connection is admitted', () => seen === 3, 5000);
  });

  it('on a TLS server, refuses before the handshake and counts TLS connections until they close', async () => {
    const { keyPem: key, certPem: cert } = await makeSelfSigned('limits.test', { dns: ['localhost'], ip: ['127.0.0.1'] }, 1);
    const limits = new ConnectionLimits({ maxConnections: 1, maxConnectionsPerSource: 0 });
    let handshakes = 0;
    const server = createTlsServer({ key, cert }, (s) => { handshakes++; s.end('hello'); });
    limitConnections(server, limits);
    const port = await listen(server);
    const hello = (): Promise<string> => new Promise((resolve) => {
      const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      let text = '';
      s.on('data', (d: Buffer) => { text += d.toString(); });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.on('close', () => resolve(text));
    });
    const held = await open(port);
    sockets.push(held.socket);
    await until('the raw connection holds the one slot', () => limits.open === 1, 5000);
    assert.equal(await hello(), 'ECONNRESET');
    assert.equal(handshakes, 0);
    held.socket.destroy();
    await until('slot given back', () => limits.open === 0, 5000);
    assert.equal(await hello(), 'hello');
    await until('the TLS connection gave its slot back when it closed', () => limits.open === 0, 5000);
    assert.equal(limits.refused.total, 1);
  });
});
