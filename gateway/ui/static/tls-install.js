// Installing an admin's own TLS certificate and key (PUT /gateway/tls) from the Gateway page: PEM
// pasted or read from files; the gateway checks the pair and serves it at once. The key is sent
// once and never shown again (the field is emptied).
import { call } from './api.js';
import { h } from './dom.js';

/** A textarea for PEM text and a file picker that fills it. */
function pemField(id, label) {
  const area = h('textarea', { id, rows: 4, spellcheck: 'false', autocomplete: 'off', placeholder: '-----BEGIN …-----' });
  const file = h('input', {
    type: 'file', accept: '.pem,.crt,.key,.cer', 'aria-label': `${label} file`,
    onchange: async () => {
      const f = file.files?.[0];
      if (f) area.value = await f.text();
    },
  });
  return [area, h('label', {}, label, area, file)];
}

/** The install form; onInstalled(info) gets the gateway's answer (sha256, subject, validTo, source). */
export function tlsInstallForm(onInstalled) {
  const [cert, certField] = pemField('tls-cert', 'Certificate chain (PEM)');
  const [key, keyField] = pemField('tls-key', 'Private key (PEM)');
  const note = h('p', { class: 'muted small', id: 'tls-note', role: 'status' }, 'Replaces the certificate HTTPS and MQTTS serve, without a restart.');
  const submit = h('button', { type: 'submit', id: 'tls-install' }, 'Install');
  const onsubmit = async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const info = await (await call('PUT', '/gateway/tls', { body: { cert: cert.value, key: key.value } })).json();
      key.value = '';
      note.className = 'ok small';
      note.textContent = `Installed: ${info.subject}, SHA-256 ${info.sha256}, valid to ${info.validTo}.`;
      onInstalled(info);
    } catch (err) {
      note.className = 'error small';
      note.textContent = err.text ?? err.message;
    } finally {
      submit.disabled = false;
    }
  };
  return h('form', { class: 'tls-install', onsubmit }, h('h2', {}, 'Install a certificate'), certField, keyField, h('div', { class: 'row' }, submit), note);
}
