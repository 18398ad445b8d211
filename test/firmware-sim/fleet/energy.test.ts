import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { airtimeMs, energyFigures, exchangeCost, radioChargeMah, radioTime, sleepChargeMah } from '../../../firmware-sim/fleet/energy.js';
import type { EnergySpec } from '../../../firmware-sim/fleet/scenario.js';

const E: EnergySpec = { batteryMah: 2400, sleepCurrentUa: 5, txCurrentMa: 15, rxCurrentMa: 12, bitrateKbps: 250, frameOverheadBytes: 31, wakeOverheadMs: 3, rxWindowMs: 20, connectedDutyCycle: 0.05 };

describe('energy model', () => {
  it('an exchange inside a wake (EDHOC enrolment): air time plus a listening window per answer, no start-up', () => {
    // message_1 up (70 bytes) and message_2 down (150 bytes), one round trip.
    const c = exchangeCost({ datagramsUp: 1, bytesUp: 70, datagramsDown: 1, bytesDown: 150 }, 1, E);
    const txMs = ((70 + 31) * 8) / 250;
    const rxMs = ((150 + 31) * 8) / 250 + 20;
    assert.ok(Math.abs(c.radioOnMs - (txMs + rxMs)) < 1e-9, `${c.radioOnMs}`);
    assert.ok(Math.abs(c.chargeMah - (txMs * 15 + rxMs * 12) / 3_600_000) < 1e-15);
    // A second round trip adds its air time and one more window.
    assert.ok(Math.abs(exchangeCost({ datagramsUp: 2, bytesUp: 140, datagramsDown: 2, bytesDown: 300 }, 2, E).radioOnMs - 2 * c.radioOnMs) < 1e-9);
  });

  it('air time is bits over bitrate', () => {
    assert.equal(airtimeMs(125, E), 4); // 1000 bits at 250 bit/ms
  });

  it('radio time adds frame overhead, start-up and the listening window', () => {
    const r = radioTime({ wakes: 2, datagramsUp: 2, bytesUp: 63, datagramsDown: 2, bytesDown: 32 }, E);
    assert.equal(r.txMs, ((63 + 62) * 8) / 250);
    assert.equal(r.rxMs, 2 * 23 + ((32 + 62) * 8) / 250);
  });

  it('charge and battery life by hand for one wake a minute', () => {
    // One wake per minute for an hour: 60 wakes, one 40-byte uplink and a 10-byte ack each.
    const t = { wakes: 60, datagramsUp: 60, bytesUp: 60 * 40, datagramsDown: 60, bytesDown: 60 * 10 };
    const hourMs = 3_600_000;
    const r = radioTime(t, E);
    const txMs = (60 * 71 * 8) / 250; // 136.32
    const rxMs = 60 * 23 + (60 * 41 * 8) / 250; // 1458.72
    assert.ok(Math.abs(r.txMs - txMs) < 1e-9 && Math.abs(r.rxMs - rxMs) < 1e-9);
    const radio = (txMs * 15 + rxMs * 12) / hourMs;
    assert.ok(Math.abs(radioChargeMah(t, E) - radio) < 1e-12);
    const sleep = (0.005 * (hourMs - txMs - rxMs)) / hourMs;
    assert.ok(Math.abs(sleepChargeMah(hourMs - txMs - rxMs, E) - sleep) < 1e-12);
    const f = energyFigures(t, hourMs, E);
    assert.ok(Math.abs(f.chargeMah - (radio + sleep)) < 1e-12);
    assert.ok(Math.abs(f.averageCurrentUa - (radio + sleep) * 1000) < 1e-9);
    assert.ok(Math.abs(f.batteryLifeDays - 2400 / (radio + sleep) / 24) < 1e-6);
    assert.ok(f.batteryLifeDays > 1000 && f.batteryLifeDays < 20000, `${f.batteryLifeDays} days: a 2400 mAh sensor waking once a minute lasts years`);
    assert.equal(f.bytesUpPerWake, 40);
    assert.ok(Math.abs(f.radioOnMsPerWake - (txMs + rxMs) / 60) < 1e-9);
  });

  it('more traffic means a shorter life; nothing sent means sleep current only', () => {
    const base = { wakes: 10, datagramsUp: 10, bytesUp: 400, datagramsDown: 10, bytesDown: 100 };
    const more = { ...base, datagramsUp: 20, bytesUp: 800 };
    assert.ok(energyFigures(more, 600_000, E).batteryLifeDays < energyFigures(base, 600_000, E).batteryLifeDays);
    const idle = energyFigures({ wakes: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0 }, 3_600_000, E);
    assert.ok(Math.abs(idle.averageCurrentUa - 5) < 1e-9);
  });
});

describe('energy model: BLE connections', () => {
  it('connected time adds its duty cycle at rx current', () => {
    const t = { wakes: 0, datagramsUp: 0, bytesUp: 0, datagramsDown: 0, bytesDown: 0, connectedMs: 10_000 };
    assert.deepEqual(radioTime(t, E), { txMs: 0, rxMs: 500 });
    assert.equal(radioChargeMah(t, E), (500 * 12) / 3_600_000);
  });
});
