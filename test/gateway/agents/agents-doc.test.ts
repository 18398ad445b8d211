/** docs/agents.md stays true: its HTTP examples run, in order, against a test gateway. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { extractExamples, outputMatches, readDoc, runExamples, type ExampleResult } from '../../helpers/doc-examples.js';
import { startTestGateway, TEST_ADMIN_PASSWORD, type TestGateway } from '../../helpers/gateway.js';

describe('docs/agents.md examples', () => {
  let gw: TestGateway;
  let results: ExampleResult[];
  before(async () => {
    gw = await startTestGateway();
    results = await runExamples(extractExamples(readDoc(new URL('../../../docs/agents.md', import.meta.url))), {
      ROOST: gw.httpUrl!,
      ROOST_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    });
  });
  after(() => gw.stop());

  it('runs every example with exit status 0 and the output the document shows', () => {
    if (process.env['ROOST_DOC_DUMP']) for (const r of results) process.stderr.write(`--- docs/agents.md:${r.example.line} (exit ${r.status})\n${r.output}\n`);
    assert.ok(results.length >= 3, `only ${results.length} examples`);
    for (const r of results) {
      assert.equal(r.status, 0, `example at docs/agents.md:${r.example.line} failed:\n${r.output}`);
      assert.ok(r.example.expected !== undefined, `example at docs/agents.md:${r.example.line} shows no output`);
      assert.ok(outputMatches(r.example.expected, r.output), `example at docs/agents.md:${r.example.line} printed:\n${r.output}\nbut the document shows:\n${r.example.expected}`);
    }
  });

  it('did what the document says: the refused value was not stored, nothing is left in the queue', () => {
    const thing = 'urn:roost:agent:bridge1:th1';
    assert.equal(gw.hub.readProperty(thing, 'temperature')?.value, 21.5);
    assert.deepEqual(gw.hub.activeActions(thing), { queued: 0, sent: 0, delivered: 0 }, 'nothing left in the queue');
  });
});
