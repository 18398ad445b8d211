// Firmware (docs/api.md, Firmware campaigns): the uploaded images, a form to start a campaign on
// selected LwM2M things (admins), and every campaign with each device's state, step, Update Result
// and versions, read again every REFRESH_MS while the view is open.
import { ApiError, authHeaders, call, getJson, listThings } from './api.js';
import { h, fill } from './dom.js';
import { formatBytes } from './format.js';

export const REFRESH_MS = 2000;
const FIRMWARE_ACTION = 'firmware_update';

const when = (ms) => (ms ? new Date(ms).toLocaleString(undefined, { hour12: false }) : '');
const countsText = (c) => ['succeeded', 'failed', 'running', 'waiting', 'cancelled'].filter((k) => c[k]).map((k) => `${c[k]} ${k}`).join(', ') || 'no devices';

/** POST /firmware with the file as application/octet-stream; answers the stored image. */
async function uploadImage(file, name, version) {
  const q = new URLSearchParams({ name, version });
  const res = await fetch(`/firmware?${q}`, { method: 'POST', headers: { ...authHeaders(), 'content-type': 'application/octet-stream' }, body: file });
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
    throw new ApiError(res.status, problem);
  }
  return res.json();
}

export function mountFirmware(main, ctx) {
  const admin = ctx.role === 'admin';
  const note = h('p', { class: 'muted', id: 'fw-note', role: 'status' }, 'Loading…');
  const imagesBody = h('tbody', { id: 'fw-images' });
  const imageSelect = h('select', { id: 'fw-image', 'aria-label': 'Firmware image' });
  const thingsList = h('div', { id: 'fw-things' });
  const campaignsBody = h('tbody', { id: 'fw-campaigns' });
  const itemsBody = h('tbody', { id: 'fw-items' });
  const detailTitle = h('h2', { id: 'fw-detail-title' }, 'No campaign selected');
  const file = h('input', { type: 'file', id: 'fw-file', 'aria-label': 'Image file' });
  const name = h('input', { type: 'text', id: 'fw-name', placeholder: 'name', 'aria-label': 'Image name', size: 14 });
  const version = h('input', { type: 'text', id: 'fw-version', placeholder: 'version', 'aria-label': 'Version the device reports afterwards', size: 8 });
  const mode = h('select', { id: 'fw-mode', 'aria-label': 'Mode' }, h('option', { value: 'push' }, 'push (Block1 to /5/0/0)'), h('option', { value: 'pull' }, 'pull (package URI)'));
  const concurrency = h('input', { type: 'number', id: 'fw-concurrency', min: 1, max: 64, value: '1', 'aria-label': 'Concurrency', size: 4 });
  let selected = null;
  let timer;
  let stopped = false;

  const say = (text, error = false) => {
    note.textContent = text;
    note.className = error ? 'error' : 'muted';
  };
  const failed = (err) => say(err.text ?? err.message, true);

  const upload = async () => {
    if (!file.files?.[0] || !name.value.trim() || !version.value.trim()) return say('Choose a file and give its name and version.', true);
    try {
      const img = await uploadImage(file.files[0], name.value.trim(), version.value.trim());
      say(`Stored ${img.id} (${formatBytes(img.size)}, SHA-256 ${img.sha256.slice(0, 16)}…).`);
      file.value = '';
      await refresh(false);
      imageSelect.value = img.id;
    } catch (err) {
      failed(err);
    }
  };

  const start = async () => {
    const targets = [...thingsList.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.dataset.id);
    if (!imageSelect.value || targets.length === 0) return say('Choose an image and at least one thing.', true);
    try {
      const res = await call('POST', '/campaigns', { body: { firmwareId: imageSelect.value, mode: mode.value, concurrency: Number(concurrency.value), targets } });
      const c = await res.json();
      selected = c.id;
      say(`Campaign started on ${targets.length} thing(s).`);
      await refresh(false);
    } catch (err) {
      failed(err);
    }
  };

  const cancel = async (id) => {
    try {
      await call('POST', `/campaigns/${encodeURIComponent(id)}/cancel`);
      say('Campaign cancelled: devices already updating finish.');
      await refresh(false);
    } catch (err) {
      failed(err);
    }
  };

  const remove = async (id) => {
    try {
      await call('DELETE', `/firmware/${encodeURIComponent(id)}`);
      say(`Image ${id} deleted.`);
      await refresh(false);
    } catch (err) {
      failed(err);
    }
  };

  fill(main, h('div', {},
    h('section', { class: 'card' }, h('h1', {}, 'Firmware'), note,
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Image'), h('th', {}, 'Name'), h('th', {}, 'Version'), h('th', {}, 'Size'), h('th', {}, 'SHA-256'), h('th', {}, 'Uploaded'), h('th', {}, ''))),
        imagesBody),
      admin ? h('div', { class: 'row' }, file, name, version, h('button', { type: 'button', id: 'fw-upload', onclick: upload }, 'Upload')) : null),
    admin ? h('section', { class: 'card' }, h('h2', {}, 'New campaign'),
      h('div', { class: 'row' }, imageSelect, mode, h('label', {}, 'Concurrency', concurrency), h('button', { type: 'button', id: 'fw-start', onclick: start }, 'Start campaign')),
      thingsList) : null,
    h('section', { class: 'card' }, h('h2', {}, 'Campaigns'),
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Started'), h('th', {}, 'Image'), h('th', {}, 'Mode'), h('th', {}, 'State'), h('th', {}, 'Devices'), h('th', {}, ''))),
        campaignsBody)),
    h('section', { class: 'card' }, detailTitle,
      h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Thing'), h('th', {}, 'State'), h('th', {}, 'Step'), h('th', {}, 'Update Result'), h('th', {}, 'Version'), h('th', {}, 'Error'))),
        itemsBody))));

  const imageRow = (img) => h('tr', { 'data-id': img.id },
    h('td', { class: 'mono' }, img.id), h('td', {}, img.name), h('td', {}, img.version), h('td', { class: 'num' }, formatBytes(img.size)),
    h('td', { class: 'mono', title: img.sha256 }, `${img.sha256.slice(0, 16)}…`), h('td', {}, when(img.createdAt)),
    h('td', {}, admin ? h('button', { type: 'button', class: 'small danger delete', onclick: () => remove(img.id) }, 'Delete') : ''));

  const campaignRow = (c) => h('tr', { 'data-id': c.id, 'data-state': c.state, class: c.id === selected ? 'flash' : null },
    h('td', {}, when(c.createdAt)), h('td', { class: 'mono' }, c.firmwareId), h('td', {}, c.mode),
    h('td', {}, h('span', { class: `state state-${c.state === 'completed' ? 'completed' : c.state}` }, c.state)),
    h('td', {}, countsText(c.counts)),
    h('td', {},
      h('button', { type: 'button', class: 'small show', onclick: () => { selected = c.id; void refresh(false); } }, 'Progress'), ' ',
      admin && c.state === 'running' ? h('button', { type: 'button', class: 'small danger cancel', onclick: () => cancel(c.id) }, 'Cancel') : null));

  const itemRow = (it) => h('tr', { 'data-thing': it.thingId, 'data-state': it.state },
    h('td', { class: 'mono' }, h('a', { href: `#/thing/${encodeURIComponent(it.thingId)}` }, it.thingId)),
    h('td', {}, h('span', { class: `state state-${it.state === 'succeeded' ? 'completed' : it.state === 'waiting' ? 'queued' : it.state}` }, it.state)),
    h('td', {}, it.step ?? ''), h('td', { class: 'result' }, it.result ?? ''),
    h('td', {}, it.oldVersion || it.newVersion ? `${it.oldVersion ?? '?'} → ${it.newVersion ?? '…'}` : ''),
    h('td', { class: 'error' }, it.error ?? ''));

  const thingChoices = (things) => things.filter((t) => t.actions && FIRMWARE_ACTION in t.actions).map((t) =>
    h('label', { class: 'row' }, h('input', { type: 'checkbox', 'data-id': t.id, 'aria-label': t.id }), h('span', { class: 'mono' }, t.title ? `${t.title} (${t.id})` : t.id)));

  let thingsLoaded = false;
  async function refresh(again = true) {
    try {
      const [images, campaigns] = await Promise.all([getJson('/firmware'), getJson('/campaigns')]);
      fill(imagesBody, images.map(imageRow));
      if (admin) {
        const keep = imageSelect.value;
        fill(imageSelect, images.map((i) => h('option', { value: i.id }, `${i.name} ${i.version} (${i.id})`)));
        if (images.some((i) => i.id === keep)) imageSelect.value = keep;
        if (!thingsLoaded) {
          const choices = thingChoices(await listThings());
          fill(thingsList, choices.length ? choices : h('p', { class: 'muted' }, 'No thing offers firmware_update (LwM2M devices with object 5).'));
          thingsLoaded = true;
        }
      }
      selected ??= campaigns[0]?.id ?? null;
      fill(campaignsBody, campaigns.map(campaignRow));
      if (selected) {
        const c = await getJson(`/campaigns/${encodeURIComponent(selected)}`);
        detailTitle.textContent = `Campaign ${c.id}: ${c.state}, ${countsText(c.counts)}`;
        detailTitle.dataset.state = c.state;
        fill(itemsBody, c.items.map(itemRow));
      }
      if (note.textContent === 'Loading…') say(images.length ? `${images.length} image(s).` : 'No image uploaded yet.');
    } catch (err) {
      failed(err);
    }
    if (again && !stopped) timer = setTimeout(() => refresh(), REFRESH_MS);
  }
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
