/**
 * The cold-start and memory baseline: a fastify hello-world with one /healthz route, bundled and
 * started exactly as the gateway's bundle is (bundle-process.ts). It prints the line the gateway's
 * logger prints when its HTTP server listens, so that both are timed by the same code.
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/healthz', async () => ({ status: 'ok' }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ msg: `Server listening at ${url}` }));
