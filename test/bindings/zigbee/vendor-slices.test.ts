/**
 * VendorSlices: vendor files compiled in part. On small vendor files of our own: a part runs the
 * prologue and holds only the definitions asked for, at their indexes and on their own lines; a
 * part whose definition lacks the model id the index gave it, or that does not compile, is left to
 * the library; a narrowing compiles the picked definition alone and can be undone. On every vendor
 * file of the installed converters: each definition compiled in part is the file's own definition
 * at that index.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { definitionSpans } from '../../../bindings/zigbee/definition-spans.js';
import type { CachedModule } from '../../../bindings/zigbee/model-definitions.js';
import { VendorSlices, compileDefinitions, modelKeys } from '../../../bindings/zigbee/vendor-slices.js';

const dir = mkdtempSync(join(tmpdir(), 'roost-vendor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A vendor file laid out as TypeScript emits one; its prologue counts its runs in `globalThis`. */
function vendorFile(name: string, elements: string[], prologue = ''): string {
  const source = [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    'exports.definitions = void 0;',
    'const path = require("node:path");',
    `globalThis.prologueRuns = (globalThis.prologueRuns ?? 0) + 1;`,
    'const local = { fail: () => { throw new Error("from the part"); } };',
    'exports.helper = () => path.sep;',
    ...(prologue ? [prologue] : []),
    'exports.definitions = [',
    ...elements.map((e) => `    ${e},`),
    '];',
    'exports.default = exports.definitions;',
    `//# sourceMappingURL=${name}.map`,
  ].join('\n');
  writeFileSync(join(dir, name), source);
  return source;
}

const ELEMENTS = [
  '{\n        zigbeeModel: ["A1"],\n        model: "A",\n    }',
  '{\n        zigbeeModel: ["B1", "b2"],\n        model: "B",\n        configure: () => local.fail(),\n    }',
  '{\n        fingerprint: [{ modelID: "C1", manufacturerName: "x" }, { manufacturerName: "y" }],\n        model: "C",\n    }',
];
vendorFile('acme.js', ELEMENTS);
const cache: Record<string, CachedModule | undefined> = {};
const slicesFor = () => new VendorSlices({ devicesDir: dir, moduleCache: cache, read: (p) => readFileSync(p, 'utf8') });
const runs = () => (globalThis as { prologueRuns?: number }).prologueRuns ?? 0;
const definitionsOf = (m: CachedModule | undefined) => (m?.exports as { definitions: Array<{ model: string } | undefined> }).definitions;

test('a part holds the prologue and the definitions asked for, at their indexes, with the file\'s other exports', () => {
  const slices = slicesFor();
  const before = runs();
  const placement = slices.place([['acme.js', 1]], 'b2');
  assert.equal(runs(), before + 1, 'the prologue ran once');
  const mod = cache[join(dir, 'acme.js')];
  assert.ok(mod);
  const defs = definitionsOf(mod);
  assert.equal(defs.length, 2);
  assert.equal(defs[0], undefined);
  assert.equal(defs[1]?.model, 'B');
  const exports = mod.exports as { helper: () => string; default: unknown };
  assert.equal(typeof exports.helper(), 'string');
  assert.equal(exports.default, defs, 'the epilogue\'s alias');
  assert.equal(placement.size, 1);
  assert.deepEqual(placement.origin.get(defs[1] as object), ['acme.js', 1]);
  assert.deepEqual(slices.counters, { parts: 1, whole: 0, narrowed: 0 });
});

test('a definition starts on its own line of the file: stack traces point into the original', () => {
  const source = readFileSync(join(dir, 'acme.js'), 'utf8');
  const spans = definitionSpans(source);
  assert.ok(spans);
  const { definitions } = compileDefinitions(join(dir, 'acme.js'), source, spans, [1]);
  const configure = (definitions[1] as { configure: () => void }).configure;
  const thrown = (() => { try { configure(); } catch (e) { return e as Error; } return undefined; })();
  const lineOf = (text: string) => source.slice(0, source.indexOf(text)).split('\n').length;
  assert.match(thrown?.stack ?? '', new RegExp(`acme\\.js:${lineOf('throw new Error')}:`), 'the prologue\'s line');
  assert.match(thrown?.stack ?? '', new RegExp(`acme\\.js:${lineOf('configure: () => local.fail()')}:`), 'the definition\'s line');
  assert.equal(configure.toString(), '() => local.fail()');
});

test('a part whose definition lacks the model id the index gave it, or that does not compile, is left to the library', () => {
  const slices = slicesFor();
  delete cache[join(dir, 'acme.js')];
  const wrongRow = slices.place([['acme.js', 0]], 'b1');
  assert.equal(wrongRow.size, 0);
  assert.equal(cache[join(dir, 'acme.js')], undefined, 'nothing placed: the library will require the file');
  // A template literal whose lines look like the array's: element 1's span ends inside it.
  vendorFile('broken.js', ['{\n        zigbeeModel: ["D1"],\n    }', '{\n        zigbeeModel: ["E1"],\n        x: `\n    },\n    {\n        y: 1`,\n    }']);
  assert.equal(slices.place([['broken.js', 0]], 'd1').size, 1, 'element 0 is whole');
  assert.equal(slices.place([['broken.js', 1]], 'e1').size, 0, 'element 1 does not compile');
  vendorFile('spread.js', ['{\n        zigbeeModel: ["F1"],\n    }', '...more']);
  assert.equal(slices.place([['spread.js', 0]], 'f1').size, 0);
  vendorFile('throws.js', ['{\n        zigbeeModel: ["G1"],\n    }'], 'require("./not-there");');
  assert.equal(slices.place([['throws.js', 0]], 'g1').size, 0, 'a prologue that throws');
  assert.equal(cache[join(dir, 'throws.js')], undefined);
  assert.equal(slices.place([['missing.js', 0]], 'h1').size, 0, 'a file that cannot be read');
  assert.deepEqual(slices.counters, { parts: 1, whole: 5, narrowed: 0 });
});

test('narrowing compiles the picked definition alone beside the others placed; restoring puts the first part back', () => {
  const slices = slicesFor();
  assert.equal(slices.place([['acme.js', 0], ['acme.js', 2]], 'c1').size, 0, 'A has no C1: the rows disagree, nothing placed');
  // Two definitions of one model id in one file, as the index gives for TS0601.
  vendorFile('twins.js', ['{\n        zigbeeModel: ["T"],\n        model: "T1",\n    }', '{\n        zigbeeModel: ["T"],\n        model: "T2",\n    }']);
  const twins = slices.place([['twins.js', 0], ['twins.js', 1]], 't');
  assert.equal(twins.size, 2);
  const placed = cache[join(dir, 'twins.js')];
  const [t1, t2] = definitionsOf(placed);
  assert.ok(t1 && t2);
  const alone = twins.narrow(t2);
  assert.ok(alone && alone !== t2);
  assert.equal((alone as { model: string }).model, 'T2');
  const narrowed = definitionsOf(cache[join(dir, 'twins.js')]);
  assert.equal(narrowed[0], t1, 'the other candidate as it was');
  assert.equal(narrowed[1], alone);
  assert.equal((cache[join(dir, 'twins.js')]?.exports as { default: unknown }).default, narrowed, 'the epilogue\'s alias names it too');
  assert.equal(twins.narrow({}), undefined, 'not a definition placed here');
  twins.restore();
  assert.equal(cache[join(dir, 'twins.js')], placed);
  assert.deepEqual(slices.counters, { parts: 1, whole: 1, narrowed: 1 });
});

test('modelKeys reads a definition as the models index files it', () => {
  assert.deepEqual([...modelKeys({ zigbeeModel: ['TS0601', ''], fingerprint: [{ modelID: 'X' }, {}, { modelID: '' }] })], ['ts0601', 'null', 'x']);
  assert.deepEqual([...modelKeys(undefined)], []);
});

test('every definition of every installed vendor file, compiled in part, is the file\'s own at that index', () => {
  const require = createRequire(import.meta.url);
  const devicesDir = join(dirname(require.resolve('zigbee-herdsman-converters')), 'devices');
  let compared = 0;
  for (const file of readdirSync(devicesDir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    const path = join(devicesDir, file);
    const source = readFileSync(path, 'utf8');
    const spans = definitionSpans(source);
    if (!spans) continue;
    const whole = (require(path) as { definitions: Array<Record<string, unknown>> }).definitions;
    delete require.cache[path];
    const part = compileDefinitions(path, source, spans, spans.elements.map((_, i) => i)).definitions as Array<Record<string, unknown>>;
    assert.equal(part.length, whole.length, file);
    whole.forEach((w, i) => {
      const p = part[i];
      assert.ok(p, `${file}[${i}]`);
      assert.deepEqual([p.model, p.vendor, p.description, JSON.stringify(p.zigbeeModel), JSON.stringify(p.fingerprint)],
        [w.model, w.vendor, w.description, JSON.stringify(w.zigbeeModel), JSON.stringify(w.fingerprint)], `${file}[${i}]`);
      compared++;
    });
  }
  assert.ok(compared > 4000, `${compared} definitions compared`);
});
