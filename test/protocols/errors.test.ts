import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as errors from '../../protocols/errors.js';
import { ERROR_TABLE, RoostError, toRoostError } from '../../protocols/errors.js';

const DOC = new URL('../../docs/errors.md', import.meta.url);

/** The rows of the table in docs/errors.md: code, http, coap, mqtt, title. */
function documentedRows(): Array<{ code: string; http: number; coap: string; mqtt: number; title: string; when: string }> {
  return readFileSync(DOC, 'utf8').split('\n')
    .filter((l) => l.startsWith('| `ROOST_ERR_'))
    .map((l) => {
      const cells = l.split('|').slice(1, -1).map((c) => c.trim());
      return { code: cells[0]!.replace(/`/g, ''), http: Number(cells[1]), coap: cells[2]!, mqtt: Number(cells[3]), title: cells[4]!, when: cells[5] ?? '' };
    });
}

describe('error table', () => {
  it('docs/errors.md lists exactly the rows of ERROR_TABLE, in order, with the same statuses', () => {
    const doc = documentedRows();
    const code = Object.values(ERROR_TABLE);
    assert.deepEqual(doc.map((r) => r.code), code.map((r) => r.code));
    for (const [i, row] of code.entries()) {
      const d = doc[i]!;
      assert.deepEqual({ code: d.code, http: d.http, coap: d.coap, mqtt: d.mqtt, title: d.title }, { ...row }, row.code);
      assert.ok(d.when.length > 10, `${row.code}: say when it happens`);
    }
  });

  it('has one class per row, each carrying its row', () => {
    const classes = Object.values(errors).filter((v): v is new () => RoostError => typeof v === 'function' && v.prototype instanceof RoostError);
    const keys = new Set(classes.map((C) => new C().key));
    assert.deepEqual([...keys].sort(), Object.keys(ERROR_TABLE).sort());
    for (const C of classes) {
      const e = new C();
      const row = ERROR_TABLE[e.key];
      assert.deepEqual([e.code, e.httpStatus, e.coapCode, e.mqttReason, e.message], [row.code, row.http, row.coap, row.mqtt, row.title]);
    }
  });

  it('keeps codes unique, statuses in range, and wraps unknown errors as INTERNAL', () => {
    const rows = Object.values(ERROR_TABLE);
    assert.equal(new Set(rows.map((r) => r.code)).size, rows.length);
    for (const r of rows) {
      assert.match(r.code, /^ROOST_ERR_[A-Z_]+$/);
      assert.ok(r.http >= 400 && r.http < 600, r.code);
      assert.match(r.coap, /^[45]\.\d\d$/, r.code);
      assert.ok(r.mqtt >= 0x80 && r.mqtt <= 0xa2, r.code);
      assert.equal(r.coap[0], String(r.http)[0], `${r.code}: CoAP and HTTP classes agree`);
    }
    const wrapped = toRoostError(new Error('secret detail'));
    assert.equal(wrapped.code, 'ROOST_ERR_INTERNAL');
    assert.equal(wrapped.message, 'Internal error');
  });
});
