import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigInvalidError } from '../../../protocols/errors.js';
import { BUILTIN_OBJECTS, numericRange, parseObjectXml, type ObjectModel } from '../../../protocols/lwm2m/index.js';
import { registryFiles } from './registry.js';

const files = registryFiles();

describe('OMA object XML loader', () => {
  it('loads every one of the 325 registry files into models', () => {
    assert.equal(files.length, 325);
    let resources = 0;
    for (const [name, xml] of files) {
      const models = parseObjectXml(xml, name);
      assert.equal(models.length, 1, name);
      const m = models[0]!;
      assert.equal(`${m.id}.xml`, name);
      // Every <Item ID=...> of the file became a resource (some files comment items out).
      const items = xml.replace(/<!--[\s\S]*?-->/g, '').match(/<Item\s+ID=/g) ?? [];
      assert.equal(m.resources.length, items.length, name);
      resources += m.resources.length;
    }
    assert.ok(resources > 3000, `${resources} resources`);
  });

  it('reads the fields of 3303 Temperature', () => {
    const m = parseObjectXml(files.find(([n]) => n === '3303.xml')![1], '3303.xml')[0]!;
    assert.deepEqual(
      { id: m.id, name: m.name, version: m.version, lwm2mVersion: m.lwm2mVersion, urn: m.urn, multiple: m.multiple, mandatory: m.mandatory },
      { id: 3303, name: 'Temperature', version: '1.1', lwm2mVersion: '1.0', urn: 'urn:oma:lwm2m:ext:3303:1.1', multiple: true, mandatory: false },
    );
    const r = m.resources.find((x) => x.id === 5700)!;
    assert.deepEqual({ ...r, description: '' }, { id: 5700, name: 'Sensor Value', operations: 'R', multiple: false, mandatory: true, type: 'Float', range: '', units: '', description: '' });
    assert.equal(m.resources.find((x) => x.id === 5605)!.type, 'none');
  });

  it('handles a byte order mark, CDATA and character references', () => {
    const xml = '\uFEFF<?xml version="1.0"?><LWM2M><Object ObjectType="MODefinition"><Name>T &amp; H</Name><Description1><![CDATA[a <b> c]]></Description1><ObjectID>40000</ObjectID>' +
      '<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory><Resources><Item ID="1"><Name>&#60;x&#62;</Name><Operations>RW</Operations>' +
      '<MultipleInstances>Multiple</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Unsigned Integer</Type><RangeEnumeration>0..10</RangeEnumeration><Units>s</Units></Item></Resources></Object></LWM2M>';
    const [m] = parseObjectXml(xml, 'x.xml');
    assert.equal(m!.name, 'T & H');
    assert.equal(m!.description, 'a <b> c');
    assert.equal(m!.version, '1.0');
    assert.deepEqual(m!.resources[0], { id: 1, name: '<x>', operations: 'RW', multiple: true, mandatory: true, type: 'Unsigned Integer', range: '0..10', units: 's', description: '' });
  });

  const base = (inner: string, res = '') =>
    `<LWM2M><Object><Name>X</Name>${inner}<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory><Resources>${res}</Resources></Object></LWM2M>`;
  const item = (id: string, type = 'Integer', ops = 'R') =>
    `<Item ID="${id}"><Name>r</Name><Operations>${ops}</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory><Type>${type}</Type></Item>`;
  const bad: [string, string, RegExp][] = [
    ['not XML', 'hello', /not well-formed XML/],
    ['unclosed element', '<LWM2M><Object>', /not well-formed XML/],
    ['another root', '<Objects/>', /root element is <Objects>, expected <LWM2M>/],
    ['no object', '<LWM2M></LWM2M>', /no <Object>/],
    ['missing ObjectID', base(''), /missing <ObjectID>/],
    ['ObjectID out of range', base('<ObjectID>70000</ObjectID>'), /ObjectID "70000" is not an id/],
    ['unknown Type', base('<ObjectID>1</ObjectID>', item('1', 'Double')), /object 1 resource 1: Type "Double" is not one of/],
    ['unknown Operations', base('<ObjectID>1</ObjectID>', item('1', 'Integer', 'RX')), /Operations "RX"/],
    ['duplicate resource', base('<ObjectID>1</ObjectID>', item('2') + item('2')), /resource 2 defined twice/],
    ['bad resource id', base('<ObjectID>1</ObjectID>', item('-1')), /resource ID "-1"/],
    ['undefined entity', base('<ObjectID>&xxe;</ObjectID>'), /not well-formed XML/],
    ['entity declared in a DTD', '<!DOCTYPE LWM2M [<!ENTITY a "aaaa">]><LWM2M>&a;</LWM2M>', /not well-formed XML/],
    ['nesting too deep', '<LWM2M>' + '<a>'.repeat(40) + '</a>'.repeat(40) + '</LWM2M>', /nested deeper than 16/],
  ];
  for (const [what, xml, msg] of bad) {
    it(`names the file and the problem: ${what}`, () => {
      assert.throws(
        () => parseObjectXml(xml, 'dropped/obj.xml'),
        (err: unknown) => err instanceof ConfigInvalidError && err.message.startsWith('dropped/obj.xml') && msg.test(err.message) && err.details?.['file'] === 'dropped/obj.xml',
      );
    });
  }

  it('bounds the size of a file and the number of elements', () => {
    assert.throws(() => parseObjectXml('<LWM2M/>' + ' '.repeat(2_000_000), 'big.xml'), /characters, limit/);
    assert.throws(() => parseObjectXml('<LWM2M>' + '<a/>'.repeat(30_000) + '</LWM2M>', 'many.xml'), /more than 20000 elements/);
  });
});

describe("Roost's own object table", () => {
  const want = [0, 1, 2, 3, 4, 5, 6, 7, 3200, 3201, 3303, 3304, 3311, 3312, 3340, 3347];
  it('has the common objects', () => {
    assert.deepEqual(BUILTIN_OBJECTS.map((o) => o.id), want);
  });

  it('agrees with the registry definitions on every fact (ids, names, operations, types, ranges, units)', () => {
    const facts = (m: ObjectModel) => ({
      id: m.id,
      name: m.name,
      version: m.version,
      multiple: m.multiple,
      mandatory: m.mandatory,
      resources: m.resources.map(({ description: _d, ...r }) => r),
    });
    for (const ours of BUILTIN_OBJECTS) {
      const [, xml] = files.find(([n]) => n === `${ours.id}.xml`)!;
      const theirs = parseObjectXml(xml, `${ours.id}.xml`)[0]!;
      assert.deepEqual(facts(ours), facts(theirs), `object ${ours.id}`);
      assert.equal(ours.urn, theirs.urn, `object ${ours.id} URN`);
      assert.ok(ours.resources.every((r) => r.description.length > 0), `object ${ours.id} descriptions`);
    }
  });

  it('reads numeric ranges and leaves other range texts alone', () => {
    assert.deepEqual(numericRange('0..100'), { min: 0, max: 100 });
    assert.deepEqual(numericRange('-0.5...2.5'), { min: -0.5, max: 2.5 });
    assert.equal(numericRange('0..255 bytes'), undefined);
    assert.equal(numericRange('-30..-120'), undefined);
    assert.equal(numericRange('ON;OFF'), undefined);
  });
});
