import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { DeviceStore } from '../../../gateway/onboarding/device-store.js';
import { Onboarding, type OnboardingOptions } from '../../../gateway/onboarding/onboarding.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { ConflictError, DeviceNotFoundError } from '../../../protocols/errors.js';
import { tempDir } from '../../helpers/gateway.js';

const OSCORE = { masterSecret: '0102030405060708090a0b0c0d0e0f10', masterSalt: '9e7ca92223786340', senderId: '', recipientId: '01' };

function open(opts: Partial<OnboardingOptions> = {}, dir = tempDir()) {
  const db = openDatabase({ dataDir: dir, synchronous: 'normal' });
  const changes: string[] = [];
  const ob = new Onboarding(new DeviceStore(db), { defaultPolicy: 'approve', policy: {}, maxPending: 3, ...opts }, pino({ level: 'silent' }), () => 1000, (d) => changes.push(`${d.deviceId}:${d.state}`));
  return { ob, changes, dir, close: (keep = false) => { db.close(); if (!keep) rmSync(dir, { recursive: true, force: true }); } };
}

describe('Onboarding', () => {
  it('a new device is pending until an admin approves it; listeners hear the decision', () => {
    const { ob, changes, close } = open();
    const heard: string[] = [];
    ob.onAdmissionChange('coap', (id, a) => heard.push(`${id}:${a.state}`));
    assert.deepEqual(ob.admission('coap', 'n1'), { state: 'unknown' });
    assert.deepEqual(ob.requestAdmission('coap', { deviceId: 'n1', seenAs: 'coap registration from 127.0.0.1:5000', claims: { ep: 'n1' } }), { state: 'pending' });
    assert.equal(ob.pendingCount, 1);
    assert.deepEqual(ob.list('pending').map((d) => [d.deviceId, d.seenAs]), [['n1', 'coap registration from 127.0.0.1:5000']]);
    ob.approve('coap', 'n1', { oscore: OSCORE });
    assert.deepEqual(ob.admission('coap', 'n1'), { state: 'approved', credentials: { oscore: OSCORE } });
    assert.equal(ob.findByOscoreKid('coap', '01')?.deviceId, 'n1');
    assert.equal(ob.findByOscoreKid('serial', '01'), undefined, 'kids are per binding');
    assert.deepEqual(heard, ['n1:approved']);
    assert.deepEqual(changes, ['n1:pending', 'n1:approved']);
    assert.throws(() => ob.approve('coap', 'n1'), ConflictError);
    assert.throws(() => ob.reject('coap', 'nobody'), DeviceNotFoundError);
    close();
  });

  it('revocation removes the credentials and refuses the device at once, also after a restart', () => {
    const first = open({ defaultPolicy: 'manifest' });
    first.ob.importManifest([{ binding: 'coap', deviceId: 'm1', name: 'Boiler', credentials: { oscore: OSCORE } }]);
    assert.equal(first.ob.admission('coap', 'm1').state, 'approved');
    first.ob.revoke('coap', 'm1');
    assert.deepEqual(first.ob.admission('coap', 'm1'), { state: 'revoked' });
    assert.equal(first.ob.findByOscoreKid('coap', '01'), undefined);
    assert.deepEqual(first.ob.requestAdmission('coap', { deviceId: 'm1', seenAs: 'again' }), { state: 'revoked' });
    first.close(true);
    const again = open({ defaultPolicy: 'manifest' }, first.dir);
    assert.deepEqual(again.ob.admission('coap', 'm1'), { state: 'revoked' });
    assert.equal(again.ob.get('coap', 'm1').credentials, null);
    again.close();
  });

  it('policies: manifest refuses unlisted devices, open approves everyone, approve bounds the pending list', () => {
    const { ob, close } = open({ policy: { coap: 'manifest', ble: 'open' }, maxPending: 2 });
    assert.deepEqual(ob.requestAdmission('coap', { deviceId: 'x', seenAs: 's' }), { state: 'rejected' });
    assert.equal(ob.admission('coap', 'x').state, 'unknown', 'an unlisted device leaves no record under manifest');
    assert.equal(ob.requestAdmission('ble', { deviceId: 'b', seenAs: 's' }).state, 'approved');
    assert.equal(ob.requestAdmission('serial', { deviceId: 's1', seenAs: 's' }).state, 'pending');
    assert.equal(ob.requestAdmission('serial', { deviceId: 's2', seenAs: 's' }).state, 'pending');
    assert.equal(ob.requestAdmission('serial', { deviceId: 's3', seenAs: 's' }).state, 'unknown', 'the pending list is full');
    assert.equal(ob.counters.pendingRefusedFull, 1);
    ob.reject('serial', 's1');
    assert.equal(ob.requestAdmission('serial', { deviceId: 's3', seenAs: 's' }).state, 'pending', 'room again after a decision');
    close();
  });

  it('open: at most maxOpenDevices devices approved by it, each further one refused and counted; known ones keep their approval', () => {
    const { ob, close } = open({ defaultPolicy: 'open', maxOpenDevices: 3 });
    for (const id of ['a', 'b', 'c']) assert.equal(ob.requestAdmission('coap', { deviceId: id, seenAs: 's' }).state, 'approved');
    assert.equal(ob.requestAdmission('coap', { deviceId: 'd', seenAs: 's' }).state, 'unknown', 'a fourth made-up name');
    assert.equal(ob.admission('coap', 'd').state, 'unknown', 'and no record of it');
    assert.equal(ob.counters.openRefusedFull, 1);
    assert.equal(ob.requestAdmission('coap', { deviceId: 'a', seenAs: 's' }).state, 'approved', 'a known device is not refused');
    ob.importManifest([{ binding: 'coap', deviceId: 'm', credentials: {} }]);
    assert.equal(ob.admission('coap', 'm').state, 'approved', "a manifest's devices do not count against it");
    close();
  });
});
