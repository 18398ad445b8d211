/**
 * A sleepy CoAP sensor as firmware would be written: wake, register (RFC 9176) or post SenML+CBOR
 * telemetry, run the item piggybacked on the answer, post its result, sleep. A 4.04 to its readings
 * means the gateway does not know it: it registers again and sends them again. Items are delivered
 * at least once: it remembers the ids of its last DEDUPE_IDS items with their results, and answers
 * a repeat with the stored result without running it again (docs/protocols/coap.md). Small per
 * device; many sensors share one SimRadio socket. Records bytes each way and radio-on time per wake.
 * With `oscore` keys every request is OSCORE-protected (oscore-device.ts): the Echo repeat after a
 * gateway start included, and the sequence number kept in the device's flash across reboots. With
 * `edhoc` it has no keys but an EDHOC key (edhoc-device.ts): it enrols at its first request, with
 * message_3 in that request (RFC 9668), keeps the derived context in RAM across sleeps, and enrols
 * again when it lost it (a new instance: a reboot) or the gateway no longer knows it (4.01).
 */
import { encodeSenmlCbor, type SenmlRecord } from '../../protocols/senml/index.js';
import { parseDownlink, resultBody, type DownlinkItem } from './downlink.js';
import type { DeviceEdhoc } from './edhoc-device.js';
import { DeviceOscore, type OscoreOptions } from './oscore-device.js';
import { SimRadio, type Address, type SimRequest, type SimResponse } from './sim-radio.js';

/** IEEE 802.15.4 at 2.4 GHz: 250 kbit/s, the radio-time model of a wake. */
const AIR_BITS_PER_MS = 250;
/** Item ids (with their result) a device remembers to drop repeats; docs/protocols/coap.md says 8. */
export const DEDUPE_IDS = 8;

export interface SleepySensorOptions {
  gateway: Address;
  ep: string;
  radio?: SimRadio;
  lifetimeS?: number;
  /** Readings per wake (default: a temperature). */
  read?: () => Record<string, number | string | boolean>;
  /** Runs a delivered item; answers its output or throws to fail it. */
  onItem?: (item: DownlinkItem) => unknown;
  /** Non-confirmable telemetry (the device then listens for the NON response). */
  nonConfirmable?: boolean;
  /**
   * Where the device keeps the ids of recent items with their results. Firmware keeps them in
   * memory that survives a reboot (RTC RAM, flash); pass the same map to the next instance.
   */
  done?: Map<string, Buffer>;
  /** OSCORE keys (and the flash that keeps the sequence number across reboots): every request protected. */
  oscore?: OscoreOptions;
  /** EDHOC enrolment instead of `oscore` keys; the same object across reboots keeps its memory and figures. */
  edhoc?: DeviceEdhoc;
}

export interface WakeReport {
  /** Request/response exchanges in this wake. */
  exchanges: number;
  bytesUp: number;
  bytesDown: number;
  /** Datagrams received (an Echo challenge is one more than the exchanges). */
  datagramsDown: number;
  /** What the answers would have weighed without OSCORE (bytesDown for a plain device). */
  plainBytesDown: number;
  plainDatagramsDown: number;
  /** EDHOC enrolments in this wake (message_1/message_2 round trips and message_3's bytes), included in the figures above. */
  enrolments: number;
  /** Wall time from the first transmission to the last reception (the radio stays on). */
  radioOnMs: number;
  /** Time on air at 250 kbit/s for the bytes of this wake. */
  airtimeMs: number;
  items: DownlinkItem[];
}

export class SleepySensor {
  readonly radio: SimRadio;
  private location: string | null = null;
  /** Recent item ids and the result body posted for each, oldest first. */
  private readonly done: Map<string, Buffer>;
  wakes = 0;
  /** Items run (a repeat of a remembered id is not run again). */
  executed = 0;
  repeatsDropped = 0;
  reregistrations = 0;
  lastWake: WakeReport | null = null;
  /** The device's OSCORE layer, when it has keys (with EDHOC: once enrolled). */
  oscore: DeviceOscore | null;
  /** message_3 still to go in the next request (RFC 9668). */
  private message3: Uint8Array | null = null;

  constructor(private readonly opts: SleepySensorOptions) {
    this.radio = opts.radio ?? new SimRadio();
    this.done = opts.done ?? new Map();
    this.oscore = opts.oscore ? new DeviceOscore(opts.oscore) : null;
  }

  private async send(req: SimRequest): Promise<SimResponse> {
    const edhoc = this.opts.edhoc;
    if (!edhoc) return this.oscore ? this.oscore.request(this.radio, this.opts.gateway, req) : this.radio.request(this.opts.gateway, req);
    for (let attempt = 0; ; attempt++) {
      if (!this.oscore) await this.enrol(edhoc);
      const m3 = this.message3;
      this.message3 = null;
      const res = await this.oscore!.request(this.radio, this.opts.gateway, req, m3 ?? undefined, this.opts.ep);
      if (m3 && !res.protected) {
        // The combined request's message_3 was refused (a pending or rejected key): no context.
        this.oscore = null;
        throw edhoc.refusedCombined(res);
      }
      if (m3) edhoc.countCombined(m3.length + 1);
      // RFC 8613 §8.2: an unprotected 4.01 (context not found): the gateway forgot this enrolment; enrol again, once.
      if (res.protected || res.code !== '4.01' || attempt > 0) return res;
      this.oscore = null;
    }
  }

  private async enrol(edhoc: DeviceEdhoc): Promise<void> {
    const e = await edhoc.enrol(this.radio, this.opts.gateway, this.opts.ep);
    // A fresh context: its sequence numbers start at 0 and need no flash record (a reboot enrols again).
    this.oscore = new DeviceOscore(e.keys);
    this.message3 = e.pendingMessage3 ? e.half.message3 : null;
  }

  get registered(): boolean {
    return this.location !== null;
  }

  /** One wake: register if needed, else send readings; run queued items until none is left. */
  async wake(): Promise<WakeReport> {
    const t0 = Date.now();
    const rep: WakeReport = { exchanges: 0, bytesUp: 0, bytesDown: 0, datagramsDown: 0, plainBytesDown: 0, plainDatagramsDown: 0, enrolments: 0, radioOnMs: 0, airtimeMs: 0, items: [] };
    const e0 = this.opts.edhoc ? { ...this.opts.edhoc.stats } : null;
    const count = (r: SimResponse) => {
      rep.exchanges++;
      rep.bytesUp += r.bytesUp;
      rep.bytesDown += r.bytesDown;
      rep.datagramsDown += r.datagramsDown;
      rep.plainBytesDown += r.plainBytesDown;
      rep.plainDatagramsDown += r.plainDatagramsDown;
      return r;
    };
    // The answer to an uplink may carry one queued item; its result is the next uplink.
    const drain = async (first: SimResponse): Promise<void> => {
      let res = first;
      for (let item = parseDownlink(res.payload); item; item = parseDownlink(res.payload)) {
        rep.items.push(item);
        res = count(await this.report(item));
      }
    };
    if (this.location === null) {
      await drain(count(await this.register()));
    } else {
      const res = count(await this.sendReadings());
      if (res.code === '4.04') {
        // The gateway does not know this device (docs/protocols/coap.md): register, then send again.
        this.location = null;
        this.reregistrations++;
        await drain(count(await this.register()));
        await drain(count(await this.sendReadings()));
      } else {
        await drain(res);
      }
    }
    this.wakes++;
    const e1 = this.opts.edhoc?.stats;
    if (e0 && e1) {
      // EDHOC's own round trips (message_1/message_2 and a separate message_3); message_3 in a combined request is in that request's bytes.
      rep.enrolments = e1.enrolments - e0.enrolments;
      rep.bytesUp += e1.bytesUp - e0.bytesUp;
      rep.bytesDown += e1.bytesDown - e0.bytesDown;
      rep.datagramsDown += e1.datagramsDown - e0.datagramsDown;
    }
    rep.radioOnMs = Date.now() - t0;
    rep.airtimeMs = ((rep.bytesUp + rep.bytesDown) * 8) / AIR_BITS_PER_MS;
    this.lastWake = rep;
    return rep;
  }

  private async register(): Promise<SimResponse> {
    const links = '</temp>;rt="roost.p";u="Cel";obs,</interval>;rt="roost.pw";dt="integer",</blink>;rt="roost.a";dt="object",</button>;rt="roost.e";dt="string"';
    const res = await this.send({
      method: 'POST',
      path: ['rd'],
      query: [`ep=${this.opts.ep}`, `lt=${this.opts.lifetimeS ?? 3600}`, 'b=UQ'],
      contentFormat: 40,
      payload: Buffer.from(links),
    });
    if (res.code !== '2.01') throw new Error(`registration refused: ${res.code} ${res.payload.toString()}`);
    this.location = res.options.filter((o) => o.name === 'Location-Path').map((o) => o.value.toString()).join('/');
    return res;
  }

  private sendReadings(): Promise<SimResponse> {
    const values = this.opts.read?.() ?? { temp: 20 + Math.round(Math.random() * 100) / 10 };
    const records: SenmlRecord[] = Object.entries(values).map(([n, v]) =>
      typeof v === 'number' ? { n, v } : typeof v === 'boolean' ? { n, vb: v } : { n, vs: v },
    );
    if (records[0]) records[0] = { bn: `${this.opts.ep}/`, ...records[0] };
    return this.send({
      method: 'POST',
      path: ['t', this.opts.ep],
      contentFormat: 112,
      payload: encodeSenmlCbor(records),
      confirmable: !this.opts.nonConfirmable,
    });
  }

  private report(item: DownlinkItem): Promise<SimResponse> {
    let body = this.done.get(item.id);
    if (body) {
      this.repeatsDropped++;
    } else {
      this.executed++;
      try {
        body = resultBody({ ok: true, output: this.opts.onItem?.(item) });
      } catch (err) {
        body = resultBody({ ok: false, error: (err as Error).message });
      }
      this.done.set(item.id, body);
      if (this.done.size > DEDUPE_IDS) this.done.delete(this.done.keys().next().value!);
    }
    return this.send({ method: 'POST', path: ['a', this.opts.ep, item.id], contentFormat: 60, payload: body });
  }

  /** Leaves the directory (RFC 9176 §5.3.2). */
  async leave(): Promise<void> {
    if (!this.location) return;
    await this.send({ method: 'DELETE', path: this.location.split('/') });
    this.location = null;
  }
}
