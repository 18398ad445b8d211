import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { lazySchemaCompilers, type LazySchemaCompilers } from '../../../gateway/api/lazy-schema-compilers.js';
import { compilePendingSchemas } from '../../../gateway/api/server.js';
import { injectRig } from './inject-rig.js';

function app(compilers?: LazySchemaCompilers): FastifyInstance {
  const a = Fastify({ ajv: { customOptions: { removeAdditional: false } }, ...(compilers ? { schemaController: { compilersFactory: compilers.compilersFactory } } : {}) });
  a.post('/x', {
    schema: {
      body: { type: 'object', additionalProperties: false, required: ['n'], properties: { n: { type: 'integer', minimum: 1 }, tag: { type: 'string', default: 'none' } } },
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer' } } },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' }, tag: { type: 'string' }, limit: { type: 'integer' } } } },
    },
  }, async (req) => ({ ...(req.body as object), ...(req.query as object), secret: 'not in the response schema' }));
  return a;
}

const REQUESTS = [
  { url: '/x?limit=3', payload: { n: 2 } },
  { url: '/x?limit=three', payload: { n: 2 } },
  { url: '/x', payload: { n: 0, extra: true } },
  { url: '/x?other=1', payload: { tag: 5 } },
];

describe('route schemas compiled at first use', () => {
  it('nothing is compiled when the app gets ready; answers are those of fastify\'s eager compilers', async () => {
    const compilers = lazySchemaCompilers();
    const lazy = app(compilers);
    const eager = app();
    await Promise.all([lazy.ready(), eager.ready()]);
    for (const r of REQUESTS) {
      const [a, b] = await Promise.all([lazy.inject({ method: 'POST', ...r }), eager.inject({ method: 'POST', ...r })]);
      assert.equal(a.statusCode, b.statusCode, r.url);
      assert.deepEqual(a.json(), b.json(), r.url);
    }
    assert.deepEqual((await lazy.inject({ method: 'POST', ...REQUESTS[0]! })).json(), { n: 2, tag: 'none', limit: 3 });
    assert.equal(compilers.compilePending(), 0, 'every schema was compiled by the requests');
    await Promise.all([lazy.close(), eager.close()]);
  });

  it('counts what it compiles when forced, once', async () => {
    const compilers = lazySchemaCompilers();
    const a = app(compilers);
    await a.ready();
    // The two builders (ajv's and fast-json-stringify's) plus body, querystring and the 200 response.
    assert.equal(compilers.compilePending(), 5);
    assert.equal(compilers.compilePending(), 0);
    assert.equal((await a.inject({ method: 'POST', url: '/x', payload: { n: 1 } })).statusCode, 200);
    await a.close();
  });

  it('every route schema of the gateway\'s API compiles', async () => {
    const rig = await injectRig([]);
    try {
      await rig.app.ready();
      assert.ok(compilePendingSchemas(rig.app) > 20);
      assert.equal(compilePendingSchemas(rig.app), 0);
    } finally {
      await rig.close();
    }
  });
});
