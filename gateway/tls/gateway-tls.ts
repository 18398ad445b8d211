/**
 * The certificate the gateway serves on HTTPS, MQTTS and WSS. On first start (no files yet) it
 * makes its own key and a self-signed certificate for its host names and addresses; an admin may
 * install their own (PUT /gateway/tls), which the listening servers pick up without a restart.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { BadRequestError } from '../../protocols/errors.js';
import type { TlsConfig } from '../config/config.js';
import { writeFileDurable } from '../config/durable-file.js';
import { describeCertificate, makeSelfSigned, type CertificateInfo, type CertificateNames } from './self-signed.js';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export interface TlsIdentity extends CertificateInfo {
  /** Made by the gateway on its first start, or installed by an admin. */
  source: 'self-signed' | 'installed';
  /** True when this start made the key and certificate. */
  createdNow: boolean;
}

/** The host name, <host>.local, localhost, the configured extras and every interface address. */
export function certificateNames(extra: readonly string[], host = hostname()): CertificateNames {
  const dns = new Set<string>([host, `${host}.local`, 'localhost']);
  const ip = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.address.startsWith('fe80')) ip.add(a.address);
  }
  for (const n of extra) (isIP(n) ? ip : dns).add(n);
  return { dns: [...dns], ip: [...ip] };
}

/** Throws BadRequestError unless `key` is the private key of the first certificate in `cert`. */
export function checkPair(m: TlsMaterial): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(m.cert);
  } catch (err) {
    throw new BadRequestError(`cert: not a PEM certificate (${(err as Error).message})`);
  }
  let ok: boolean;
  try {
    ok = cert.checkPrivateKey(createPrivateKey(m.key));
  } catch (err) {
    throw new BadRequestError(`key: not a PEM private key (${(err as Error).message})`);
  }
  if (!ok) throw new BadRequestError('key: does not belong to the certificate');
  if (new Date(cert.validTo).getTime() < Date.now()) throw new BadRequestError(`cert: expired on ${new Date(cert.validTo).toISOString()}`);
  return describeCertificate(m.cert);
}

export class GatewayTls {
  private listeners: Array<(m: TlsMaterial) => void> = [];

  private constructor(
    private material: TlsMaterial,
    private identityInfo: TlsIdentity,
    private readonly files: { cert: string; key: string; marker: string },
  ) {}

  /** Loads the configured files, or makes a key and self-signed certificate when there are none. */
  static async open(o: { dataDir: string; config: TlsConfig; logger: Logger }): Promise<GatewayTls> {
    const dir = join(o.dataDir, 'tls');
    const files = {
      cert: resolve(o.config.cert ?? join(dir, 'gateway.crt')),
      key: resolve(o.config.key ?? join(dir, 'gateway.key')),
      marker: join(dir, 'installed'),
    };
    let createdNow = false;
    if (!existsSync(files.cert) || !existsSync(files.key)) {
      if (o.config.cert || o.config.key) throw new BadRequestError(`tls.cert/tls.key: ${files.cert} or ${files.key} does not exist`);
      const made = await makeSelfSigned(`roost ${hostname()}`, certificateNames(o.config.hostnames), o.config.validityDays);
      // The key first: a certificate without its key would be loaded next start and fail.
      writeFileDurable(files.key, made.keyPem, 0o600);
      writeFileDurable(files.cert, made.certPem, 0o644);
      createdNow = true;
      o.logger.info({ cert: files.cert }, 'made the gateway\'s TLS key and self-signed certificate');
    }
    const material = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    const info = checkPair(material);
    const source = existsSync(files.marker) || o.config.cert !== undefined ? 'installed' : 'self-signed';
    return new GatewayTls(material, { ...info, source, createdNow }, files);
  }

  current(): TlsMaterial {
    return this.material;
  }

  identity(): TlsIdentity {
    return this.identityInfo;
  }

  /** Called with the new material whenever an admin installs a certificate. */
  onChange(listener: (m: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** Checks, stores durably and starts serving an admin's certificate chain and key. */
  install(m: TlsMaterial): TlsIdentity {
    const info = checkPair(m);
    writeFileDurable(this.files.key, m.key, 0o600);
    writeFileDurable(this.files.cert, m.cert, 0o644);
    writeFileDurable(this.files.marker, `${new Date().toISOString()}\n`, 0o644);
    this.material = { cert: m.cert, key: m.key };
    this.identityInfo = { ...info, source: 'installed', createdNow: false };
    for (const l of this.listeners) l(this.material);
    return this.identityInfo;
  }
}
