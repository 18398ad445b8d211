/**
 * The administration calls the boot test makes against the gateway in the VM, as an admin would
 * (ARCHITECTURE.md, HTTP: /auth/token, /users, POST /backup, POST /restore, POST /update), through
 * an Api: the base URL and the fetch to use (the image serves them over HTTPS only, so the boot
 * test passes one pinned to the certificate the box presents: boot-session.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';

export interface Api {
  base: string;
  fetch: typeof fetch;
}

export class AdminCallError extends Error {
  override readonly name = 'AdminCallError';
  constructor(readonly what: string, readonly status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

async function ok(res: Response, what: string, status = 200): Promise<Response> {
  if (res.status !== status) throw new AdminCallError(what, res.status, await res.text());
  return res;
}

export async function login(api: Api, username: string, password: string): Promise<string> {
  const res = await ok(await api.fetch(`${api.base}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  }), `POST /auth/token as ${username}`);
  return ((await res.json()) as { token: string }).token;
}

/** Whether a login is refused (401), without throwing. */
export async function loginRefused(api: Api, username: string, password: string): Promise<boolean> {
  const res = await api.fetch(`${api.base}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  await res.text();
  return res.status === 401;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export async function createUser(api: Api, token: string, username: string, password: string, role: string): Promise<void> {
  await ok(await api.fetch(`${api.base}/users`, {
    method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify({ username, password, role }),
  }), `POST /users ${username}`, 201);
}

export async function userNames(api: Api, token: string): Promise<string[]> {
  const res = await ok(await api.fetch(`${api.base}/users`, { headers: bearer(token) }), 'GET /users');
  return ((await res.json()) as Array<{ username: string }>).map((u) => u.username);
}

/** POST /backup: the archive's bytes. */
export async function downloadBackup(api: Api, token: string, passphrase: string): Promise<Buffer> {
  const res = await ok(await api.fetch(`${api.base}/backup`, {
    method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify({ passphrase }),
  }), 'POST /backup');
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/vnd.roost.backup')) throw new Error(`POST /backup answered ${type}, not the archive`);
  return Buffer.from(await res.arrayBuffer());
}

/** POST /restore: staged, applied at the gateway's next start. */
export async function uploadRestore(api: Api, token: string, archive: Buffer, passphrase: string): Promise<{ state: string; files: number }> {
  const res = await ok(await api.fetch(`${api.base}/restore`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/vnd.roost.backup', 'roost-backup-passphrase': passphrase },
    body: archive,
  }), 'POST /restore', 202);
  return (await res.json()) as { state: string; files: number };
}

/** POST /update with the file streamed as the body; the gateway's update status. */
export async function uploadUpdate(api: Api, token: string, file: string, query = ''): Promise<{ state: string; slot: string | null; release: string | null; rebooting: boolean }> {
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  const res = await ok(await api.fetch(`${api.base}/update${query}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/vnd.roost.update', 'content-length': String(statSync(file).size) },
    body,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' }), 'POST /update');
  return (await res.json()) as { state: string; slot: string | null; release: string | null; rebooting: boolean };
}
