// Saving a form generated from the config schema: what changed since the last save, as one merge
// patch (PATCH /config), and what the gateway answered, in the form's result line. Used by the
// Bindings and Settings pages.
import { call } from './api.js';
import { diffPatch } from './schema.js';

/** What PATCH /config answered: "Applied now: log. Waits for a restart: http." */
export function patchText(r) {
  return [r.applied.length > 0 && `Applied now: ${r.applied.join(', ')}.`, r.restartRequired.length > 0 && `Waits for a restart: ${r.restartRequired.join(', ')}.`]
    .filter(Boolean).join(' ');
}

/**
 * A submit handler. `saved` is the section as last saved, `edited()` the form's value (throws
 * when a field is wrong), `wrap(patch)` the whole config patch, `describe(answer)` the result
 * text, `onSaved(answer)` answers the section as now saved.
 */
export function saveHandler({ saved, edited, wrap, result, button, describe = patchText, onSaved }) {
  const say = (cls, text) => {
    result.className = `result ${cls}`;
    result.textContent = text;
  };
  return async (e) => {
    e.preventDefault();
    let patch;
    try {
      patch = diffPatch(saved ?? {}, edited());
    } catch (err) {
      return say('error', err.message);
    }
    if (patch === undefined) return say('muted', 'Nothing changed.');
    button.disabled = true;
    say('muted', 'Saving…');
    try {
      const r = await (await call('PATCH', '/config', { body: wrap(patch) })).json();
      saved = onSaved(r);
      say('ok', describe(r) || 'Saved.');
    } catch (err) {
      say('error', err.text ?? err.message);
    } finally {
      button.disabled = false;
    }
  };
}
