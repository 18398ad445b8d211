/** Signed `.roostupd` files in memory for tests (the format of protocols/update/update-format.ts). */
import { createHash } from 'node:crypto';
import { encodeSignedHeader, type Arch, type PayloadName, type UpdateManifest } from '../../protocols/update/update-format.js';
import { generateKeyPair, sign, type KeyPair } from '../../protocols/update/update-signing.js';

export interface UpdateFileInput {
  key?: KeyPair;
  arch?: Arch;
  version?: string;
  commit?: string;
  /** Payload bytes by name; defaults are small distinct buffers. */
  payloads?: Partial<Record<PayloadName, Buffer>>;
}

export interface UpdateFile {
  bytes: Buffer;
  key: KeyPair;
  manifest: UpdateManifest;
  payloads: Record<PayloadName, Buffer>;
}

export function makeUpdateFile(input: UpdateFileInput = {}): UpdateFile {
  const key = input.key ?? generateKeyPair();
  const payloads: Record<PayloadName, Buffer> = {
    kernel: input.payloads?.kernel ?? Buffer.from('kernel image bytes'),
    initrd: input.payloads?.initrd ?? Buffer.from('initrd image bytes, a few more of them'),
    rootfs: input.payloads?.rootfs ?? Buffer.alloc(300_000, 0x2a),
  };
  const manifest: UpdateManifest = {
    product: 'roost', arch: input.arch ?? 'amd64', version: input.version ?? '9.1.0', commit: input.commit ?? 'c0ffee', createdAt: '2026-12-01T00:00:00.000Z',
    keyId: key.keyId, cmdline: 'console=ttyS0',
    payloads: (['kernel', 'initrd', 'rootfs'] as const).map((name) => ({ name, size: payloads[name].length, sha256: createHash('sha256').update(payloads[name]).digest('hex') })),
  };
  const signed = encodeSignedHeader(manifest);
  const bytes = Buffer.concat([signed, sign(signed, key.secretKey), payloads.kernel, payloads.initrd, payloads.rootfs]);
  return { bytes, key, manifest, payloads };
}

/** The bytes in chunks of `size`. */
export function* chunked(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
