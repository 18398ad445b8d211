import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkGateway, SYSTEM_THING_ID } from '../../../../image/src/boot-test/gateway-checks.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../../helpers/gateway.js';

// The checks the image boot test runs inside the VM, against a real gateway on the build machine.
let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ mqtt: { enabled: false } });
});
after(async () => {
  await gw.stop();
});

test('the boot test checks pass against the real gateway: closed directory, login, system thing', async () => {
  const r = await checkGateway(gw.httpUrl!, 'admin', TEST_ADMIN_PASSWORD, 10_000);
  assert.ok(r.thingIds.includes(SYSTEM_THING_ID), r.thingIds.join(', '));
});

test('the boot test checks fail with a credential the gateway does not know', async () => {
  await assert.rejects(checkGateway(gw.httpUrl!, 'admin', 'not-the-first-boot-password', 10_000), /POST \/auth\/token: HTTP 401/);
});
