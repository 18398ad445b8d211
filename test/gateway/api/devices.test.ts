import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { injectRig, type InjectRig } from './inject-rig.js';

const SECRET = '5ec2e7000102030405060708090a0b0c';
const SECRET2 = 'feedfacecafebeef0011223344556677aa';
const BTHOME = 'b7b7b7b7a1a2a3a4a5a6a7a8a9aaabac';
const code = (r: { json(): unknown }) => (r.json() as { code?: string }).code;

describe('devices over HTTP (onboarding)', () => {
  let rig: InjectRig;
  const tokens: Record<string, Record<string, string>> = {};
  before(async () => {
    rig = await injectRig([], { onboarding: { defaultPolicy: 'approve' } });
    for (const role of ['operator', 'viewer', 'agent']) {
      const created = await rig.request({ method: 'POST', url: '/users', payload: { username: role, password: `${role}-password-1`, role } });
      assert.equal(created.statusCode, 201);
      const login = await rig.app.inject({ method: 'POST', url: '/auth/token', payload: { username: role, password: `${role}-password-1` } });
      tokens[role] = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    }
  });
  after(() => rig.close());
  const as = (role: string, opts: Parameters<InjectRig['request']>[0]) => rig.app.inject({ ...opts, headers: { ...tokens[role], ...(opts.headers ?? {}) } });

  it('a new device is pending, listed with what it claims; an operator approves it with credentials; answers show only presence flags', async () => {
    const ob = rig.hub.onboarding;
    assert.equal(ob.requestAdmission('coap', { deviceId: 'node-1', seenAs: 'coap registration from 192.0.2.7:5683', claims: { ep: 'node-1', lt: 300 } }).state, 'pending');
    const pending = await as('operator', { method: 'GET', url: '/devices/pending' });
    assert.equal(pending.statusCode, 200);
    const [p] = pending.json() as Array<Record<string, unknown>>;
    assert.equal(p!['id'], 'urn:roost:coap:node-1');
    assert.equal(p!['binding'], 'coap');
    assert.equal(p!['deviceId'], 'node-1');
    assert.equal(p!['seenAs'], 'coap registration from 192.0.2.7:5683');
    assert.deepEqual(p!['claims'], { ep: 'node-1', lt: 300 });
    assert.equal(typeof p!['since'], 'number');

    const id = encodeURIComponent('urn:roost:coap:node-1');
    const approved = await as('operator', {
      method: 'POST', url: `/devices/pending/${id}/approve`,
      payload: { name: 'Boiler room', credentials: { oscore: { masterSecret: SECRET, recipientId: '0a' } } },
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual((approved.json() as { credentials: unknown }).credentials, { oscore: true, bthomeKey: false, publicKeySha256: false });
    assert.equal((approved.json() as { state: string }).state, 'approved');
    assert.equal(ob.findByOscoreKid('coap', '0a')?.deviceId, 'node-1', 'the binding finds it by its kid');
    assert.equal(ob.admission('coap', 'node-1').state, 'approved');
    assert.deepEqual((await as('operator', { method: 'GET', url: '/devices/pending' })).json(), []);
    // Approving twice is a conflict; rejecting an approved device too (revocation is the way).
    assert.equal(code(await as('operator', { method: 'POST', url: `/devices/pending/${id}/approve` })), 'ROOST_ERR_CONFLICT');
    assert.equal((await as('operator', { method: 'POST', url: `/devices/pending/${id}/reject` })).statusCode, 409);

    const all = await as('operator', { method: 'GET', url: '/devices' });
    assert.equal(all.statusCode, 200);
    assert.ok(!all.body.includes(SECRET), 'no answer carries a secret');
    const one = await rig.request({ method: 'GET', url: `/devices/${id}` });
    assert.equal((one.json() as { name: string }).name, 'Boiler room');
  });

  it('reject: the device stays refused and leaves the pending list; unknown ids are 404, malformed ids 400', async () => {
    rig.hub.onboarding.requestAdmission('serial', { deviceId: 'ttyS-9', seenAs: 'serial hello on /dev/ttyUSB0' });
    const id = encodeURIComponent('urn:roost:serial:ttyS-9');
    const r = await as('operator', { method: 'POST', url: `/devices/pending/${id}/reject` });
    assert.equal(r.statusCode, 200);
    assert.equal((r.json() as { state: string }).state, 'rejected');
    assert.equal(rig.hub.onboarding.requestAdmission('serial', { deviceId: 'ttyS-9', seenAs: 'again' }).state, 'rejected');
    assert.equal((await as('operator', { method: 'POST', url: `/devices/pending/${id}/reject` })).statusCode, 409);
    assert.equal(code(await rig.request({ method: 'POST', url: `/devices/pending/${encodeURIComponent('urn:roost:coap:nobody')}/approve` })), 'ROOST_ERR_DEVICE_NOT_FOUND');
    assert.equal((await rig.request({ method: 'POST', url: '/devices/pending/nonsense/approve' })).statusCode, 400);
    assert.equal((await rig.request({ method: 'GET', url: '/devices?state=lost' })).statusCode, 400);
    const rejected = (await rig.request({ method: 'GET', url: '/devices?state=rejected' })).json() as Array<{ deviceId: string }>;
    assert.deepEqual(rejected.map((d) => d.deviceId), ['ttyS-9']);
  });

  it('roles: viewers and agents see nothing; operators may not import manifests or revoke', async () => {
    const id = encodeURIComponent('urn:roost:coap:node-1');
    const cases: Array<[string, string, string, unknown]> = [
      ['viewer', 'GET', '/devices/pending', undefined],
      ['viewer', 'GET', '/devices', undefined],
      ['agent', 'GET', '/devices/pending', undefined],
      ['viewer', 'POST', `/devices/pending/${id}/approve`, {}],
      ['viewer', 'POST', `/devices/pending/${id}/reject`, undefined],
      ['operator', 'POST', '/devices/manifest', [{ binding: 'coap', deviceId: 'x', bthomeKey: BTHOME }]],
      ['operator', 'DELETE', `/devices/${id}/credentials`, undefined],
      ['viewer', 'DELETE', `/devices/${id}/credentials`, undefined],
    ];
    for (const [role, method, url, payload] of cases) {
      const r = await as(role, { method: method as 'GET', url, ...(payload !== undefined ? { payload: payload as object } : {}) });
      assert.equal(r.statusCode, 403, `${role} ${method} ${url}: ${r.body}`);
    }
    assert.equal((await rig.app.inject({ method: 'GET', url: '/devices/pending' })).statusCode, 401);
  });

  it('a manifest in JSON or CSV pre-approves devices; a bad row is a 400 naming line and column, without the secret', async () => {
    const json = await rig.request({
      method: 'POST', url: '/devices/manifest',
      payload: [
        { binding: 'ble', deviceId: 'a4c1380a1b2c', name: 'Kitchen', bthomeKey: BTHOME },
        { binding: 'coap', deviceId: 'factory-7', oscore: { masterSecret: SECRET2, masterSalt: '9e7ca92223786340', recipientId: '07' } },
      ],
    });
    assert.equal(json.statusCode, 200, json.body);
    assert.deepEqual(json.json(), { imported: 2, devices: ['urn:roost:ble:a4c1380a1b2c', 'urn:roost:coap:factory-7'] });
    assert.equal(rig.hub.onboarding.admission('ble', 'a4c1380a1b2c').state, 'approved');
    assert.equal(rig.hub.onboarding.findByOscoreKid('coap', '07')?.deviceId, 'factory-7');

    const csv = [
      'binding,device_id,name,oscore_master_secret,oscore_recipient_id,bthome_key',
      `coap,csv-1,"Hall, upstairs",${SECRET},0b,`,
      `ble,a4c1380a9999,,,,${BTHOME}`,
    ].join('\n');
    const r = await rig.request({ method: 'POST', url: '/devices/manifest', payload: csv, headers: { 'content-type': 'text/csv' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((r.json() as { imported: number }).imported, 2);
    assert.equal(rig.hub.onboarding.get('coap', 'csv-1').name, 'Hall, upstairs');

    const badCsv = `binding,device_id,oscore_master_secret,oscore_recipient_id\ncoap,ok-1,${SECRET},01\ncoap,bad-1,${SECRET.slice(0, 20)},02\n`;
    const bad = await rig.request({ method: 'POST', url: '/devices/manifest', payload: badCsv, headers: { 'content-type': 'text/csv' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(code(bad), 'ROOST_ERR_BAD_REQUEST');
    assert.match(bad.body, /line 3, column oscore_master_secret/);
    assert.ok(!bad.body.includes(SECRET.slice(0, 20)));
    assert.equal(rig.hub.onboarding.admission('coap', 'ok-1').state, 'unknown', 'a bad manifest imports nothing');
    const badJson = await rig.request({ method: 'POST', url: '/devices/manifest', payload: [{ binding: 'ble', deviceId: 'x1', bthomeKey: 'abcd' }] });
    assert.match(badJson.body, /entry 0, column bthome_key: must be 16 bytes/);
    assert.equal((await rig.request({ method: 'POST', url: '/devices/manifest', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode, 415);
  });

  it('revocation cuts a device off at once: credentials gone, the binding is told, the kid no longer resolves', async () => {
    const heard: string[] = [];
    rig.hub.onboarding.onAdmissionChange('coap', (deviceId, a) => heard.push(`${deviceId}:${a.state}`));
    const id = encodeURIComponent('urn:roost:coap:factory-7');
    const r = await rig.request({ method: 'DELETE', url: `/devices/${id}/credentials` });
    assert.equal(r.statusCode, 200);
    assert.deepEqual((r.json() as { credentials: unknown; state: string }).state, 'revoked');
    assert.deepEqual((r.json() as { credentials: unknown }).credentials, { oscore: false, bthomeKey: false, publicKeySha256: false });
    assert.deepEqual(heard, ['factory-7:revoked']);
    assert.equal(rig.hub.onboarding.findByOscoreKid('coap', '07'), undefined);
    assert.equal(rig.hub.onboarding.get('coap', 'factory-7').credentials, null);
    assert.equal(code(await rig.request({ method: 'DELETE', url: `/devices/${encodeURIComponent('urn:roost:coap:ghost')}/credentials` })), 'ROOST_ERR_DEVICE_NOT_FOUND');
  });

  it('no answer and no log line carries a secret', async () => {
    const all = await rig.request({ method: 'GET', url: '/devices' });
    const logText = JSON.stringify(rig.logs);
    assert.ok(rig.logs.length > 0, 'the sink got log lines');
    for (const secret of [SECRET, SECRET2, BTHOME, SECRET.slice(0, 20)]) {
      assert.ok(!all.body.toLowerCase().includes(secret), `answer holds ${secret}`);
      assert.ok(!logText.toLowerCase().includes(secret), `log holds ${secret}`);
    }
    assert.ok(logText.includes('device manifest imported'));
    assert.ok(logText.includes('device admission changed'));
  });
});
