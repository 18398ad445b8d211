/**
 * Makes the gateway's self-signed certificate with @peculiar/x509 (node:crypto cannot write
 * certificates). Loaded by self-signed.ts only when a certificate is made: this module pulls in
 * @peculiar/x509 with tsyringe and its ASN.1 stack (~400 KB), which a gateway that only reads its
 * certificate never needs (issue 20, idle memory; the bundle splits it into its own chunk).
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateNames, MadeCertificate } from './self-signed.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** 16 random bytes, positive (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function serialNumber(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

export async function makeCertificate(commonName: string, names: CertificateNames, validityDays: number, now = new Date()): Promise<MadeCertificate> {
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
