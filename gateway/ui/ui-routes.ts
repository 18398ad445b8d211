/**
 * The web UI's static files: `/` (index.html) and `/ui/<name>`, anonymous (every data call the
 * page makes carries the bearer token). The files are read once at start from one folder into an
 * allow-list, so a request can only ever name one of them: anything else, `..` included, is a
 * typed 404. Every answer carries a strict Content-Security-Policy (no inline script or style)
 * and an ETag; browsers revalidate (`no-cache`), so an upgraded gateway never mixes old and new
 * modules.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RouteNotFoundError } from '../../protocols/errors.js';

export interface UiOptions {
  /** Folder of the static files; default: resolveUiDir(). */
  dir?: string;
  /** Larger files are left out of the allow-list (with a warning). */
  maxAssetBytes?: number;
}

export const DEFAULT_UI_OPTIONS = { maxAssetBytes: 1024 * 1024 } as const;

/** Media types of the files served; a file with any other extension is not served. */
export const UI_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Scripts, styles, fetches and images from this origin only; no inline code, no framing. */
export const UI_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
].join('; ');

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * The static folder: `static/` beside this module in a source checkout, `ui/` beside the
 * running bundle (image/bundle.ts copies it to dist/ui), one folder up when this module runs
 * from one of the bundle's chunks (dist/chunks/). Undefined when none exists.
 */
export function resolveUiDir(base: string | URL = import.meta.url): string | undefined {
  for (const rel of ['./static/', './ui/', '../ui/']) {
    const dir = fileURLToPath(new URL(rel, base));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Reads the allow-list: regular files (no symlinks) directly in `dir`, with a known extension and a plain name. */
export function loadAssets(dir: string, maxAssetBytes: number, warn: (msg: string) => void): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir).sort()) {
    const type = UI_CONTENT_TYPES[extname(name)];
    const file = join(dir, name);
    if (!type || !NAME_RE.test(name) || !lstatSync(file).isFile()) continue;
    const body = readFileSync(file);
    if (body.length > maxAssetBytes) {
      warn(`UI file ${name} is ${body.length} bytes, over maxAssetBytes ${maxAssetBytes}: not served`);
      continue;
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}

export async function uiRoutes(app: FastifyInstance, opts: UiOptions = {}): Promise<void> {
  const dir = opts.dir ?? resolveUiDir();
  const maxAssetBytes = opts.maxAssetBytes ?? DEFAULT_UI_OPTIONS.maxAssetBytes;
  const assets = dir ? loadAssets(dir, maxAssetBytes, (m) => app.log.warn(m)) : new Map<string, Asset>();
  if (!assets.has('index.html')) app.log.warn({ dir }, 'web UI files not found: / answers 404');

  const send = (name: string, req: FastifyRequest, reply: FastifyReply) => {
    const a = assets.get(name);
    if (!a) throw new RouteNotFoundError(`no resource ${req.method} ${req.url.split('?')[0] ?? ''}`);
    void reply.headers({
      'content-security-policy': UI_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
      etag: a.etag,
    });
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return reply.type(a.type).send(a.body);
  };

  app.get('/', async (req, reply) => send('index.html', req, reply));
  app.get('/ui/:name', async (req, reply) => send((req.params as { name: string }).name, req, reply));
}
