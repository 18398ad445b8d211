/**
 * definitionSpans: the layout of TypeScript's CommonJS output read line by line, exact offsets for
 * small sources of each shape it accepts, `undefined` for each it refuses, and the same spans as
 * TypeScript's own parser for every vendor file of the installed zigbee-herdsman-converters.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { definitionSpans } from '../../../bindings/zigbee/definition-spans.js';

const PROLOGUE = [
  '"use strict";',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'exports.definitions = void 0;',
  'const m = require("../lib/modernExtend");',
  '',
].join('\n');

const texts = (source: string) => definitionSpans(source)?.elements.map(([s, e]) => source.slice(s, e));

test('each element of the array, by its offsets: objects, calls, names, comments between, no trailing comma', () => {
  const source = PROLOGUE + [
    'exports.definitions = [',
    '    {',
    '        zigbeeModel: ["A"],',
    '        configure: async (device) => {',
    '            // a comment',
    '        },',
    '    },',
    '    // a comment between elements',
    '',
    '    m.whitelabel("B", {',
    '        x: [1, 2],',
    '    }),',
    '    local,',
    '    { zigbeeModel: ["C"] }',
    '];',
    'exports.default = exports.definitions;',
    '//# sourceMappingURL=v.js.map',
  ].join('\n');
  const spans = definitionSpans(source);
  assert.ok(spans);
  assert.equal(source.slice(spans.prologueEnd, spans.prologueEnd + 23), 'exports.definitions = [');
  assert.equal(source.slice(0, spans.prologueEnd), PROLOGUE);
  assert.deepEqual(texts(source), [
    '{\n        zigbeeModel: ["A"],\n        configure: async (device) => {\n            // a comment\n        },\n    }',
    'm.whitelabel("B", {\n        x: [1, 2],\n    })',
    'local',
    '{ zigbeeModel: ["C"] }',
  ]);
  assert.equal(spans.epilogue, 'exports.default = exports.definitions;');
});

test('an empty array and a file without a source map comment', () => {
  assert.deepEqual(definitionSpans(PROLOGUE + 'exports.definitions = [\n];\n'), { prologueEnd: PROLOGUE.length, elements: [], epilogue: '' });
});

test('each layout it cannot vouch for gives undefined (the library then loads the file whole)', () => {
  const array = (lines: string[], after = '') => PROLOGUE + ['exports.definitions = [', ...lines, '];'].join('\n') + after;
  const refused: Record<string, string> = {
    'a spread element (indexes after it unknown)': array(['    { zigbeeModel: ["A"] },', '    ...others,']),
    'code after the array': array(['    { zigbeeModel: ["A"] },'], '\nexports.definitions.push(x);'),
    'a second statement after the array': array(['    { zigbeeModel: ["A"] },'], '\nconst y = 1;'),
    'the prologue reading the array': PROLOGUE + 'const n = () => exports.definitions.length;\n' + 'exports.definitions = [\n    a,\n];',
    'CRLF line ends': array(['    { zigbeeModel: ["A"] },']).replaceAll('\n', '\r\n'),
    'no array': PROLOGUE + 'const definitions = [\n    a,\n];\nexports.definitions = definitions;',
    'two arrays': array(['    a,']) + '\n' + array(['    b,']),
    'no closing line': PROLOGUE + 'exports.definitions = [\n    a,\n]',
    'a block comment between elements': array(['    a,', '/*', '    b,', '*/']),
    'a block comment at element indent': array(['    a,', '    /* b */', '    c,']),
    'an element whose first line ends in a comma and goes on': array(['    m.whitelabel("B",', '        "x"),']),
    'a second element begun before the first closed': array(['    {', '        a: 1,', '    b,']),
    'a line indented less than an element': array(['    {', '  a: 1,', '    },']),
    'a template literal line at element indent': array(['    {', '        d: `x', '    y`,', '    },']),
    'a closing line with no element open': array(['    a,', '    },']),
  };
  for (const [name, source] of Object.entries(refused)) assert.equal(definitionSpans(source), undefined, name);
});

test('the same spans as TypeScript\'s parser for every vendor file it reads, and it reads nearly all', () => {
  const require = createRequire(import.meta.url);
  const devicesDir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
  const files = readdirSync(devicesDir).filter((f) => f.endsWith('.js') && f !== 'index.js');
  const unread: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(devicesDir, file), 'utf8');
    const spans = definitionSpans(source);
    if (!spans) {
      unread.push(file);
      continue;
    }
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    const statement = sf.statements.find((s) => ts.isExpressionStatement(s) && ts.isBinaryExpression(s.expression)
      && s.expression.left.getText(sf) === 'exports.definitions' && ts.isArrayLiteralExpression(s.expression.right));
    assert.ok(statement && ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression), file);
    const array = statement.expression.right as ts.ArrayLiteralExpression;
    assert.equal(spans.prologueEnd, statement.getStart(sf), `${file}: prologue`);
    assert.deepEqual(spans.elements, array.elements.map((e) => [e.getStart(sf), e.end]), `${file}: elements`);
    assert.ok(!array.elements.some(ts.isSpreadElement), `${file}: no spread element`);
  }
  // megaman.js assigns a local array, zigbeetlc.js has a block comment inside its array (26.112.0).
  assert.ok(unread.length <= 5, `vendor files whose layout is not read: ${unread.join(', ')}`);
  assert.ok(files.length > 300);
});
