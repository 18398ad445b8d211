/**
 * Ed25519 key files for update files: the pure keys and signatures are in
 * protocols/update/update-signing.ts (the gateway checks uploads with them too); this reads the
 * secret key file (mode 0600, build machine only) and the image's trusted-key folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSecretKey, parseTrustedKeys, type KeyPair } from '../../../protocols/update/update-signing.js';

export { formatKey, generateKeyPair, keyIdOf, keyPairFromSecret, sign, SIGNATURE_BYTES, verify, type KeyPair } from '../../../protocols/update/update-signing.js';

export function readSecretKeyFile(path: string): KeyPair {
  return parseSecretKey(readFileSync(path, 'utf8'), path);
}

/** The trusted public keys in a folder of `<keyId>.pub` files, by keyId (recomputed, not trusted from the name). */
export function readTrustedKeys(dir: string): Map<string, Uint8Array> {
  return parseTrustedKeys(readdirSync(dir).filter((n) => n.endsWith('.pub')).map((name) => ({ name: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })));
}
