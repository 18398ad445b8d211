/**
 * POST /backup streams an encrypted archive of the data dir (docs/backup.md); POST /restore takes
 * one as the raw request body, checks it whole and stages it, to replace the data at the gateway's
 * next start (the database cannot be swapped under a running gateway). Admins only.
 */
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../../protocols/errors.js';
import { createBackup } from '../../backup/backup-create.js';
import { checkPassphrase } from '../../backup/backup-crypto.js';
import { stageRestore } from '../../backup/backup-restore.js';
import { drainBody } from '../drain-body.js';
import { mustAdmin, type RouteDeps } from '../route-deps.js';

/** The header that carries the passphrase of POST /restore (the body is the archive). */
export const PASSPHRASE_HEADER = 'roost-backup-passphrase';
export const ARCHIVE_TYPE = 'application/vnd.roost.backup';
/** Beyond this much of a refused archive the connection is cut rather than read to its end. */
const MAX_DRAIN_BYTES = 4 * 1024 ** 3;

export async function backupRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const dataDir = (): string => resolve(deps.config.dataDir);

  app.post('/backup', {
    schema: {
      body: { type: 'object', additionalProperties: false, required: ['passphrase'], properties: { passphrase: { type: 'string', minLength: 8, maxLength: 1024 } } },
    },
  }, async (req, reply) => {
    mustAdmin(deps, req);
    const { passphrase } = req.body as { passphrase: string };
    checkPassphrase(passphrase);
    // Bindings write what lives outside SQLite first (the Zigbee coordinator's backup, docs/backup.md).
    await deps.hub.prepareBackup();
    const name = `roost-${new Date().toISOString().replace(/[:.]/g, '-')}.roostbak`;
    return reply
      .header('content-type', ARCHIVE_TYPE)
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(createBackup({ dataDir: dataDir(), passphrase })));
  });

  // The archive is read as a stream, in a context of its own so other routes keep their JSON parsers.
  await app.register(async (raw) => {
    raw.addContentTypeParser([ARCHIVE_TYPE, 'application/octet-stream'], (_req, payload, done) => done(null, payload));
    raw.post('/restore', {
      schema: {
        response: {
          202: {
            type: 'object',
            properties: {
              state: { type: 'string' }, backupCreatedAt: { type: 'integer' }, files: { type: 'integer' },
              oscoreContexts: { type: 'integer' }, oscoreMargin: { type: 'integer' },
            },
          },
        },
      },
    }, async (req, reply) => {
      mustAdmin(deps, req);
      const passphrase = req.headers[PASSPHRASE_HEADER];
      if (typeof passphrase !== 'string' || passphrase === '') throw new BadRequestError(`the passphrase goes in the ${PASSPHRASE_HEADER} header`);
      if (!(req.body instanceof Readable)) throw new BadRequestError(`the archive goes in the body as ${ARCHIVE_TYPE}`);
      let r: Awaited<ReturnType<typeof stageRestore>>;
      try {
        r = await stageRestore(req.body, { dataDir: dataDir(), passphrase, keepFreeBytes: deps.config.disk.lowFreeBytes });
      } catch (err) {
        await drainBody(req.body, MAX_DRAIN_BYTES);
        throw err;
      }
      req.log.warn({ createdAt: r.manifest.createdAt, files: r.manifest.files.length }, 'backup restore staged: applied at the next start');
      return reply.status(202).send({
        state: 'staged', backupCreatedAt: r.manifest.createdAt, files: r.manifest.files.length, oscoreContexts: r.oscoreContexts, oscoreMargin: r.oscoreMargin,
      });
    });
  });
}
