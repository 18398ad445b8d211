import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadObjectFiles } from '../../../../bindings/coap/lwm2m/object-files.js';
import { packageUri } from '../../../../bindings/coap/lwm2m/firmware-packages.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const OBJECT = (id: number) => `<?xml version="1.0" encoding="utf-8"?>
<LWM2M><Object ObjectType="MODefinition"><Name>Test ${id}</Name><ObjectID>${id}</ObjectID><ObjectURN>urn:oma:lwm2m:x:${id}</ObjectURN>
<MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory><Resources>
<Item ID="1"><Name>Level</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Float</Type><RangeEnumeration></RangeEnumeration><Units></Units><Description></Description></Item>
</Resources><Description1></Description1></Object></LWM2M>`;

test('loadObjectFiles: every *.xml in name order, a bad one reported and skipped, an absent folder none', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'b.xml'), OBJECT(33001));
  writeFileSync(join(dir, 'a.XML'), OBJECT(33000));
  writeFileSync(join(dir, 'c.xml'), '<LWM2M><Object>');
  writeFileSync(join(dir, 'notes.txt'), 'not an object');
  const rejected: string[] = [];
  const models = loadObjectFiles(dir, (file) => rejected.push(file));
  assert.deepEqual(models.map((m) => m.id), [33000, 33001]);
  assert.deepEqual(rejected, ['c.xml']);
  assert.deepEqual(loadObjectFiles(join(dir, 'absent'), () => assert.fail('nothing to reject')), []);
});

test('packageUri: under the operator\'s base, else the listening address (127.0.0.1 for a wildcard bind)', () => {
  assert.equal(packageUri('fw-1.bin', 'coap://gw.example:5683/', null, 5683), 'coap://gw.example:5683/fw/fw-1.bin');
  assert.equal(packageUri('fw-1.bin', '', { address: '192.0.2.1', port: 40000 }, 5683), 'coap://192.0.2.1:40000/fw/fw-1.bin');
  assert.equal(packageUri('fw-1.bin', '', { address: '0.0.0.0', port: 5683 }, 5683), 'coap://127.0.0.1:5683/fw/fw-1.bin');
  assert.equal(packageUri('fw-1.bin', undefined, null, 5684), 'coap://127.0.0.1:5684/fw/fw-1.bin');
});
