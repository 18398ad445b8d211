import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadAssets, resolveUiDir, UI_CSP } from '../../../gateway/ui/ui-routes.js';
import { startTestGateway, tempDir, type TestGateway } from '../../helpers/gateway.js';

/** A GET with the path sent exactly as given (fetch would normalise `..` away). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web UI static routes', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.stop());

  it('serves / and /ui assets without a token, each with its type, the CSP, no-cache and an ETag', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/', /^text\/html; charset=utf-8$/],
      ['/ui/app.js', /^text\/javascript; charset=utf-8$/],
      ['/ui/sse.js', /^text\/javascript; charset=utf-8$/],
      ['/ui/app.css', /^text\/css; charset=utf-8$/],
      ['/ui/favicon.svg', /^image\/svg\+xml/],
    ];
    for (const [path, type] of cases) {
      const r = await rawGet(gw.httpUrl!, path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-type']), type, path);
      assert.equal(r.headers['content-security-policy'], UI_CSP, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['cache-control'], 'no-cache', path);
      assert.match(String(r.headers['etag']), /^"[A-Za-z0-9_-]{22}"$/, path);
    }
    assert.match(UI_CSP, /script-src 'self'(;|$)/);
    assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval/);
    const index = await rawGet(gw.httpUrl!, '/');
    assert.match(index.body, /<script type="module" src="\/ui\/app\.js"><\/script>/);
    assert.doesNotMatch(index.body.replace(/<script[^>]*src=[^>]*><\/script>/g, ''), /<script|style=/i, 'no inline script or style');
  });

  it('answers 304 to a matching If-None-Match, and HEAD without a body', async () => {
    const first = await rawGet(gw.httpUrl!, '/ui/app.js');
    const again = await rawGet(gw.httpUrl!, '/ui/app.js', { 'if-none-match': String(first.headers['etag']) });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const head = await fetch(`${gw.httpUrl}/ui/app.css`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('refuses traversal and unknown names with the typed 404', async () => {
    for (const path of ['/ui/../gateway/ui/ui-routes.ts', '/ui/%2e%2e%2fui-routes.ts', '/ui/..%2F..%2Fpackage.json', '/ui/%2E%2E/package.json',
      '/ui/nope.js', '/ui/', '/ui/.hidden', '/ui/ui-routes.ts', '/index.html', '/ui/app.js/x']) {
      const r = await rawGet(gw.httpUrl!, path);
      assert.equal(r.status, 404, path);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/, path);
      assert.equal((JSON.parse(r.body) as { code: string }).code, 'ROOST_ERR_ROUTE_NOT_FOUND', path);
    }
  });

  it('leaves the API behind the bearer token', async () => {
    const r = await rawGet(gw.httpUrl!, '/things');
    assert.equal(r.status, 401);
  });
});

describe('web UI allow-list', () => {
  it('keeps only plain names with a known extension, directly in the folder, within the size limit', () => {
    const dir = tempDir('roost-ui-');
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(dir, 'a.js'), 'export {};');
      writeFileSync(join(dir, 'big.css'), 'x'.repeat(2000));
      writeFileSync(join(dir, 'notes.md'), '# no');
      writeFileSync(join(dir, '.env.js'), 'secret');
      mkdirSync(join(dir, 'sub.js'));
      writeFileSync(join(dir, 'sub.js', 'inner.js'), 'x');
      const outside = tempDir('roost-ui-outside-');
      writeFileSync(join(outside, 'secret.txt'), 'x');
      symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.js'));
      const warnings: string[] = [];
      const assets = loadAssets(dir, 1000, (m) => warnings.push(m));
      assert.deepEqual([...assets.keys()].sort(), ['a.js', 'index.html']);
      assert.equal(assets.get('a.js')?.type, 'text/javascript; charset=utf-8');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /big\.css/);
      rmSync(outside, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves every module the served modules import, and every file index.html names', () => {
    const assets = loadAssets(resolveUiDir()!, 1024 * 1024, () => {});
    const named = new Set<string>();
    for (const [name, a] of assets) {
      const text = a.body.toString('utf8');
      const refs = name.endsWith('.js') ? text.matchAll(/^(?:import|export)\b[^;]*?from '\.\/([^']+)'/gm) : name === 'index.html' ? text.matchAll(/(?:src|href)="\/ui\/([^"]+)"/g) : [];
      for (const m of refs) named.add(m[1]!);
    }
    assert.ok(named.has('app.js') && named.has('bindings-view.js') && named.has('schema-form.js'), [...named].join(' '));
    assert.deepEqual([...named].filter((n) => !assets.has(n)), []);
  });

  it('finds static/ beside the module in a checkout and ui/ beside a bundle', () => {
    const root = tempDir('roost-ui-layout-');
    try {
      mkdirSync(join(root, 'gateway/ui/static'), { recursive: true });
      writeFileSync(join(root, 'gateway/ui/static/index.html'), '');
      mkdirSync(join(root, 'dist/ui'), { recursive: true });
      writeFileSync(join(root, 'dist/ui/index.html'), '');
      assert.equal(resolveUiDir(pathToFileURL(join(root, 'gateway/ui/ui-routes.ts'))), join(root, 'gateway/ui/static/'));
      assert.equal(resolveUiDir(pathToFileURL(join(root, 'dist/roost.js'))), join(root, 'dist/ui/'));
      assert.equal(resolveUiDir(pathToFileURL(join(root, 'dist/chunks/chunk-ABC123.js'))), join(root, 'dist/ui/'));
      assert.equal(resolveUiDir(pathToFileURL(join(root, 'elsewhere/roost.js'))), undefined);
      assert.match(resolveUiDir() ?? '', /gateway\/ui\/static\/$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
