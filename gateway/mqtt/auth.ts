/**
 * MQTT CONNECT authentication: a username and password (Users.login, scrypt) or a bearer token as
 * the password with any username (Users.verify). Anonymous CONNECTs are refused. Sessions are
 * checked again later (check()): a token session ends when its token expires or is revoked; a
 * password session ends when the user's password changes or the user is removed.
 */
import type { Principal, Users } from '../auth/users.js';
import { ForbiddenError, UnauthenticatedError, toRoostError, type RoostError } from '../../protocols/errors.js';

export interface Session {
  principal: Principal;
  via: 'password' | 'token';
  /** The token given as password, or the one login issued (kept to detect revocation). */
  token: string;
  /** Epoch ms of the login. */
  at: number;
}

export interface MqttAuthDeps {
  users: Pick<Users, 'login' | 'verify'>;
  /** A verifier whose clock is fixed at `atMs`: checks signature and revocation, not expiry. */
  verifierAt: (atMs: number) => Pick<Users, 'verify'>;
  now?: () => number;
}

const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/;

/**
 * MQTT 3.1.1 §3.2.2.3 CONNACK return codes for the MQTT 5 reason codes of the error table:
 * 0x86 bad user name or password -> 4, 0x87 not authorized -> 5, 0x88/0x96 -> 3 server unavailable.
 */
export function connackCode(err: RoostError): 2 | 3 | 4 | 5 {
  switch (err.mqttReason) {
    case 0x86: return 4;
    case 0x85: return 2;
    case 0x88:
    case 0x96: return 3;
    default: return 5;
  }
}

export class MqttAuth {
  private readonly now: () => number;

  constructor(private readonly deps: MqttAuthDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Throws a RoostError (connackCode() gives the CONNACK return code). `source` is the client's
   * address: login throttling counts failures per (username, source) and per source.
   */
  async authenticate(username: string | undefined, password: Buffer | undefined, source: string): Promise<Session> {
    const secret = password?.toString('utf8') ?? '';
    if (secret === '') throw new ForbiddenError('anonymous MQTT connections are not allowed');
    if (JWT.test(secret)) {
      const principal = await this.deps.users.verify(secret);
      return { principal, via: 'token', token: secret, at: this.now() };
    }
    if (!username) throw new UnauthenticatedError('a password needs a username');
    // Users.login throttles (RATE_LIMITED, CONNACK 3) repeated failures; checks over the cap wait.
    const at = this.now();
    const { token } = await this.deps.users.login(username, secret, source);
    const principal = await this.deps.users.verify(token);
    return { principal, via: 'password', token, at };
  }

  /** Whether a session may go on; a token session is checked as of now, a password one as of its login. */
  async check(s: Session): Promise<boolean> {
    try {
      const verifier = s.via === 'token' ? this.deps.users : this.deps.verifierAt(s.at);
      const p = await verifier.verify(s.token);
      return p.username === s.principal.username && p.role === s.principal.role;
    } catch (err) {
      if (toRoostError(err).key === 'UNAUTHENTICATED') return false;
      throw err;
    }
  }
}

/**
 * Client ids belong to the user who first connected with them while that session lives, so one
 * user cannot take over (and inherit the stored subscriptions of) another user's session.
 * A stored session (Clean Session 0, MQTT 3.1.1 §3.1.2.4) lives on after its connection, with its
 * subscriptions and queued messages, until a Clean Session 1 CONNECT with its id ends it: one user
 * holds at most maxStoredPerOwner of them, so stored sessions cannot be made without bound.
 */
export class ClientIds {
  private readonly owners = new Map<string, string>();
  /** Client ids of the stored sessions of each owner. */
  private readonly stored = new Map<string, Set<string>>();

  constructor(private readonly maxStoredPerOwner = Number.POSITIVE_INFINITY) {}

  /** False when another user owns this client id. */
  claim(clientId: string, username: string): boolean {
    return this.claimSession(clientId, username, false) === 'ok';
  }

  /**
   * Claims a client id for a session, stored (Clean Session 0) or not; nothing changes unless
   * 'ok'. 'too-many-sessions' when the id would be one more stored session than the owner may hold.
   */
  claimSession(clientId: string, username: string, storedSession: boolean): 'ok' | 'in-use' | 'too-many-sessions' {
    const owner = this.owners.get(clientId);
    if (owner !== undefined && owner !== username) return 'in-use';
    const mine = this.stored.get(username);
    if (storedSession && !mine?.has(clientId)) {
      if ((mine?.size ?? 0) >= this.maxStoredPerOwner) return 'too-many-sessions';
      if (mine) mine.add(clientId);
      else this.stored.set(username, new Set([clientId]));
    }
    this.owners.set(clientId, username);
    return 'ok';
  }

  /** The session of this id ended (a Clean Session 1 connection closed): the id is free. */
  release(clientId: string, username: string): void {
    if (this.owners.get(clientId) !== username) return;
    this.owners.delete(clientId);
    const mine = this.stored.get(username);
    if (mine?.delete(clientId) && mine.size === 0) this.stored.delete(username);
  }

  /** Stored sessions one owner holds. */
  storedSessions(username: string): number {
    return this.stored.get(username)?.size ?? 0;
  }
}
