import assert from 'node:assert/strict';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { formatSizeReport, kernelModuleGroup, sizeReport, unownedGroup } from '../../../../image/src/build/size-report.js';
import { tempDir } from '../../../helpers/temp-dir.js';

test('files not from a package group by npm package, Node, or their folder', () => {
  assert.equal(unownedGroup('usr/lib/roost/app/node_modules/@serialport/bindings-cpp/prebuilds/x.node'), 'usr/lib/roost/app/node_modules/@serialport/bindings-cpp');
  assert.equal(unownedGroup('usr/lib/roost/app/node_modules/zigbee-herdsman/dist/a.js'), 'usr/lib/roost/app/node_modules/zigbee-herdsman');
  assert.equal(unownedGroup('usr/lib/roost/node/bin/node'), 'usr/lib/roost/node');
  assert.equal(unownedGroup('usr/lib/roost/app/roost.js'), 'usr/lib/roost/app');
  assert.equal(unownedGroup('var/lib/dpkg/status'), 'var/lib/dpkg');
  assert.equal(kernelModuleGroup('usr/lib/modules/6.1.0-40-amd64/kernel/drivers/net/x.ko'), 'drivers/net');
  assert.equal(kernelModuleGroup('usr/lib/modules/6.1.0-40-amd64/modules.dep'), null);
});

test('a root tree summed by Debian package (usrmerge paths too), unowned folder and module folder; hard links once', () => {
  const root = tempDir('roost-sizes-');
  const put = (rel: string, bytes: number): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), Buffer.alloc(bytes));
  };
  try {
    put('usr/bin/big', 5000);
    put('usr/lib/libbig.so', 3000);
    put('usr/lib/modules/6.1/kernel/drivers/gpu/drm.ko', 7000);
    put('usr/lib/roost/node/bin/node', 9000);
    put('usr/lib/roost/app/node_modules/better-sqlite3/build/Release/b.node', 2000);
    linkSync(join(root, 'usr/lib/roost/node/bin/node'), join(root, 'usr/lib/roost/node/bin/node-link'));
    put('var/lib/dpkg/info/big.list', 0);
    writeFileSync(join(root, 'var/lib/dpkg/info/big.list'), '/.\n/usr\n/usr/bin/big\n/lib/libbig.so\n');
    writeFileSync(join(root, 'var/lib/dpkg/info/linux-image:amd64.list'), '/usr/lib/modules/6.1/kernel/drivers/gpu/drm.ko\n/usr/bin/big\n');
    const r = sizeReport(root);
    assert.equal(r.totalBytes, 5000 + 3000 + 7000 + 9000 + 2000 + 36 + 60); // and the two .list files
    assert.deepEqual(r.debianPackages, [{ name: 'big', bytes: 8000 }, { name: 'linux-image', bytes: 7000 }]);
    assert.deepEqual(r.unowned.slice(0, 2), [{ name: 'usr/lib/roost/node', bytes: 9000 }, { name: 'usr/lib/roost/app/node_modules/better-sqlite3', bytes: 2000 }]);
    assert.deepEqual(r.kernelModules, [{ name: 'drivers/gpu', bytes: 7000 }]);
    assert.match(formatSizeReport(r), /Debian packages:\n\s+0\.0 MB {2}big\n/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
