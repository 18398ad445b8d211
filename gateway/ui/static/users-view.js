// Users (admins; docs/api.md, Users): the list with each user's role, create a user, change a
// role, reset a password (typed, or made here and shown once), delete with a second click. A
// password change or removal ends that user's tokens on the gateway.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';

/** Roles of gateway/auth/users.ts (ROLES), most powerful first. */
export const ROLES = ['admin', 'operator', 'agent', 'viewer'];
/** How long a Delete button waits for its confirming second click. */
export const CONFIRM_MS = 5000;
const PASSWORD_BYTES = 12;

const userPath = (name) => `/users/${encodeURIComponent(name)}`;
const when = (ms) => (typeof ms === 'number' ? new Date(ms).toLocaleString(undefined, { hour12: false }) : '');
const roleSelect = (selected, attrs = {}) => h('select', attrs, ROLES.map((r) => h('option', { value: r, selected: r === selected }, r)));

/** A random password (base64url of PASSWORD_BYTES random bytes), for a reset nobody typed. */
export function newPassword() {
  const bytes = crypto.getRandomValues(new Uint8Array(PASSWORD_BYTES));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function mountUsers(main, ctx) {
  if (ctx.role !== 'admin') {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Users'), h('p', { class: 'muted', id: 'users-note' }, `Role ${ctx.role} does not manage users: admins do.`)));
    return () => {};
  }
  const body = h('tbody', { id: 'users-body' });
  const note = h('p', { class: 'muted', id: 'users-note', role: 'status' }, 'Loading…');
  const name = h('input', { id: 'new-user-name', autocomplete: 'off', required: true, placeholder: 'name' });
  const password = h('input', { id: 'new-user-password', type: 'password', autocomplete: 'new-password', placeholder: 'empty: make one' });
  const role = roleSelect('viewer', { id: 'new-user-role' });
  fill(main, h('div', {},
    h('section', { class: 'card' }, h('h1', {}, 'Users'), note,
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'Role'), h('th', {}, 'Created'), h('th', {}, 'Password changed'), h('th', {}, 'Reset password'), h('th', {}, ''))),
        body)),
    h('section', { class: 'card' }, h('h2', {}, 'New user'),
      h('form', { id: 'new-user', class: 'row', onsubmit: (e) => { e.preventDefault(); void create(); } },
        h('label', {}, 'Name', name), h('label', {}, 'Password', password), h('label', {}, 'Role', role),
        h('button', { type: 'submit', id: 'new-user-submit' }, 'Create')))));

  const say = (text, cls = 'ok') => {
    note.className = cls;
    note.textContent = text;
  };
  /** Runs a call, says how it went, reads the list again; answers whether it worked. */
  const act = async (fn, done) => {
    let ok = false;
    try {
      await fn();
      say(done);
      ok = true;
    } catch (err) {
      say(err.text ?? err.message, 'error');
    }
    await refresh();
    return ok;
  };
  /** The password to send: typed, or made here (then shown once in the note). */
  const chosen = (input) => {
    const typed = input.value;
    input.value = '';
    return typed ? { value: typed, shown: '' } : (() => { const v = newPassword(); return { value: v, shown: v }; })();
  };
  const shownText = (p) => (p.shown ? ` Its password is ${p.shown} (shown once).` : '');

  async function create() {
    const p = chosen(password);
    const username = name.value.trim();
    if (await act(() => call('POST', '/users', { body: { username, password: p.value, role: role.value } }), `User ${username} created.${shownText(p)}`)) {
      name.value = '';
      role.value = 'viewer';
    }
  }

  const row = (u) => {
    const rolePick = roleSelect(u.role, { 'aria-label': `role of ${u.username}`, class: 'role' });
    rolePick.addEventListener('change', () => act(() => call('PATCH', userPath(u.username), { body: { role: rolePick.value } }), `${u.username} is now ${rolePick.value}.`));
    const reset = h('input', { type: 'password', autocomplete: 'new-password', class: 'reset-password', placeholder: 'empty: make one', 'aria-label': `new password of ${u.username}`, size: 14 });
    const resetButton = h('button', {
      type: 'button', class: 'small reset',
      onclick: () => {
        const p = chosen(reset);
        void act(() => call('PATCH', userPath(u.username), { body: { password: p.value } }), `Password of ${u.username} reset; its sessions ended.${shownText(p)}`);
      },
    }, 'Reset');
    let armed;
    const del = h('button', {
      type: 'button', class: 'small danger delete',
      onclick: () => {
        if (!armed) {
          del.textContent = 'Really delete?';
          armed = setTimeout(() => { armed = undefined; del.textContent = 'Delete'; }, CONFIRM_MS);
          return;
        }
        clearTimeout(armed);
        void act(() => call('DELETE', userPath(u.username)), `User ${u.username} deleted.`);
      },
    }, 'Delete');
    return h('tr', { 'data-user': u.username, 'data-role': u.role },
      h('td', {}, u.username, u.username === ctx.username ? h('span', { class: 'tag' }, 'you') : ''),
      h('td', {}, rolePick), h('td', {}, when(u.createdAt)), h('td', {}, when(u.passwordChangedAt)),
      h('td', {}, reset, ' ', resetButton), h('td', {}, del));
  };

  let stopped = false;
  async function refresh() {
    try {
      const users = await getJson('/users');
      if (stopped) return;
      fill(body, users.map(row));
      if (note.textContent === 'Loading…') say(`${users.length} users`, 'muted');
    } catch (err) {
      say(err.text ?? err.message, 'error');
    }
  }
  void refresh();
  return () => {
    stopped = true;
  };
}
