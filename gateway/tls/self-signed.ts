/**
 * The gateway's own certificate: an ECDSA P-256 key and a self-signed X.509 certificate
 * (make-certificate.ts), valid for the gateway's host names and addresses, so that a client can
 * pin its SHA-256 fingerprint; read back with node:crypto.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';

export interface CertificateNames {
  dns: string[];
  ip: string[];
}

export interface MadeCertificate {
  certPem: string;
  keyPem: string;
}

/** A new ECDSA P-256 key and a self-signed certificate for these names (make-certificate.ts, loaded on first use). */
export async function makeSelfSigned(commonName: string, names: CertificateNames, validityDays: number, now = new Date()): Promise<MadeCertificate> {
  const { makeCertificate } = await import('./make-certificate.js');
  return makeCertificate(commonName, names, validityDays, now);
}

export interface CertificateInfo {
  /** `AB:CD:...`, as openssl and curl print it. */
  sha256: string;
  subject: string;
  subjectAltName: string;
  validFrom: string;
  validTo: string;
  selfSigned: boolean;
}

export function describeCertificate(certPem: string): CertificateInfo {
  const c = new NodeX509(certPem);
  return {
    sha256: c.fingerprint256,
    subject: c.subject,
    subjectAltName: c.subjectAltName ?? '',
    validFrom: new Date(c.validFrom).toISOString(),
    validTo: new Date(c.validTo).toISOString(),
    selfSigned: c.subject === c.issuer && c.verify(c.publicKey),
  };
}
