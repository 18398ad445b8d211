/**
 * A small HTTP client for API tests: logs in through POST /auth/token and sends JSON with the
 * bearer token. Answers status, headers and the parsed body (JSON when there is one).
 */
import { TEST_ADMIN_PASSWORD } from './gateway.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiClient {
  constructor(readonly baseUrl: string, private token?: string) {}

  static async login(baseUrl: string, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<ApiClient> {
    const r = await fetch(`${baseUrl}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (r.status !== 200) throw new Error(`login of ${username} failed: ${r.status} ${await r.text()}`);
    const { token } = (await r.json()) as { token: string };
    return new ApiClient(baseUrl, token);
  }

  get bearer(): string {
    if (!this.token) throw new Error('not logged in');
    return this.token;
  }

  async send<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = contentType;
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(`${this.baseUrl}${path}`, init);
    const text = await r.text();
    let parsed: unknown = text;
    if (/json/.test(r.headers.get('content-type') ?? '') && text !== '') parsed = JSON.parse(text);
    return { status: r.status, headers: r.headers, body: parsed as T };
  }

  get<T = unknown>(path: string): Promise<ApiAnswer<T>> {
    return this.send<T>('GET', path);
  }
}

/** The stable error code of a problem+json answer. */
export function codeOf(a: ApiAnswer): unknown {
  return (a.body as { code?: unknown } | null)?.code;
}
