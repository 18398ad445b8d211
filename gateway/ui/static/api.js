// The gateway's HTTP API as the page uses it: every call carries the bearer token kept in
// sessionStorage; a 401 ends the session and brings the login form back (onUnauthenticated).
import { parseLinks } from './format.js';

const SESSION_KEY = 'roost.session';

/** A refused call, with the stable code and title of the problem+json answer (docs/errors.md). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? `HTTP_${status}`;
    this.problem = problem;
  }

  /** "ROOST_ERR_VALUE_INVALID: property led: value: must be boolean" */
  get text() {
    return `${this.code}: ${this.message}`;
  }
}

export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    } catch {
      return null;
    }
  },
  set(s) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

let unauthenticated = () => {};
export function onUnauthenticated(fn) {
  unauthenticated = fn;
}

export function authHeaders() {
  const s = session.get();
  return s?.token ? { authorization: `Bearer ${s.token}` } : {};
}

async function problemOf(res) {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** Sends a call; answers the Response when it is 2xx or 304, throws ApiError otherwise. */
export async function call(method, path, { body, signal, headers = {} } = {}) {
  const init = { method, headers: { ...authHeaders(), ...headers }, signal };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.ok) return res;
  const err = new ApiError(res.status, await problemOf(res));
  if (res.status === 401) {
    session.clear();
    unauthenticated(err);
  }
  throw err;
}

/** JSON body of a call (null for an empty answer). */
export async function getJson(path, opts) {
  const res = await call('GET', path, opts);
  const text = await res.text();
  return text === '' ? null : JSON.parse(text);
}

export async function login(username, password) {
  const res = await fetch('/auth/token', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  if (!res.ok) {
    const err = new ApiError(res.status, await problemOf(res));
    const retry = res.headers.get('retry-after');
    if (retry) err.retryAfterS = Number(retry);
    throw err;
  }
  const { token } = await res.json();
  // The role decides which controls are enabled; a user may always read itself (docs/api.md, Users).
  const me = await fetch(`/users/${encodeURIComponent(username)}`, { headers: { authorization: `Bearer ${token}` } });
  const role = me.ok ? (await me.json()).role : 'unknown';
  session.set({ token, username, role });
  return session.get();
}

export const thingPath = (id) => `/things/${encodeURIComponent(id)}`;

/** Online state, sleepiness and queue depth of every thing, page by page (GET /status/things). */
export async function listStatuses({ signal, pageSize = 200, maxPages = 50 } = {}) {
  const out = new Map();
  for (let page = 0; page < maxPages; page++) {
    const res = await call('GET', `/status/things?offset=${page * pageSize}&limit=${pageSize}`, { signal });
    const { total, items } = await res.json();
    for (const s of items) out.set(s.id, s);
    if (items.length === 0 || out.size >= total) break;
  }
  return out;
}

/** Every TD of the directory, following Link rel="next" page by page. */
export async function listThings({ signal, pageSize = 200, maxPages = 50 } = {}) {
  const things = [];
  let next = `/things?limit=${pageSize}`;
  for (let page = 0; next && page < maxPages; page++) {
    const res = await call('GET', next, { signal });
    things.push(...(await res.json()));
    next = parseLinks(res.headers.get('link')).next;
  }
  return things;
}
