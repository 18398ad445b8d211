import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signDeviceToken } from '../../../gateway/ingest/device-tokens.js';
import { IngestBinding } from '../../../gateway/ingest/ingest-binding.js';
import { injectRig, type InjectRig } from '../api/inject-rig.js';

const DEVICE = 'urn:roost:ingest:gw-7';
/** The TUM iotplatform README's request shape: an array of readings, ms and s timestamps. */
const SAMPLE = [
  { sensor_id: 1, timestamp: 1563279231000, value: 23.5 },
  { sensor_id: 2, timestamp: 1563279231, value: 41 },
];

describe('TUM-style device ingest over HTTP', () => {
  let rig: InjectRig;
  let ingest: IngestBinding;
  let token: string;
  const post = (body: unknown, authorization?: string) =>
    rig.app.inject({ method: 'POST', url: '/ingest', payload: body as object, headers: authorization === undefined ? {} : { authorization } });

  before(async () => {
    ingest = new IngestBinding();
    rig = await injectRig([ingest], { onboarding: { defaultPolicy: 'approve' } });
    const res = await rig.request({ method: 'POST', url: `/devices/${DEVICE}/token`, payload: { name: 'roof gateway' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { token: string; id: string; deviceId: string; scope: string };
    assert.equal(body.id, DEVICE);
    assert.equal(body.deviceId, 'gw-7');
    assert.equal(body.scope, 'ingest');
    token = body.token;
    assert.equal(rig.hub.onboarding.admission('ingest', 'gw-7').state, 'approved', 'issuing a token approves the device');
  });
  after(() => rig.close());

  it('answers 200 once stored; each sensor becomes a property; seconds and milliseconds both taken', async () => {
    const res = await post(SAMPLE, `Bearer ${token}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { stored: 2, id: DEVICE });
    const td = rig.hub.getThing(DEVICE).nativeTd as unknown as { properties: Record<string, { type: string; readOnly: boolean }> };
    assert.deepEqual(Object.keys(td.properties).sort(), ['1', '2']);
    assert.equal(td.properties['1']?.type, 'number');
    assert.deepEqual(rig.hub.readProperty(DEVICE, '1'), { value: 23.5, ts: 1563279231000, source: 'ingest' });
    assert.deepEqual(rig.hub.readProperty(DEVICE, '2'), { value: 41, ts: 1563279231000, source: 'ingest' });
    // Committed before the 200: the rows are in SQLite, not only in the batch.
    const rows = rig.db.prepare('SELECT COUNT(*) FROM history WHERE thing_id = ?').pluck().get(DEVICE) as number;
    assert.equal(rows, 2);
  });

  it('takes one object as well, and a new sensor extends the TD', async () => {
    const res = await post({ sensor_id: 'humidity', timestamp: 1563279300, value: 55 }, `bearer ${token}`);
    assert.equal(res.statusCode, 200, res.body);
    const td = rig.hub.getThing(DEVICE).nativeTd as unknown as { properties: Record<string, unknown> };
    assert.deepEqual(Object.keys(td.properties).sort(), ['1', '2', 'humidity']);
    const consumer = JSON.stringify(rig.hub.getThing(DEVICE).consumerTd);
    assert.ok(consumer.includes('/things/urn%3Aroost%3Aingest%3Agw-7/properties/humidity'), 'the consumer TD has a form for the new sensor');
  });

  it('401 when the authorization header is missing or malformed', async () => {
    for (const header of [undefined, '', 'Bearer', `Token ${token}`, `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${token} extra`]) {
      const res = await post(SAMPLE, header);
      assert.equal(res.statusCode, 401, `header ${String(header)}: ${res.body}`);
      assert.equal((res.json() as { code: string }).code, 'ROOST_ERR_UNAUTHENTICATED');
    }
  });

  it('403 when the token does not verify, is expired, is a user token or its device is unknown', async () => {
    const secret = Buffer.from(rig.hub.historyStore.loadState('ingest').get('secret') as string, 'hex');
    const expired = (await signDeviceToken(secret, { deviceId: 'gw-7', gen: 1 }, Date.now() - 3_600_000, 60)).token;
    const unknown = (await signDeviceToken(secret, { deviceId: 'gw-nobody', gen: 1 }, Date.now(), 600)).token;
    const foreign = (await signDeviceToken(Buffer.alloc(32, 7), { deviceId: 'gw-7', gen: 1 }, Date.now(), 600)).token;
    const [head, payload] = token.split('.') as [string, string, string];
    const tampered = `${head}.${payload}.${'A'.repeat(43)}`;
    const userToken = rig.auth['authorization']!.slice('Bearer '.length);
    for (const [why, t] of Object.entries({ garbage: 'not-a-jwt', expired, unknown, foreign, tampered, userToken })) {
      const res = await post(SAMPLE, `Bearer ${t}`);
      assert.equal(res.statusCode, 403, `${why}: ${res.body}`);
      assert.equal((res.json() as { code: string }).code, 'ROOST_ERR_FORBIDDEN', why);
    }
    const before = ingest.status().counters;
    assert.ok((before['refusedForbidden'] ?? 0) >= 6);
  });

  it('400 for bad readings, and nothing of the request is stored', async () => {
    const rowsBefore = rig.db.prepare('SELECT COUNT(*) FROM history').pluck().get() as number;
    const bad: unknown[] = [
      [],
      [{ sensor_id: 1, timestamp: 1563279231000 }],
      [{ sensor_id: 1, timestamp: 'yesterday', value: 1 }],
      [{ sensor_id: 3, timestamp: 1563279231000, value: 1 }, { sensor_id: 1, timestamp: 1563279231000, value: 'warm' }],
      [{ sensor_id: 'a/b', timestamp: 1563279231000, value: 1 }],
      [{ sensor_id: 1, timestamp: 1563279231000, value: { nested: true } }],
      [{ sensor_id: 1, timestamp: 1563279231000, value: 1, extra: 1 }],
    ];
    for (const body of bad) {
      const res = await post(body, `Bearer ${token}`);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    }
    await rig.hub.historyStore.committed();
    assert.equal(rig.db.prepare('SELECT COUNT(*) FROM history').pluck().get(), rowsBefore);
    const td = rig.hub.getThing(DEVICE).nativeTd as unknown as { properties: Record<string, unknown> };
    assert.equal(td.properties['3'], undefined, 'a refused request adds no sensor');
  });

  it('only admins issue tokens; other things\' ids are refused', async () => {
    await rig.hub.historyStore.committed();
    const users = [['op1', 'operator'], ['viewer1', 'viewer'], ['agent1', 'agent']] as const;
    for (const [name, role] of users) {
      const created = await rig.request({ method: 'POST', url: '/users', payload: { username: name, password: 'password-123', role } });
      assert.equal(created.statusCode, 201, created.body);
      const login = await rig.app.inject({ method: 'POST', url: '/auth/token', payload: { username: name, password: 'password-123' } });
      const t = (login.json() as { token: string }).token;
      const res = await rig.app.inject({ method: 'POST', url: `/devices/${DEVICE}/token`, headers: { authorization: `Bearer ${t}` } });
      assert.equal(res.statusCode, 403, role);
    }
    assert.equal((await rig.request({ method: 'POST', url: '/devices/urn:roost:coap:lamp/token' })).statusCode, 400);
  });

  it('a revoked device gets 403; a new token works again, the old one stays dead', async () => {
    const del = await rig.request({ method: 'DELETE', url: `/devices/${DEVICE}/credentials` });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await post(SAMPLE, `Bearer ${token}`)).statusCode, 403);
    assert.equal(rig.hub.getThing(DEVICE).online, false, 'a revoked device is offline');
    const again = await rig.request({ method: 'POST', url: `/devices/${DEVICE}/token` });
    assert.equal(again.statusCode, 200, again.body);
    const fresh = (again.json() as { token: string }).token;
    assert.equal((await post(SAMPLE, `Bearer ${fresh}`)).statusCode, 200);
    assert.equal((await post(SAMPLE, `Bearer ${token}`)).statusCode, 403, 'a token from before the revocation');
  });
});
