/**
 * Users and bearer tokens. Roles: admin > operator > agent/viewer. Tokens are HS256 JWTs (jose)
 * signed with a secret kept in the `meta` table; each carries the user's password_changed_at, so a
 * password change or removal revokes every token issued before it.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { UnauthenticatedError } from '../../protocols/errors.js';
import type { Db } from '../store/database.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'operator', 'agent', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  username: string;
  role: Role;
}

interface UserRow { username: string; role: Role; password_hash: string; password_changed_at: number }

/** A hash to compare against when the user does not exist, so timing does not tell. */
let decoyHash: Promise<string> | null = null;

export class Users {
  private readonly secret: Uint8Array;

  constructor(private readonly db: Db, private readonly tokenTtlS: number, private readonly now: () => number = Date.now) {
    let hex = db.prepare("SELECT value FROM meta WHERE key = 'jwt_secret'").pluck().get() as string | undefined;
    if (!hex) {
      hex = randomBytes(32).toString('hex');
      db.prepare("INSERT INTO meta (key, value) VALUES ('jwt_secret', ?)").run(hex);
    }
    this.secret = Buffer.from(hex, 'hex');
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
  }

  async create(username: string, password: string, role: Role): Promise<void> {
    const at = this.now();
    this.db.prepare('INSERT INTO users (username, role, password_hash, password_changed_at, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(username, role, await hashPassword(password), at, at);
  }

  /** First start: an admin whose password comes from config or env, else a random one printed once. */
  async ensureAdmin(username: string, configured: string | undefined, logger: Logger, print: (line: string) => void): Promise<void> {
    if (this.count() > 0) return;
    const password = configured ?? process.env['ROOST_ADMIN_PASSWORD'] ?? randomBytes(12).toString('base64url');
    await this.create(username, password, 'admin');
    if (configured === undefined && process.env['ROOST_ADMIN_PASSWORD'] === undefined) {
      print(`roost: created admin user '${username}' with password ${password} (shown once; change it)`);
    }
    logger.info({ username }, 'admin user created');
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare('SELECT username, role, password_hash, password_changed_at FROM users WHERE username = ?').get(username) as UserRow | undefined;
  }

  /** Checks a password and issues a token; the same error for an unknown user and a wrong password. */
  async login(username: string, password: string): Promise<{ token: string; expiresIn: number }> {
    const row = this.row(username);
    decoyHash ??= hashPassword('decoy password');
    const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash));
    if (!row || !ok) throw new UnauthenticatedError('bad username or password');
    const token = await new SignJWT({ role: row.role, pwd: row.password_changed_at })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(row.username)
      .setIssuedAt(Math.floor(this.now() / 1000))
      .setExpirationTime(Math.floor(this.now() / 1000) + this.tokenTtlS)
      .sign(this.secret);
    return { token, expiresIn: this.tokenTtlS };
  }

  /** Verifies a bearer token: signature, expiry, and that the user still exists with the same password. */
  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], currentDate: new Date(this.now()) }));
    } catch (err) {
      throw new UnauthenticatedError(`invalid token: ${(err as Error).message}`);
    }
    const row = typeof payload['sub'] === 'string' ? this.row(payload['sub']) : undefined;
    if (!row || row.password_changed_at !== payload['pwd']) throw new UnauthenticatedError('token revoked');
    return { username: row.username, role: row.role };
  }

  async setPassword(username: string, password: string): Promise<void> {
    const at = Math.max(this.now(), (this.row(username)?.password_changed_at ?? 0) + 1);
    this.db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE username = ?').run(await hashPassword(password), at, username);
  }

  remove(username: string): void {
    this.db.prepare('DELETE FROM users WHERE username = ?').run(username);
  }
}
