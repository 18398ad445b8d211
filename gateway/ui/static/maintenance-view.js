// Maintenance (admins; docs/backup.md, docs/image.md "Updates over the network"): download an
// encrypted backup, upload one to restore at the next start, and upload a signed update with the
// bytes sent and the gateway's own state (GET /update) while it is received and installed.
import { ApiError, authHeaders, getJson } from './api.js';
import { h } from './dom.js';
import { formatBytes } from './format.js';

export const POLL_MS = 500;

async function problemOf(res) {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** POST with a raw body; answers the Response, throws ApiError (a 401 here is a refused file, not a lost session). */
async function send(path, body, headers) {
  const res = await fetch(path, { method: 'POST', headers: { ...authHeaders(), ...headers }, body });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res;
}

/** POST /update through XMLHttpRequest, the one browser API that reports upload progress. */
function uploadUpdate(file, force, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/update${force ? '?force=true' : ''}`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', 'application/vnd.roost.update');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { title: 'the upload broke off' }));
    xhr.send(file);
  });
}

const stateText = (s) => [s.state, s.release, s.totalBytes ? `${formatBytes(s.receivedBytes)} of ${formatBytes(s.totalBytes)} received` : '', s.slot ? `slot ${s.slot}` : '', s.rebooting ? 'rebooting into it' : '', s.error ? `${s.error.code}: ${s.error.message}` : ''].filter(Boolean).join(' · ');

export function mountMaintenance(main, ctx) {
  if (ctx.role !== 'admin') {
    main.replaceChildren(h('section', {}, h('h1', {}, 'Maintenance'), h('p', { class: 'muted', id: 'mt-note' }, 'Backups, restores and updates are for admins.')));
    return () => {};
  }
  const backupPass = h('input', { type: 'password', id: 'mt-backup-pass', 'aria-label': 'Backup passphrase', minlength: 8, autocomplete: 'new-password' });
  const backupStatus = h('p', { id: 'mt-backup-status', role: 'status' });
  const restoreFile = h('input', { type: 'file', id: 'mt-restore-file', 'aria-label': 'Backup archive' });
  const restorePass = h('input', { type: 'password', id: 'mt-restore-pass', 'aria-label': 'Restore passphrase', autocomplete: 'off' });
  const restoreStatus = h('p', { id: 'mt-restore-status', role: 'status' });
  const updateFile = h('input', { type: 'file', id: 'mt-update-file', 'aria-label': 'Update file', accept: '.roostupd' });
  const force = h('input', { type: 'checkbox', id: 'mt-update-force' });
  const progress = h('progress', { id: 'mt-update-progress', max: 1, value: 0 });
  const updateStatus = h('p', { id: 'mt-update-status', role: 'status' });
  let poller = null;

  async function showUpdateState() {
    try {
      updateStatus.textContent = stateText(await getJson('/update'));
    } catch (err) {
      updateStatus.textContent = err instanceof ApiError ? err.text : String(err);
    }
  }

  async function backup() {
    backupStatus.textContent = 'Making the backup…';
    try {
      const res = await send('/backup', JSON.stringify({ passphrase: backupPass.value }), { 'content-type': 'application/json' });
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'roost.roostbak';
      const blob = await res.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: name, id: 'mt-backup-link' }, name);
      a.click();
      backupStatus.replaceChildren(`Backup of ${formatBytes(blob.size)} saved as `, a);
    } catch (err) {
      backupStatus.textContent = err instanceof ApiError ? err.text : String(err);
    }
  }

  async function restore() {
    const f = restoreFile.files?.[0];
    if (!f) return void (restoreStatus.textContent = 'Choose a backup archive first.');
    restoreStatus.textContent = `Checking ${f.name}…`;
    try {
      const res = await send('/restore', f, { 'content-type': 'application/vnd.roost.backup', 'roost-backup-passphrase': restorePass.value });
      const r = await res.json();
      restoreStatus.textContent = `Staged: ${r.files} files from the backup of ${new Date(r.backupCreatedAt).toLocaleString(undefined, { hour12: false })}; applied when the gateway starts next.`;
    } catch (err) {
      restoreStatus.textContent = err instanceof ApiError ? err.text : String(err);
    }
  }

  async function update() {
    const f = updateFile.files?.[0];
    if (!f) return void (updateStatus.textContent = 'Choose a .roostupd file first.');
    progress.value = 0;
    poller = setInterval(() => void showUpdateState(), POLL_MS);
    try {
      const r = await uploadUpdate(f, force.checked, (sent, total) => { progress.value = total ? sent / total : 0; });
      progress.value = 1;
      updateStatus.textContent = stateText(r);
    } catch (err) {
      updateStatus.textContent = err instanceof ApiError ? err.text : String(err);
    } finally {
      clearInterval(poller);
      poller = null;
    }
  }

  main.replaceChildren(h('section', { id: 'maintenance' },
    h('h1', {}, 'Maintenance'),
    h('h2', {}, 'Backup'),
    h('p', { class: 'muted' }, 'Everything that makes this box this box, encrypted with your passphrase (8 characters or more). Keep the passphrase: nothing else opens the archive.'),
    h('div', { class: 'row' }, backupPass, h('button', { id: 'mt-backup', onclick: () => void backup() }, 'Download backup')),
    backupStatus,
    h('h2', {}, 'Restore'),
    h('p', { class: 'muted' }, 'The archive is checked whole, then replaces this box\'s data when the gateway starts next.'),
    h('div', { class: 'row' }, restoreFile, restorePass, h('button', { id: 'mt-restore', onclick: () => void restore() }, 'Restore')),
    restoreStatus,
    h('h2', {}, 'Update'),
    h('p', { class: 'muted' }, 'A signed .roostupd goes into the slot that is not running; the box reboots into it on trial and falls back by itself if it does not come up.'),
    h('div', { class: 'row' }, updateFile, h('label', {}, force, ' allow an older release'), h('button', { id: 'mt-update', onclick: () => void update() }, 'Upload update')),
    progress,
    updateStatus,
  ));
  void showUpdateState();
  return () => {
    if (poller) clearInterval(poller);
  };
}
