// Onboarding (docs/security.md): pending devices with Approve / Reject, and every device's state
// and which credentials it has (never their values: the API does not send them). Admins and
// operators only; read again every REFRESH_MS while the view is open and after each decision.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';

export const REFRESH_MS = 5000;
const DECIDERS = new Set(['admin', 'operator']);
const CREDENTIALS = [['oscore', 'OSCORE'], ['bthomeKey', 'BTHome key'], ['publicKeySha256', 'public key']];
const HEX = /^([0-9a-fA-F]{2})*$/;

const devicePath = (id) => `/devices/pending/${encodeURIComponent(id)}`;
const when = (ms) => new Date(ms).toLocaleString(undefined, { hour12: false });
const claimsText = (c) => (c && Object.keys(c).length ? JSON.stringify(c).slice(0, 200) : '');

export function mountDevices(main, ctx) {
  if (!DECIDERS.has(ctx.role)) {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Devices'), h('p', { class: 'muted', id: 'devices-note' }, `Role ${ctx.role} does not see devices: admins and operators approve them.`)));
    return () => {};
  }
  const pendingBody = h('tbody', { id: 'pending-body' });
  const devicesBody = h('tbody', { id: 'devices-body' });
  const note = h('p', { class: 'muted', id: 'devices-note', role: 'status' }, 'Loading…');
  fill(main, h('div', {},
    h('section', { class: 'card' }, h('h1', {}, 'Pending devices'), note,
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'Seen as'), h('th', {}, 'Claims'), h('th', {}, 'Since'), h('th', {}, 'OSCORE secret / kid (optional)'), h('th', {}, ''))),
        pendingBody)),
    h('section', { class: 'card' }, h('h1', {}, 'All devices'),
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'Name'), h('th', {}, 'State'), h('th', {}, 'Credentials'), h('th', {}, 'Since'))),
        devicesBody))));

  let timer;
  let stopped = false;
  let busy = false;

  const decide = async (d, verb, secretInput, kidInput) => {
    const body = {};
    if (verb === 'approve') {
      const secret = secretInput.value.trim();
      const kid = kidInput.value.trim();
      if (secret || kid) {
        if (!secret || !HEX.test(secret) || !HEX.test(kid)) {
          note.textContent = 'The OSCORE master secret and kid are hex (secret 16-32 bytes, kid 0-7 bytes).';
          note.className = 'error';
          return;
        }
        body.credentials = { oscore: { masterSecret: secret, recipientId: kid } };
      }
    }
    busy = true;
    try {
      await call('POST', `${devicePath(d.id)}/${verb}`, { body });
      note.className = 'muted';
      note.textContent = `${d.id} ${verb === 'approve' ? 'approved' : 'rejected'}.`;
    } catch (err) {
      note.className = 'error';
      note.textContent = err.text ?? err.message;
    } finally {
      busy = false;
      secretInput.value = '';
    }
    await refresh(false);
  };

  const pendingRow = (d) => {
    const secret = h('input', { type: 'password', autocomplete: 'off', placeholder: 'master secret (hex)', 'aria-label': `OSCORE master secret of ${d.id}`, class: 'secret', size: 20 });
    const kid = h('input', { type: 'text', autocomplete: 'off', placeholder: 'kid (hex)', 'aria-label': `OSCORE kid of ${d.id}`, class: 'kid', size: 6 });
    return h('tr', { 'data-id': d.id },
      h('td', {}, h('span', { class: 'tag' }, d.binding), ' ', h('span', { class: 'mono' }, d.deviceId)),
      h('td', {}, d.seenAs ?? ''),
      h('td', { class: 'mono' }, claimsText(d.claims)),
      h('td', {}, when(d.since)),
      h('td', {}, secret, ' ', kid),
      h('td', {},
        h('button', { type: 'button', class: 'approve', onclick: () => decide(d, 'approve', secret, kid) }, 'Approve'), ' ',
        h('button', { type: 'button', class: 'reject', onclick: () => decide(d, 'reject', secret, kid) }, 'Reject')));
  };

  const deviceRow = (d) => h('tr', { 'data-id': d.id, 'data-state': d.state },
    h('td', { class: 'mono' }, d.id),
    h('td', {}, d.name ?? ''),
    h('td', {}, h('span', { class: `state state-${d.state}` }, d.state)),
    h('td', { 'data-credentials': CREDENTIALS.filter(([k]) => d.credentials[k]).map(([k]) => k).join(' ') },
      CREDENTIALS.filter(([k]) => d.credentials[k]).map(([, label]) => h('span', { class: 'tag' }, label)),
      CREDENTIALS.some(([k]) => d.credentials[k]) ? '' : h('span', { class: 'muted' }, 'none')),
    h('td', {}, when(d.since)));

  async function refresh(again = true) {
    // A decision being typed is not wiped by a refresh: only when nothing is focused in the pending table.
    const typing = pendingBody.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
    if (!busy) {
      try {
        const [pending, all] = await Promise.all([getJson('/devices/pending'), getJson('/devices')]);
        if (!typing) fill(pendingBody, pending.map(pendingRow));
        fill(devicesBody, all.map(deviceRow));
        if (note.className !== 'error') note.textContent = pending.length ? `${pending.length} waiting for a decision` : 'No device is waiting.';
      } catch (err) {
        note.className = 'error';
        note.textContent = err.text ?? err.message;
      }
    }
    if (again && !stopped) timer = setTimeout(() => refresh(), REFRESH_MS);
  }
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
