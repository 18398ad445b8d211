/**
 * `roost devices import FILE` and `roost devices list` against a data dir, offline; then a gateway
 * started on that data dir finds the devices approved with their credentials.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../../cli/roost.js';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';

const SECRET = 'a1a2a3a4a5a6a7a8a9aaabacadaeafb0';
const KEY = '00112233445566778899aabbccddeeff';

async function roost(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  try {
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
  }
}

describe('roost devices', () => {
  it('import pre-approves a CSV manifest into the data dir; list shows state and credential presence, never a secret', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    try {
      const csv = join(dir, 'batch.csv');
      writeFileSync(csv, `binding,device_id,name,oscore_master_secret,oscore_recipient_id,bthome_key\ncoap,box-1,Box one,${SECRET},0c,\nble,a4c1380a0001,,,,${KEY}\n`);
      const r = await roost(['devices', 'import', csv, '--data', dataDir]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /approved urn:roost:coap:box-1 {2}\(Box one\)/);
      assert.match(r.out, /2 devices pre-approved in /);

      const list = await roost(['devices', 'list', '--data', dataDir]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /urn:roost:coap:box-1\s+approved\s+oscore\s+Box one/);
      assert.match(list.out, /urn:roost:ble:a4c1380a0001\s+approved\s+bthomeKey/);
      const json = await roost(['devices', 'list', '--json', '--state', 'approved', '--data', dataDir]);
      const views = JSON.parse(json.out) as Array<{ id: string; credentials: Record<string, boolean> }>;
      assert.deepEqual(views.map((v) => v.id).sort(), ['urn:roost:ble:a4c1380a0001', 'urn:roost:coap:box-1']);
      for (const text of [r.out, list.out, json.out]) assert.ok(!text.includes(SECRET) && !text.includes(KEY));

      // A bad manifest: exit 1, line and column named, nothing imported.
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify([{ binding: 'ble', deviceId: 'x', bthomeKey: KEY }, { binding: 'ble', deviceId: 'y', bthomeKey: 'abc' }]));
      const b = await roost(['devices', 'import', bad, '--data', dataDir]);
      assert.equal(b.code, 1);
      assert.match(b.err, /ROOST_ERR_BAD_REQUEST: manifest entry 1, column bthome_key/);
      assert.equal((await roost(['devices', 'list', '--state', 'pending', '--data', dataDir])).out, '');
      assert.equal((await roost(['devices', 'list', '--state', 'lost', '--data', dataDir])).code, 2);

      // The gateway started on that data dir has them approved, with the credentials the binding needs.
      const gw = await startTestGateway({ onboarding: { defaultPolicy: 'approve' } }, { dataDir });
      try {
        assert.equal(gw.hub.onboarding.findByOscoreKid('coap', '0c')?.credentials.oscore?.masterSecret, SECRET);
        assert.deepEqual(gw.hub.onboarding.admission('ble', 'a4c1380a0001'), { state: 'approved', credentials: { bthomeKey: KEY } });
      } finally {
        await gw.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
