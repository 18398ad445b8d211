/** docs/protocols/edhoc.md stays byte-exact: every ```hex NAME block equals the RFC 9529 §3 vector of that name. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EDHOC_REASONS, EdhocError, type EdhocReason } from '../../../protocols/edhoc/index.js';
import { trace2 } from './fixtures.js';
import { loadVectors } from './vectors.js';

const doc = readFileSync(new URL('../../../docs/protocols/edhoc.md', import.meta.url), 'utf8');

describe('docs/protocols/edhoc.md', () => {
  it('has hex blocks that match the vectors', () => {
    const blocks = [...doc.matchAll(/```hex (.+)\n([\s\S]*?)```/g)];
    assert.ok(blocks.length >= 12, `found ${blocks.length} hex blocks`);
    for (const [, name, body] of blocks) {
      const want = trace2[name as string]?.hex;
      assert.ok(want !== undefined, `no vector named ${name}`);
      assert.equal((body as string).replace(/\s+/g, ''), want, name);
    }
  });

  it('shows RFC 9668 §3.4\'s combined request as the vector file has it', () => {
    const v = loadVectors<Record<string, string>>('rfc9668-combined-request.json');
    const block = /RFC 9668\n§3\.4's example[\s\S]*?```\n([\s\S]*?)```/.exec(doc);
    assert.equal(block?.[1]?.replace(/\s+/g, ''), v.coapMessage);
  });

  it('lists every EdhocError reason with its ERR_CODE and CoAP code, as the code has them', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\w+) \| (\d\.\d\d) \|/gm)].map((m) => [m[1], m[2], m[3]]);
    const want = Object.keys(EDHOC_REASONS).map((r) => {
      const e = new EdhocError(r as EdhocReason);
      return [r, e.errCode === null ? 'none' : String(e.errCode), e.coapCode];
    });
    assert.deepEqual(rows, want);
  });
});
