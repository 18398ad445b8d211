/**
 * Serial readings over a pseudo-terminal for the kill -9 harness: firmware-sim's SerialMcu on the
 * device end of a socat pair (the gateway's serial binding has the other end), sending one
 * SenML+CBOR reading at a time. A reading counts as acknowledged when its frame was acked
 * (SerialMcu.telemetry resolves); one that got no ack after the link's retries is not. socat and
 * the MCU live in the test process, so the line survives the gateway's death; the MCU does not
 * know the gateway restarted (the gateway asks it for hello when it opens the port again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openPty, SerialMcu } from '../../firmware-sim/serial/index.js';
import type { Prng } from '../../firmware-sim/fleet/prng.js';
import { SocatPair } from '../bindings/serial/socat-pair.js';
import type { AckedReading } from './sleepy-device.js';

export class SerialFeeder {
  readonly pty = new SocatPair();
  readonly acked: AckedReading[] = [];
  readonly counters = { sent: 0, unacked: 0 };
  readonly thingId: string;
  private mcu: SerialMcu | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private nextValue = 1;

  constructor(readonly id: string, private readonly rng: Prng, private readonly round: () => number, private readonly gapMs: { min: number; max: number }) {
    this.thingId = `urn:roost:serial:${id}`;
  }

  /** The gateway's end of the line, for `bindings.serial.ports`. */
  get gatewayPath(): string {
    return this.pty.gatewayPath;
  }

  async plug(): Promise<void> {
    await this.pty.plug();
  }

  /** Powers the MCU on; it waits for the gateway's hello request (sent whenever the port opens). */
  async attach(): Promise<void> {
    this.mcu = new SerialMcu({
      units: [{ unit: 0, id: this.id, description: { p: { temp: { u: 'Cel' } } } }],
      link: { ackTimeoutMs: 250, maxRetries: 3 },
    });
    await this.mcu.attach(openPty(this.pty.devicePath), { hello: false });
  }

  start(): void {
    const mcu = this.mcu;
    if (!mcu) throw new Error('attach() first');
    this.loop ??= (async () => {
      while (!this.stopped) {
        const value = this.nextValue++;
        this.counters.sent++;
        try {
          await mcu.telemetry(0, { temp: value });
          this.acked.push({ value, round: this.round(), at: performance.now() });
        } catch {
          this.counters.unacked++;
          await sleep(100);
        }
        await sleep(this.rng.uniform(this.gapMs.min, this.gapMs.max));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.mcu?.detach();
    await this.pty.close();
  }
}
