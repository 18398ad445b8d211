/**
 * Device tokens for ingest (docs/api.md "Device ingest"): HS256 JWTs (jose) whose `sub` is the
 * device id, scoped to ingest only (`scope: "ingest"`), carrying the device's token generation
 * (`gen`). The secret is the ingest binding's own, never the users' one, so a device token is not
 * a user token and the other way round. Verification here is the signature, the scope and the
 * expiry; whether the device is still approved and the generation current is the binding's check.
 */
import { SignJWT, jwtVerify } from 'jose';
import { ForbiddenError } from '../../protocols/errors.js';

export const INGEST_SCOPE = 'ingest';

export interface DeviceTokenClaims {
  deviceId: string;
  gen: number;
}

export async function signDeviceToken(secret: Uint8Array, claims: DeviceTokenClaims, nowMs: number, ttlS: number): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(nowMs / 1000);
  const token = await new SignJWT({ scope: INGEST_SCOPE, gen: claims.gen })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.deviceId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS)
    .sign(secret);
  return { token, expiresAt: (iat + ttlS) * 1000 };
}

/** Throws ForbiddenError (403: the token does not verify, is expired or not an ingest token). */
export async function verifyDeviceToken(secret: Uint8Array, token: string, nowMs: number): Promise<DeviceTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], currentDate: new Date(nowMs), requiredClaims: ['sub', 'exp'] }));
  } catch (err) {
    throw new ForbiddenError(`device token refused: ${(err as Error).message}`);
  }
  const sub = payload['sub'];
  const gen = payload['gen'];
  if (payload['scope'] !== INGEST_SCOPE || typeof sub !== 'string' || typeof gen !== 'number') throw new ForbiddenError('not a device ingest token');
  return { deviceId: sub, gen };
}
