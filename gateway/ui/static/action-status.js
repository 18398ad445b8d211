// The status resource of a queued action or write (docs/api.md, Actions): shown and polled until
// its state is final, with a cancel button while it is still queued.
import { call, getJson } from './api.js';
import { h, fill } from './dom.js';
import { FINAL_STATES, formatValue } from './format.js';

export const STATUS_POLL = { firstMs: 1000, maxMs: 5000 };

/**
 * Renders `view` (an action status) into `box` and follows it. `controls` collects the cancel
 * button so a viewer's page can disable it. Answers stop() to end the polling.
 */
export function trackAction(box, view, { canChange, controls }) {
  const path = `/actions/${encodeURIComponent(view.id)}`;
  let timer;
  let stopped = false;
  let delay = STATUS_POLL.firstMs;
  const cancel = h('button', { type: 'button', class: 'small danger', 'data-role': 'cancel', disabled: !canChange }, 'Cancel');
  controls?.push(cancel);
  const show = (v, note) => {
    const final = FINAL_STATES.has(v.state);
    const parts = [h('span', { class: `state state-${v.state}`, 'data-state': v.state }, v.state)];
    if (v.state === 'queued') parts.push(' waiting for the device to wake ', cancel);
    if (v.state === 'completed' && v.kind === 'action') parts.push(' output ', h('code', { class: 'output' }, formatValue(v.output ?? null)));
    if (v.error) parts.push(' ', h('span', { class: 'error' }, v.error));
    if (note) parts.push(' ', h('span', { class: 'error' }, note));
    fill(box, ...parts);
    return final;
  };
  const poll = async () => {
    if (stopped) return;
    try {
      if (show(await getJson(path))) return;
    } catch (err) {
      show(view, err.text ?? err.message);
    }
    if (stopped) return;
    timer = setTimeout(poll, delay);
    delay = Math.min(delay * 2, STATUS_POLL.maxMs);
  };
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      const res = await call('DELETE', path);
      view = await res.json();
      show(view);
    } catch (err) {
      show(view, err.text ?? err.message);
      cancel.disabled = !canChange;
    }
  });
  if (!show(view)) timer = setTimeout(poll, delay);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
