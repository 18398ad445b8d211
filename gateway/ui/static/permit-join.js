// Zigbee permit-join on the Bindings page: invokes the coordinator thing's permitJoin action
// (bindings/zigbee/coordinator-td.ts) and counts the open time down each second.
import { call, getJson, thingPath } from './api.js';
import { h, fill } from './dom.js';

const COORDINATOR = 'urn:roost:zigbee:coordinator';
/** Zigbee caps one permit-join at 254 s (the coordinator's action schema says so too). */
export const MAX_PERMIT_JOIN_S = 254;
export const DEFAULT_PERMIT_JOIN_S = 120;
const TICK_MS = 1000;

export function mountPermitJoin(ctx) {
  const duration = h('input', { type: 'number', id: 'permit-join-seconds', min: 1, max: MAX_PERMIT_JOIN_S, step: 1, value: DEFAULT_PERMIT_JOIN_S, 'aria-label': 'seconds' });
  const countdown = h('span', { id: 'permit-join-countdown', role: 'status', 'data-remaining': 0 }, '');
  let timer;
  let endsAt = 0;

  const tick = () => {
    clearTimeout(timer);
    const left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
    countdown.dataset.remaining = String(left);
    countdown.className = left > 0 ? 'ok' : 'muted';
    countdown.textContent = left > 0 ? `Joining open: ${left} s left` : 'Joining closed';
    if (left > 0) timer = setTimeout(tick, TICK_MS);
  };

  const permit = async (seconds) => {
    countdown.className = 'muted';
    countdown.textContent = seconds > 0 ? 'Opening…' : 'Closing…';
    try {
      const res = await call('POST', `${thingPath(COORDINATOR)}/actions/permitJoin`, { body: { durationS: seconds } });
      if (res.status === 202) {
        countdown.textContent = 'Queued: the coordinator is not connected yet.';
        return;
      }
      const out = await res.json();
      endsAt = Date.now() + (out?.durationS ?? seconds) * 1000;
      tick();
    } catch (err) {
      countdown.className = 'error';
      countdown.textContent = err.text ?? err.message;
    }
  };

  const open = h('button', {
    type: 'button', id: 'permit-join', disabled: !ctx.canChange,
    onclick: () => {
      const s = Math.trunc(Number(duration.value));
      if (!(s >= 1 && s <= MAX_PERMIT_JOIN_S)) {
        countdown.className = 'error';
        countdown.textContent = `1 to ${MAX_PERMIT_JOIN_S} seconds`;
        return;
      }
      void permit(s);
    },
  }, 'Permit join');
  const close = h('button', { type: 'button', id: 'permit-join-close', class: 'small', disabled: !ctx.canChange, onclick: () => permit(0) }, 'Close');

  // Whether joining is open now (time left unknown); the coordinator thing exists once the stick answered.
  getJson(`${thingPath(COORDINATOR)}/properties/permitJoin`).then(
    (open) => { if (endsAt === 0) fill(countdown, open ? 'Joining open' : 'Joining closed'); },
    () => { if (endsAt === 0) fill(countdown, 'Coordinator not connected'); },
  );

  const el = h('div', { class: 'row permit-join' }, h('strong', {}, 'Permit join'), duration, 's', open, close, countdown);
  return { el, stop: () => clearTimeout(timer) };
}
