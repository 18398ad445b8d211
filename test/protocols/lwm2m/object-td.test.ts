import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertValidTd } from '../../../gateway/td/td-validator.js';
import { BUILTIN_OBJECTS, modelsOf, objectTd, parseObjectXml, parseRegister } from '../../../protocols/lwm2m/index.js';
import { registryFiles } from './registry.js';

const models = modelsOf(BUILTIN_OBJECTS);
const base = 'coap://192.0.2.7:56830';

describe('TDs from LwM2M objects', () => {
  it('builds a schema-valid TD for one instance of every registry object', () => {
    let affordances = 0;
    for (const [name, xml] of registryFiles()) {
      const [model] = parseObjectXml(xml, name);
      const td = objectTd({ endpoint: `ep-${model!.id}`, objects: [{ objectId: model!.id, version: model!.version, instances: [0] }], models: modelsOf([model!]), base });
      assertValidTd(td, name);
      affordances += Object.keys(td['properties'] as object).length + Object.keys(td['actions'] as object).length;
    }
    assert.ok(affordances > 2500, `${affordances} affordances`);
  });

  it('describes 3303 Temperature by hand-checked affordances', () => {
    const td = objectTd({ endpoint: 'urn:imei:123456789012345', id: 'urn:roost:coap:urn:imei:123456789012345', objects: [{ objectId: 3303, version: '1.1', instances: [0] }], models, base });
    assertValidTd(td);
    assert.deepEqual(td['@context'], ['https://www.w3.org/2019/wot/td/v1', 'https://www.w3.org/2022/wot/td/v1.1', { cov: 'http://www.example.org/coap-binding#', lwm2m: 'urn:roost:lwm2m:' }]);
    assert.equal(td['title'], 'urn:imei:123456789012345');
    const props = td['properties'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props), [
      'temperature_sensor_value_3303_0_5700',
      'temperature_min_measured_value_3303_0_5601',
      'temperature_max_measured_value_3303_0_5602',
      'temperature_min_range_value_3303_0_5603',
      'temperature_max_range_value_3303_0_5604',
      'temperature_sensor_units_3303_0_5701',
      'temperature_application_type_3303_0_5750',
      'temperature_timestamp_3303_0_5518',
      'temperature_fractional_timestamp_3303_0_6050',
      'temperature_measurement_quality_indicator_3303_0_6042',
      'temperature_measurement_quality_level_3303_0_6049',
    ]);
    assert.deepEqual(props['temperature_sensor_value_3303_0_5700'], {
      title: 'Sensor Value',
      description: 'Last measured value.',
      type: 'number',
      readOnly: true,
      writeOnly: false,
      observable: true,
      'lwm2m:path': '/3303/0/5700',
      'lwm2m:type': 'Float',
      forms: [
        { href: `${base}/3303/0/5700`, contentType: 'application/senml+cbor', op: ['readproperty'] },
        { href: `${base}/3303/0/5700`, contentType: 'application/senml+cbor', op: ['observeproperty', 'unobserveproperty'], subprotocol: 'cov:observe' },
      ],
    });
    const appType = props['temperature_application_type_3303_0_5750']!;
    assert.equal(appType['readOnly'], false);
    assert.deepEqual((appType['forms'] as { op: string[] }[])[0]!.op, ['readproperty', 'writeproperty']);
    assert.deepEqual(
      { type: props['temperature_timestamp_3303_0_5518']!['type'], unit: props['temperature_timestamp_3303_0_5518']!['unit'] },
      { type: 'integer', unit: 's' },
    );
    assert.deepEqual(
      [props['temperature_measurement_quality_level_3303_0_6049']!['minimum'], props['temperature_measurement_quality_level_3303_0_6049']!['maximum']],
      [0, 100],
    );
    assert.deepEqual(td['actions'], {
      temperature_reset_min_and_max_measured_values_3303_0_5605: {
        title: 'Reset Min and Max Measured Values',
        description: 'Sets min and max to the current value.',
        'lwm2m:path': '/3303/0/5605',
        forms: [{ href: `${base}/3303/0/5605`, op: ['invokeaction'], 'cov:method': 'POST' }],
      },
    });
  });

  it('describes 3311 Light Control (two instances) with writable, ranged and unit-carrying properties', () => {
    const td = objectTd({ endpoint: 'lamp', objects: [{ objectId: 3311, version: '1.0', instances: [0, 1] }], models, base });
    assertValidTd(td);
    const props = td['properties'] as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(props).length, 16);
    const { forms: _f, ...onOff } = props['light_control_on_off_3311_1_5850']!;
    assert.deepEqual(onOff, {
      title: 'On/Off',
      description: 'True is on.',
      type: 'boolean',
      readOnly: false,
      writeOnly: false,
      observable: true,
      'lwm2m:path': '/3311/1/5850',
      'lwm2m:type': 'Boolean',
    });
    const { forms: _g, description: _d, ...dimmer } = props['light_control_dimmer_3311_0_5851']!;
    assert.deepEqual(dimmer, { title: 'Dimmer', type: 'integer', minimum: 0, maximum: 100, unit: '/100', readOnly: false, writeOnly: false, observable: true, 'lwm2m:path': '/3311/0/5851', 'lwm2m:type': 'Integer' });
    assert.equal(props['light_control_cumulative_active_power_3311_0_5805']!['unit'], 'Wh');
    assert.deepEqual(td['actions'], {});
  });

  it('maps multi-instance, write-only, opaque, object-link and unsigned resources', () => {
    const td = objectTd({ endpoint: 'dev', objects: [{ objectId: 3, version: '1.2', instances: [0] }, { objectId: 5, version: '1.2', instances: [0] }, { objectId: 1, version: '1.2', instances: [0] }], models, base });
    assertValidTd(td);
    const props = td['properties'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(
      { type: props['device_error_code_3_0_11']!['type'], items: props['device_error_code_3_0_11']!['items'] },
      { type: 'array', items: { type: 'integer', minimum: 0, maximum: 32 } },
    );
    const pkg = props['firmware_update_package_5_0_0']!;
    assert.deepEqual([pkg['type'], pkg['contentEncoding'], pkg['writeOnly'], pkg['readOnly'], pkg['observable']], ['string', 'base64', true, false, false]);
    assert.deepEqual((pkg['forms'] as { op: string[] }[]).map((f) => f.op), [['writeproperty']]);
    assert.deepEqual(props['device_extdevinfo_3_0_22']!['items'], { type: 'string', pattern: '^[0-9]{1,5}:[0-9]{1,5}$' });
    assert.deepEqual(props['lwm2m_server_tls_dtls_alert_code_1_0_11']!['minimum'], 0);
    assert.ok('device_reboot_3_0_4' in (td['actions'] as object));
    assert.ok('firmware_update_update_5_0_2' in (td['actions'] as object));
  });

  it('builds the TD from a real registration (Wakaama capture) and leaves unknown objects out', () => {
    const reg = parseRegister(['lwm2m=1.1', 'ep=urn:imei:123456789012345', 'b=U', 'lt=60'], '</>;rt="oma.lwm2m";ct=110,</1>;ver=1.1,</1/0>,</3/0>,</3303/0>,</31024/0>');
    const td = objectTd({ endpoint: reg.endpoint, objects: reg.objects, models, base, rootPath: reg.rootPath });
    assertValidTd(td);
    const paths = Object.values(td['properties'] as Record<string, { 'lwm2m:path': string }>).map((p) => p['lwm2m:path'].split('/')[1]);
    assert.deepEqual([...new Set(paths)], ['1', '3', '3303']);
  });
});
