/**
 * The gateway's own identity and hardware: GET /gateway/identity (TLS certificate fingerprint,
 * Ed25519 device key and EDHOC credentials, for pinning), PUT /gateway/tls (an admin installs a certificate and key,
 * served at once), GET /gateway/adapters (what hardware detection found) and GET /gateway/info
 * (version, uptime, disk, memory) for the UI's gateway page.
 */
import { statfsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { RouteNotFoundError } from '../../../protocols/errors.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

export async function identityRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const admin = deps.admin;
  app.get('/gateway/identity', async (req) => {
    deps.principal(req);
    const tls = admin?.tls?.identity();
    return {
      tls: tls ? { sha256: tls.sha256, subject: tls.subject, subjectAltName: tls.subjectAltName, validFrom: tls.validFrom, validTo: tls.validTo, source: tls.source } : null,
      ed25519: admin?.deviceIdentity?.() ?? null,
      edhoc: (admin?.edhocCredentials?.() ?? []).map((c) => ({ key: c.key, suites: c.suites, kid: c.kid, fingerprint: c.fingerprint, ccs: c.ccs })),
    };
  });

  app.put('/gateway/tls', {
    schema: {
      body: {
        type: 'object', additionalProperties: false, required: ['cert', 'key'],
        properties: { cert: { type: 'string', minLength: 1, maxLength: 65536 }, key: { type: 'string', minLength: 1, maxLength: 65536 } },
      },
    },
  }, async (req) => {
    mustAdmin(deps, req);
    if (!admin?.tls) throw new RouteNotFoundError('TLS is off (tls.enabled)');
    const { cert, key } = req.body as { cert: string; key: string };
    const info = admin.tls.install({ cert, key });
    return { sha256: info.sha256, subject: info.subject, subjectAltName: info.subjectAltName, validTo: info.validTo, source: info.source };
  });

  app.get('/gateway/adapters', async (req) => {
    deps.principal(req);
    return admin?.detection?.() ?? { scannedAt: null, adapters: [], managed: {}, enabled: false };
  });

  app.get('/gateway/info', async (req) => {
    deps.principal(req);
    let disk: { totalBytes: number; freeBytes: number } | null = null;
    try {
      const s = statfsSync(deps.config.dataDir);
      disk = { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch {
      disk = null;
    }
    const mem = process.memoryUsage();
    return {
      version: admin?.version ?? null,
      uptimeS: Math.round((Date.now() - (admin?.startedAt ?? Date.now())) / 1000),
      disk,
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
      tlsSha256: admin?.tls?.identity().sha256 ?? null,
      // What POST /update is doing (GET /update has the details); null where updates are not available.
      update: deps.update ? (({ state, release, error }) => ({ state, release, error }))(deps.update.status()) : null,
    };
  });
}
