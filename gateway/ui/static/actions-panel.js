// A thing's actions: a JSON editor prefilled from the input schema, Invoke, and the answer:
// 200 with the output, or 202 with the queued status followed until final (cancel while queued).
import { call } from './api.js';
import { trackAction } from './action-status.js';
import { h, fill } from './dom.js';
import { formatValue } from './format.js';
import { exampleFromSchema } from './schema.js';

export function createActionsPanel({ thingId, td, ctx, controls, stops }) {
  const items = Object.entries(td.actions ?? {}).map(([name, a]) => {
    const hasInput = a.input !== undefined;
    const editor = hasInput
      ? h('textarea', { class: 'mono', rows: 3, spellcheck: 'false', 'aria-label': `input of ${name}`, disabled: !ctx.canChange })
      : null;
    if (editor) editor.value = JSON.stringify(exampleFromSchema(a.input), null, 1);
    const invoke = h('button', { type: 'submit', disabled: !ctx.canChange }, 'Invoke');
    const result = h('div', { class: 'result', 'data-result': '' });
    controls.push(...(editor ? [editor] : []), invoke);
    const form = h('form', { class: 'action', 'data-action': name },
      h('div', { class: 'row' }, h('strong', {}, a.title ?? name), h('span', { class: 'muted small' }, name)),
      a.description ? h('p', { class: 'muted small' }, a.description) : null,
      editor ?? h('p', { class: 'muted small' }, 'No input.'),
      h('div', { class: 'row' }, invoke, result));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      let body;
      if (editor) {
        try {
          body = JSON.parse(editor.value);
        } catch (err) {
          fill(result, h('span', { class: 'error' }, `input is not JSON: ${err.message}`));
          return;
        }
      }
      invoke.disabled = true;
      fill(result, 'invoking…');
      try {
        const res = await call('POST', `/things/${encodeURIComponent(thingId)}/actions/${encodeURIComponent(name)}`, { body });
        const out = await res.json();
        if (res.status === 202) stops.push(trackAction(result, out, { canChange: ctx.canChange, controls }));
        else fill(result, h('span', { class: 'state state-completed', 'data-state': 'completed' }, 'completed'), ' output ', h('code', { class: 'output' }, formatValue(out)));
      } catch (err) {
        fill(result, h('span', { class: 'error', 'data-code': err.code }, err.text ?? err.message));
        if (err.status === 403) ctx.forbidden?.();
      } finally {
        invoke.disabled = !ctx.canChange;
      }
    });
    return form;
  });
  return h('section', { class: 'card', id: 'actions' }, h('h2', {}, 'Actions'), items.length ? items : h('p', { class: 'muted' }, 'No actions.'));
}
