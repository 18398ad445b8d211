// The login form: POST /auth/token, token and role kept in sessionStorage (api.js).
import { login } from './api.js';
import { h, fill } from './dom.js';

export function mountLogin(main, { message, onLoggedIn }) {
  const note = h('p', { class: 'note', id: 'login-note', role: 'status' }, message ?? '');
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, value: 'admin' });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', id: 'login-submit' }, 'Log in');
  const form = h('form', { class: 'card login', id: 'login-form' },
    h('h1', {}, 'Log in to Roost'),
    h('label', {}, 'User', user),
    h('label', {}, 'Password', pass),
    submit, note);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    note.className = 'note';
    note.textContent = 'Logging in…';
    try {
      await login(user.value, pass.value);
      onLoggedIn();
    } catch (err) {
      note.className = 'error';
      note.textContent = err.retryAfterS ? `${err.text ?? err.message} (try again in ${err.retryAfterS} s)` : (err.text ?? err.message);
      submit.disabled = false;
    }
  });
  fill(main, form);
  (user.value ? pass : user).focus();
  return () => {};
}
