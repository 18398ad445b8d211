// The page: login, then a hash router over the views of VIEWS (#/<name>) and one thing (#/thing/<id>).
// Each view is mount(container, ctx) -> unmount, so streams and pollers end when the view is left.
import { onUnauthenticated, session } from './api.js';
import { mountBindings } from './bindings-view.js';
import { mountDevices } from './devices-view.js';
import { mountFirmware } from './firmware-view.js';
import { mountGateway } from './gateway-view.js';
import { mountLogin } from './login-view.js';
import { mountMaintenance } from './maintenance-view.js';
import { mountRules } from './rules-view.js';
import { mountSettings } from './settings-view.js';
import { mountThing } from './thing-view.js';
import { mountThings } from './things-view.js';
import { mountUsers } from './users-view.js';

/** Views by route name; anything else shows the things. */
const VIEWS = {
  things: mountThings,
  devices: mountDevices,
  bindings: mountBindings,
  users: mountUsers,
  rules: mountRules,
  firmware: mountFirmware,
  gateway: mountGateway,
  settings: mountSettings,
  maintenance: mountMaintenance,
};

/** Roles that may write properties and invoke actions (docs/api.md, Log in). */
const CHANGE_ROLES = new Set(['admin', 'operator', 'agent']);

const main = document.getElementById('main');
let unmount = () => {};

function context() {
  const s = session.get();
  return { username: s.username, role: s.role, canChange: CHANGE_ROLES.has(s.role) };
}

function header(loggedIn) {
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('who').hidden = !loggedIn;
  const s = session.get();
  document.getElementById('who-name').textContent = loggedIn && s ? `${s.username} (${s.role})` : '';
  const route = location.hash.split('/')[1] ?? 'things';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.route === route || (route === 'thing' && a.dataset.route === 'things'));
}

function showLogin(message) {
  unmount();
  header(false);
  unmount = mountLogin(main, { message, onLoggedIn: route });
}

function route() {
  if (!session.get()?.token) return showLogin();
  unmount();
  header(true);
  const [, view, ...rest] = location.hash.split('/');
  const ctx = context();
  if (view === 'thing' && rest.length > 0) unmount = mountThing(main, ctx, decodeURIComponent(rest.join('/')));
  else unmount = (VIEWS[view] ?? mountThings)(main, ctx);
}

onUnauthenticated(() => showLogin('Your session ended: log in again.'));
document.getElementById('logout').addEventListener('click', () => {
  session.clear();
  showLogin('Logged out.');
});
window.addEventListener('hashchange', route);
route();
