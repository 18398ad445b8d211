import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseLinkFormat } from '../../../protocols/link-format/link-format.js';
import {
  BUILTIN_OBJECTS,
  decodeLwm2mCbor,
  decodeLwm2mSenml,
  decodeTlvValues,
  encodeLwm2mSenmlCbor,
  modelsOf,
  parseRegister,
} from '../../../protocols/lwm2m/index.js';
import { FW_RESULT, FW_STATE, Lwm2mClient, simFirmwarePackage } from '../../../firmware-sim/lwm2m/index.js';
import { ServerPeer, u, uintOf, type Addr } from './server-peer.js';

const models = modelsOf(BUILTIN_OBJECTS);
const CF = { option: (n: number) => ({ name: 'Content-Format' as const, value: u(n) }), accept: (n: number) => ({ name: 'Accept' as const, value: u(n) }) };

describe('firmware-sim LwM2M client over UDP', () => {
  const server = new ServerPeer();
  let client: Lwm2mClient;
  let dev: Addr;

  before(async () => {
    const addr = await server.open();
    client = new Lwm2mClient({ server: addr, endpoint: 'urn:imei:123456789012345', lifetimeS: 300, ackTimeoutMs: 300 });
    await client.register();
    dev = await client.address;
  });
  after(() => {
    client.close();
    server.close();
  });

  it('registers with its endpoint, version, binding, lifetime and objects', () => {
    const [reg] = server.registrations;
    assert.deepEqual(reg!.query, ['ep=urn:imei:123456789012345', 'lt=300', 'lwm2m=1.1', 'b=U']);
    const parsed = parseRegister(reg!.query, reg!.body);
    assert.deepEqual(
      parsed.objects.map((o) => [o.objectId, o.instances]),
      [[1, [0]], [3, [0]], [5, [0]], [3303, [0]], [3311, [0]]],
    );
    assert.deepEqual(parsed.objects.map((o) => o.version), ['1.2', '1.2', '1.2', '1.1', '1.0']);
    assert.deepEqual(parsed.contentFormats, [112]);
    assert.deepEqual(client.location, ['rd', 'r1']);
    assert.deepEqual(reg!.from, dev);
  });

  it('Read: a single resource as plain text, an instance in SenML CBOR, TLV or LwM2M CBOR on request', async () => {
    const text = await server.request(dev, { method: 'GET', path: '/3303/0/5700' });
    assert.deepEqual([text.code, uintOf(text, 'Content-Format'), text.payload.toString()], ['2.05', 0, '21.5']);
    const senml = await server.request(dev, { method: 'GET', path: '/3303/0' });
    assert.equal(uintOf(senml, 'Content-Format'), 112);
    assert.deepEqual(decodeLwm2mSenml(112, senml.payload, [3303, 0], models), [
      { path: '/3303/0/5601', value: 21.5 },
      { path: '/3303/0/5602', value: 21.5 },
      { path: '/3303/0/5700', value: 21.5 },
      { path: '/3303/0/5701', value: 'Cel' },
    ]);
    const tlv = await server.request(dev, { method: 'GET', path: '/3/0', options: [CF.accept(11542)] });
    const device = decodeTlvValues(tlv.payload, [3, 0], models);
    assert.deepEqual(device.find((v) => v.path === '/3/0/3')?.value, '1.0.0');
    assert.deepEqual(device.filter((v) => v.path.startsWith('/3/0/6/')).map((v) => v.value), [1, 5]);
    const cbor = await server.request(dev, { method: 'GET', path: '/3311/0/5850', options: [CF.accept(11544)] });
    assert.deepEqual(decodeLwm2mCbor(cbor.payload, [3311], models), [{ path: '/3311/0/5850', value: false }]);
  });

  it('Read errors: 4.06 for text of an instance, 4.05 for an executable, 4.04 for what is absent', async () => {
    assert.equal((await server.request(dev, { method: 'GET', path: '/3303/0', options: [CF.accept(0)] })).code, '4.06');
    assert.equal((await server.request(dev, { method: 'GET', path: '/3/0/4' })).code, '4.05');
    assert.equal((await server.request(dev, { method: 'GET', path: '/3304/0' })).code, '4.04');
    assert.equal((await server.request(dev, { method: 'GET', path: '/3303/7' })).code, '4.04');
  });

  it('Write: replace a resource (PUT, text), partial update of an instance (POST, SenML CBOR), refusals', async () => {
    const put = await server.request(dev, { method: 'PUT', path: '/3311/0/5850', options: [CF.option(0)], payload: Buffer.from('1') });
    assert.equal(put.code, '2.04');
    assert.equal(client.store.get('/3311/0/5850'), true);
    const body = encodeLwm2mSenmlCbor([{ path: '/3311/0/5851', value: 40 }, { path: '/3311/0/5706', value: 'warm white' }], [3311, 0], models);
    const post = await server.request(dev, { method: 'POST', path: '/3311/0', options: [CF.option(112)], payload: body });
    assert.equal(post.code, '2.04');
    assert.deepEqual([client.store.get('/3311/0/5851'), client.store.get('/3311/0/5706'), client.store.get('/3311/0/5850')], [40, 'warm white', true]);
    assert.equal((await server.request(dev, { method: 'PUT', path: '/3303/0/5700', options: [CF.option(0)], payload: Buffer.from('30') })).code, '4.05');
    assert.equal((await server.request(dev, { method: 'PUT', path: '/3311/0/5851', options: [CF.option(0)], payload: Buffer.from('dim') })).code, '4.00');
    assert.equal((await server.request(dev, { method: 'PUT', path: '/3311/0/5851', options: [CF.option(11543)], payload: Buffer.from('{}') })).code, '4.15');
  });

  it('Execute runs once when the server retransmits the same message (device-side dedupe)', async () => {
    const { bytes, token } = server.build({ method: 'POST', path: '/3/0/4', messageId: 4242 });
    const first = server.waitFor(token);
    server.sendRaw(bytes, dev);
    assert.equal((await first).code, '2.04');
    const again = server.waitFor(token);
    server.sendRaw(bytes, dev);
    const second = await again;
    assert.equal(second.code, '2.04');
    assert.equal(second.messageId, 4242);
    assert.equal(client.reboots, 1);
    assert.equal(client.peer.duplicates, 1);
    assert.equal((await server.request(dev, { method: 'POST', path: '/3303/0/5700' })).code, '4.05');
  });

  it('Observe and Cancel: notifications on change, none after cancelling', async () => {
    const token = u(0xabc001);
    const first = await server.request(dev, { method: 'GET', path: '/3303/0/5700', token, options: [{ name: 'Observe', value: u(0) }] });
    assert.equal(first.code, '2.05');
    assert.notEqual(uintOf(first, 'Observe'), undefined);
    client.setTemperature(23.25);
    await server.until(() => server.notifications.some((n) => n.token.equals(token) && n.payload.toString() === '23.25'));
    const cancel = await server.request(dev, { method: 'GET', path: '/3303/0/5700', token, options: [{ name: 'Observe', value: u(1) }] });
    assert.equal(cancel.payload.toString(), '23.25');
    const seen = server.notifications.length;
    client.setTemperature(24);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.notifications.length, seen);
    assert.equal(client.observations.observers.length, 0);
  });

  it('Write-Attributes and Discover: pmax makes periodic notifications, attributes show in the links', async () => {
    const wa = await server.request(dev, { method: 'PUT', path: '/3303/0/5700', query: ['pmin=0', 'pmax=1'] });
    assert.equal(wa.code, '2.04');
    assert.equal((await server.request(dev, { method: 'PUT', path: '/3303/0/5700', query: ['pmin=5', 'pmax=1'] })).code, '4.00');
    assert.equal((await server.request(dev, { method: 'PUT', path: '/3303/0', query: ['speed=3'] })).code, '4.00');
    const disc = await server.request(dev, { method: 'GET', path: '/3303/0', options: [CF.accept(40)] });
    assert.equal(uintOf(disc, 'Content-Format'), 40);
    const links = parseLinkFormat(disc.payload.toString());
    assert.deepEqual(links.map((l) => l.href), ['/3303/0', '/3303/0/5601', '/3303/0/5602', '/3303/0/5605', '/3303/0/5700', '/3303/0/5701']);
    assert.deepEqual(links.find((l) => l.href === '/3303/0/5700')!.attrs, { pmin: '0', pmax: '1' });
    const objectLevel = parseLinkFormat((await server.request(dev, { method: 'GET', path: '/3', options: [CF.accept(40)] })).payload.toString());
    assert.deepEqual(objectLevel.find((l) => l.href === '/3/0/6')!.attrs, { dim: '2' });
    const token = u(0xabc002);
    await server.request(dev, { method: 'GET', path: '/3303/0/5700', token, options: [{ name: 'Observe', value: u(0) }] });
    const t0 = Date.now();
    await server.until(() => server.notifications.filter((n) => n.token.equals(token)).length >= 1, 2500);
    assert.ok(Date.now() - t0 >= 800, 'pmax notification came after about 1 s');
    await server.request(dev, { method: 'GET', path: '/3303/0/5700', token, options: [{ name: 'Observe', value: u(1) }] });
    await server.request(dev, { method: 'PUT', path: '/3303/0/5700', query: ['pmin', 'pmax'] });
  });

  it('Read-Composite: FETCH with SenML JSON names, answered in SenML JSON', async () => {
    const names = Buffer.from('[{"n":"/3303/0/5700"},{"n":"/3/0/9"},{"bn":"/3311/0/","n":"5850"}]');
    const res = await server.request(dev, { method: 'FETCH', path: '/', options: [CF.option(110)], payload: names });
    assert.equal(res.code, '2.05');
    assert.equal(uintOf(res, 'Content-Format'), 110);
    assert.deepEqual(decodeLwm2mSenml(110, res.payload, [], models), [
      { path: '/3303/0/5700', value: 24 },
      { path: '/3/0/9', value: 95 },
      { path: '/3311/0/5850', value: true },
    ]);
  });

  it('Send posts SenML CBOR to /dp; Update and De-register reach the location', async () => {
    assert.equal(await client.send(['/3303/0/5700', '/3311/0']), '2.04');
    const sent = server.sends.at(-1)!;
    assert.equal(sent.contentFormat, 112);
    const values = decodeLwm2mSenml(112, sent.payload, [], models);
    assert.deepEqual(values.map((v) => [v.path, v.value]), [['/3303/0/5700', 24], ['/3311/0/5706', 'warm white'], ['/3311/0/5850', true], ['/3311/0/5851', 40]]);
    assert.ok(values.every((v) => typeof v.time === 'number' && Math.abs(v.time - Date.now() / 1000) < 5));
    assert.equal(await client.update(120), '2.04');
    assert.deepEqual(server.updates.at(-1), { path: 'rd/r1', query: ['lt=120'] });
  });

  it('Firmware push: Package by Block1 (Downloading -> Downloaded), Update, new version in /3/0/3', async () => {
    const pkg = simFirmwarePackage('2.0.0', 300);
    const states: number[] = [];
    for (let num = 0; num * 64 < pkg.length; num++) {
      const more = (num + 1) * 64 < pkg.length;
      const res = await server.request(dev, {
        method: 'PUT',
        path: '/5/0/0',
        options: [CF.option(42), { name: 'Block1', value: u((num << 4) | (more ? 8 : 0) | 2) }],
        payload: pkg.subarray(num * 64, num * 64 + 64),
      });
      assert.equal(res.code, more ? '2.31' : '2.04');
      states.push(client.store.get('/5/0/3') as number);
    }
    assert.equal(states[0], FW_STATE.DOWNLOADING);
    assert.equal(states.at(-1), FW_STATE.DOWNLOADED);
    assert.equal(client.store.get('/5/0/7'), '2.0.0');
    const updatesBefore = server.updates.length;
    assert.equal((await server.request(dev, { method: 'POST', path: '/5/0/2' })).code, '2.04');
    assert.equal(client.store.get('/5/0/3'), FW_STATE.UPDATING);
    await server.until(() => client.store.get('/5/0/3') === FW_STATE.IDLE);
    assert.equal(client.store.get('/5/0/5'), FW_RESULT.SUCCESS);
    assert.equal((await server.request(dev, { method: 'GET', path: '/3/0/3' })).payload.toString(), '2.0.0');
    // After installing, the device tells the server with an Update.
    await server.until(() => server.updates.length > updatesBefore);
    // Update is only executable when Downloaded.
    assert.equal((await server.request(dev, { method: 'POST', path: '/5/0/2' })).code, '4.05');
  });

  it('Firmware push: a block out of order is 4.08, a package of the wrong kind ends with result 6', async () => {
    const stray = await server.request(dev, { method: 'PUT', path: '/5/0/0', options: [CF.option(42), { name: 'Block1', value: u((3 << 4) | 8 | 2) }], payload: Buffer.alloc(64) });
    assert.equal(stray.code, '4.08');
    const res = await server.request(dev, { method: 'PUT', path: '/5/0/0', options: [CF.option(42)], payload: Buffer.from('not a firmware') });
    assert.equal(res.code, '2.04');
    assert.deepEqual([client.store.get('/5/0/3'), client.store.get('/5/0/5')], [FW_STATE.IDLE, FW_RESULT.UNSUPPORTED_TYPE]);
  });

  it('Firmware pull: Package URI fetched with Block2 GETs, then Update', async () => {
    server.files.set('pkg3', simFirmwarePackage('3.1.0', 1000));
    const uri = `coap://127.0.0.1:${server.addr.port}/fw/pkg3`;
    const res = await server.request(dev, { method: 'PUT', path: '/5/0/1', options: [CF.option(0)], payload: Buffer.from(uri) });
    assert.equal(res.code, '2.04');
    await server.until(() => client.store.get('/5/0/3') === FW_STATE.DOWNLOADED);
    assert.ok(server.blockRequests.length >= 16, `${server.blockRequests.length} blocks`);
    assert.equal((await server.request(dev, { method: 'POST', path: '/5/0/2' })).code, '2.04');
    await server.until(() => client.store.get('/3/0/3') === '3.1.0');
    assert.equal(client.store.get('/5/0/5'), FW_RESULT.SUCCESS);
  });

  it('Firmware pull: an http URI is result 9, a missing file result 4 (connection lost)', async () => {
    await server.request(dev, { method: 'PUT', path: '/5/0/1', options: [CF.option(0)], payload: Buffer.from('http://example.org/fw.bin') });
    assert.deepEqual([client.store.get('/5/0/3'), client.store.get('/5/0/5')], [FW_STATE.IDLE, FW_RESULT.UNSUPPORTED_PROTOCOL]);
    await server.request(dev, { method: 'PUT', path: '/5/0/1', options: [CF.option(0)], payload: Buffer.from(`coap://127.0.0.1:${server.addr.port}/fw/missing`) });
    await server.until(() => client.store.get('/5/0/5') === FW_RESULT.CONNECTION_LOST);
    assert.equal(client.store.get('/5/0/3'), FW_STATE.IDLE);
  });

  it('De-register deletes the registration', async () => {
    assert.equal(await client.deregister(), '2.02');
    assert.deepEqual(server.deregistrations, ['rd/r1']);
  });
});

describe('firmware-sim LwM2M client in Queue Mode', () => {
  it('answers during the awake window after an uplink, ignores requests while asleep, wakes with Update', async () => {
    const server = new ServerPeer();
    const addr = await server.open();
    const client = new Lwm2mClient({ server: addr, endpoint: 'sleepy-1', queueMode: true, awakeMs: 300, ackTimeoutMs: 300 });
    try {
      await client.register();
      const dev = await client.address;
      assert.ok(server.registrations[0]!.query.includes('Q'));
      assert.equal((await server.request(dev, { method: 'GET', path: '/3/0/16' })).payload.toString(), 'UQ');
      await new Promise((r) => setTimeout(r, 450));
      assert.equal(client.asleep, true);
      await assert.rejects(server.request(dev, { method: 'GET', path: '/3303/0/5700' }, 300), /no response/);
      assert.ok(client.peer.droppedWhileAsleep >= 1);
      await client.update();
      assert.equal(client.asleep, false);
      assert.equal((await server.request(dev, { method: 'GET', path: '/3303/0/5700' })).code, '2.05');
    } finally {
      client.close();
      server.close();
    }
  });
});
