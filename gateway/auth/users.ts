/**
 * Users and bearer tokens. Roles: admin > operator > agent/viewer. Tokens are HS256 JWTs (jose)
 * signed with a secret kept in the `meta` table; each carries the user's password_changed_at, so a
 * password change or removal revokes every token issued before it.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { BadRequestError, ConflictError, UnauthenticatedError, UserNotFoundError } from '../../protocols/errors.js';
import type { Db } from '../store/database.js';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, type LoginThrottleCounters, type LoginThrottleOptions } from './login-throttle.js';
import { VerifiedPasswords, hashPassword, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'operator', 'agent', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  username: string;
  role: Role;
}

/** What the user API shows of a user (never the hash). */
export interface UserInfo {
  username: string;
  role: Role;
  createdAt: number;
  passwordChangedAt: number;
}

/** Letters, digits, dot, dash, underscore, at sign: safe in URLs, logs and MQTT usernames. */
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
export const MIN_PASSWORD_LENGTH = 8;
/** How long a successful password check is remembered (VerifiedPasswords); 0 turns it off. */
export const DEFAULT_VERIFIED_CACHE_MS = 60_000;

interface UserRow { username: string; role: Role; password_hash: string; password_changed_at: number }

/** A hash to compare against when the user does not exist, so timing does not tell. */
let decoyHash: Promise<string> | null = null;

export class Users {
  private readonly secret: Uint8Array;
  private readonly throttle: LoginThrottle;
  private readonly verified: VerifiedPasswords;

  constructor(
    private readonly db: Db,
    private readonly tokenTtlS: number,
    private readonly now: () => number = Date.now,
    { verifiedCacheMs = DEFAULT_VERIFIED_CACHE_MS, ...throttle }: Partial<LoginThrottleOptions> & { verifiedCacheMs?: number } = {},
  ) {
    this.throttle = new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, now, ...throttle });
    this.verified = new VerifiedPasswords({ ttlMs: verifiedCacheMs, maxEntries: DEFAULT_LOGIN_THROTTLE.maxTracked, now });
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

  list(): UserInfo[] {
    return (this.db.prepare('SELECT username, role, created_at, password_changed_at FROM users ORDER BY username').all() as
      Array<{ username: string; role: Role; created_at: number; password_changed_at: number }>)
      .map((r) => ({ username: r.username, role: r.role, createdAt: r.created_at, passwordChangedAt: r.password_changed_at }));
  }

  get(username: string): UserInfo {
    const info = this.list().find((u) => u.username === username);
    if (!info) throw new UserNotFoundError(`no user ${username}`);
    return info;
  }

  /** Throws ConflictError when the user exists, BadRequestError on a bad name or a short password. */
  async create(username: string, password: string, role: Role): Promise<void> {
    if (!new RegExp(USERNAME_PATTERN).test(username)) throw new BadRequestError(`username must match ${USERNAME_PATTERN}`);
    checkPassword(password);
    if (this.row(username)) throw new ConflictError(`user ${username} exists`);
    const at = this.now();
    this.db.prepare('INSERT INTO users (username, role, password_hash, password_changed_at, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(username, role, await hashPassword(password), at, at);
  }

  /**
   * First start: an admin whose password comes from config or env, else a random one printed once.
   * On a later start a given password is not applied (users and their passwords live in the
   * database); when it is not the admin's current password, the log says so.
   * Resolves once the admin exists. That comparison is a scrypt check (~0.2 s of a thread-pool
   * thread and 32 MiB, several seconds on an emulated box): a start need not wait for it, and
   * `checked` settles when it is done. The appliance sets ROOST_ADMIN_PASSWORD at every start.
   */
  async ensureAdmin(username: string, configured: string | undefined, logger: Logger, print: (line: string) => void): Promise<{ checked: Promise<void> }> {
    if (this.count() > 0) {
      const given = configured ?? process.env['ROOST_ADMIN_PASSWORD'];
      if (given === undefined) return { checked: Promise.resolve() };
      const checked = this.warnUnapplied(username, given, configured !== undefined ? 'auth.adminPassword' : 'ROOST_ADMIN_PASSWORD', logger)
        .catch((err: unknown) => logger.warn({ err, username }, 'could not check the given admin password against the stored one'));
      return { checked };
    }
    const password = configured ?? process.env['ROOST_ADMIN_PASSWORD'] ?? randomBytes(12).toString('base64url');
    await this.create(username, password, 'admin');
    if (configured === undefined && process.env['ROOST_ADMIN_PASSWORD'] === undefined) {
      print(`roost: created admin user '${username}' with password ${password} (shown once; change it)`);
    }
    logger.info({ username }, 'admin user created');
    return { checked: Promise.resolve() };
  }

  private async warnUnapplied(username: string, given: string, from: string, logger: Logger): Promise<void> {
    const row = this.row(username);
    if (row && (await verifyPassword(given, row.password_hash))) return;
    logger.warn({ username, from },
      `${from} is set but was not applied: users exist already, and the admin password is set only on the first start; ` +
      `log in with the current password and change it with PATCH /users/${username} {"password": ...}`);
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare('SELECT username, role, password_hash, password_changed_at FROM users WHERE username = ?').get(username) as UserRow | undefined;
  }

  /**
   * Checks a password and issues a token; the same error for an unknown user and a wrong
   * password. Throttled (login-throttle.ts) per (username, source) and per source: RATE_LIMITED
   * after repeated failures; checks beyond the concurrency cap wait in a bounded queue.
   */
  login(username: string, password: string, source = 'local'): Promise<{ token: string; expiresIn: number }> {
    return this.throttle.run(username, source, () => this.checkAndIssue(username, password));
  }

  /** Login throttling counters, for /metrics. */
  get loginCounters(): Readonly<LoginThrottleCounters> {
    return this.throttle.counters;
  }

  private async checkAndIssue(username: string, password: string): Promise<{ token: string; expiresIn: number }> {
    const row = this.row(username);
    decoyHash ??= hashPassword('decoy password');
    const ok = row !== undefined && this.verified.has(row.username, password, row.password_hash)
      ? true
      : await verifyPassword(password, row?.password_hash ?? (await decoyHash));
    if (!row || !ok) throw new UnauthenticatedError('bad username or password');
    this.verified.remember(row.username, password, row.password_hash);
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
    this.require(username);
    checkPassword(password);
    const at = Math.max(this.now(), (this.row(username)?.password_changed_at ?? 0) + 1);
    this.db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE username = ?').run(await hashPassword(password), at, username);
  }

  /** A role change takes effect at once (tokens carry no authority of their own, see verify). */
  setRole(username: string, role: Role): void {
    const row = this.require(username);
    if (row.role === 'admin' && role !== 'admin') this.keepAnAdmin(username);
    this.db.prepare('UPDATE users SET role = ? WHERE username = ?').run(role, username);
  }

  remove(username: string): void {
    const row = this.require(username);
    if (row.role === 'admin') this.keepAnAdmin(username);
    this.db.prepare('DELETE FROM users WHERE username = ?').run(username);
  }

  private require(username: string): UserRow {
    const row = this.row(username);
    if (!row) throw new UserNotFoundError(`no user ${username}`);
    return row;
  }

  /** The last admin cannot be removed or demoted: nobody could manage users afterwards. */
  private keepAnAdmin(leaving: string): void {
    const others = this.db.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND username <> ?").pluck().get(leaving) as number;
    if (others === 0) throw new ConflictError(`${leaving} is the last admin`);
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new BadRequestError(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
}
