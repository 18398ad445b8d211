/**
 * The gateway's own certificate: an ECDSA P-256 key and a self-signed X.509 certificate made
 * with @peculiar/x509 (node:crypto cannot write certificates), valid for the gateway's host
 * names and addresses, so that a client can pin its SHA-256 fingerprint.
 */
import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';

type X509 = typeof import('@peculiar/x509');
let x509Lib: Promise<X509> | undefined;

/**
 * @peculiar/x509 (with tsyringe and its ASN.1 stack, ~400 KB) loads only when a certificate is
 * made, on a first start: reading one takes node:crypto alone (issue 20, idle memory). It resolves
 * its algorithms through tsyringe, which needs the Reflect metadata polyfill first.
 */
function loadX509(): Promise<X509> {
  x509Lib ??= import('reflect-metadata').then(() => import('@peculiar/x509')).then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  return x509Lib;
}

export interface CertificateNames {
  dns: string[];
  ip: string[];
}

export interface MadeCertificate {
  certPem: string;
  keyPem: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** 16 random bytes, positive (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function serialNumber(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

export async function makeSelfSigned(commonName: string, names: CertificateNames, validityDays: number, now = new Date()): Promise<MadeCertificate> {
  const x509 = await loadX509();
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + validityDays * 86_400_000);
  const altNames = [...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ip.map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }, { O: ['Roost gateway'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: EC,
    extensions: [
      // A leaf that is its own trust anchor: clients pass it as --cafile or pin its fingerprint.
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
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
