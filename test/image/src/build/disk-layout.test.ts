import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diskLayout, sfdiskScript } from '../../../../image/src/build/disk-layout.js';

test('the GPT: ESP, root-a, root-b, data, 1 MiB aligned, 1 MiB kept at each end', () => {
  const l = diskLayout('amd64', { espSizeMiB: 128, slotSizeMiB: 512, dataSizeMiB: 64 });
  assert.deepEqual(l.partitions.map((p) => [p.name, p.startMiB, p.sizeMiB]), [
    ['roost-esp', 1, 128], ['roost-root-a', 129, 512], ['roost-root-b', 641, 512], ['roost-data', 1153, 64],
  ]);
  assert.equal(l.totalMiB, 1218);
  assert.equal(sfdiskScript(l), [
    'label: gpt',
    'unit: sectors',
    'first-lba: 2048',
    'start=2048, size=262144, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="roost-esp"',
    'start=264192, size=1048576, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="roost-root-a"',
    'start=1312768, size=1048576, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="roost-root-b"',
    'start=2361344, size=131072, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="roost-data"',
    '',
  ].join('\n'));
});

test('arm64 roots get the arm64 root type; sizes must be whole MiB', () => {
  const l = diskLayout('arm64', { espSizeMiB: 64, slotSizeMiB: 256, dataSizeMiB: 16 });
  assert.equal(l.partitions[1]!.type, 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE');
  assert.throws(() => diskLayout('amd64', { espSizeMiB: 0, slotSizeMiB: 1, dataSizeMiB: 1 }), RangeError);
  assert.throws(() => diskLayout('amd64', { espSizeMiB: 1.5, slotSizeMiB: 1, dataSizeMiB: 1 }), RangeError);
});
