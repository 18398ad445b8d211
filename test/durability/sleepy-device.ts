/**
 * A sleepy CoAP device for the kill -9 harness, written from docs/protocols/coap.md: it registers
 * (`POST /rd?ep=..&b=UQ`), wakes now and then to post readings (`POST /t/<ep>`, SenML+CBOR) or a
 * registration update (`POST /rd/<id>`), runs the item an answer carries unless it has seen its id
 * (then it posts the remembered result again without running it), posts the result to
 * `/a/<ep>/<id>`, whose answer may carry the next item, and sleeps; a device registered with a
 * `roost.q` link first listens for pushed items (`POST /q/<ep>`) for a moment. A 4.04 means the gateway forgot the registration: it registers again.
 *
 * Everything the checks need lives here, in the test process, so it survives the gateway's death:
 * readings acknowledged (2.04), items delivered and executed, 4.04s after a registration.
 */
import { decodeCbor } from '../../protocols/cbor.js';
import { LINK_FORMAT_CONTENT_FORMAT } from '../../protocols/link-format/link-format.js';
import { encodeSenmlCbor, SENML_CBOR_CONTENT_FORMAT, type SenmlRecord } from '../../protocols/senml/index.js';
import { resultBody } from '../../firmware-sim/coap/downlink.js';
import type { Prng } from '../../firmware-sim/fleet/prng.js';
import type { CoapMessage } from '../../bindings/coap/coap-message.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoapClient, type CoapClientOptions } from './coap-client.js';

const CBOR_CONTENT_FORMAT = 60;
/** How many item ids (with their results) the device remembers, as a small MCU would. */
export const REMEMBERED_ITEMS = 8;
const LINKS = '</temp>;rt="roost.p";u="Cel",</blink>;rt="roost.a";dt="object",</level>;rt="roost.pw";dt="integer"';

/** The registration body; a device that serves pushes says so with a `roost.q` link. */
export function links(ep: string, push: boolean): string {
  return push ? `${LINKS},</q/${ep}>;rt="roost.q"` : LINKS;
}

export interface DeviceTiming {
  /** Sleep between wakes, uniform in [min, max). */
  wakeMinMs: number;
  wakeMaxMs: number;
  /** How long the device listens for pushed items after its last exchange of a wake. */
  listenMs: number;
  /** Share of wakes that are registration updates instead of readings. */
  updateShare: number;
  /** Share of readings posts sent NON (their NON 2.04 answer is the acknowledgement). */
  nonShare: number;
  /**
   * Probability that a result the device sends is lost on air (not sent at all): the hub must
   * hand the item out again after queue.resultTimeoutMs, and the device answers from memory.
   */
  resultLoss: number;
}

/** An item as the device got it, with the harness's command number read from its value. */
export interface Delivery {
  id: string;
  /** The command number (action input `{seq}` or the written value); NaN when unreadable. */
  issue: number;
  kind: 'a' | 'w';
  name: string;
  via: 'answer' | 'push';
  /** The `m` field: items waiting behind it. */
  more: number;
  /** True when the device had this id in its memory (not run again). */
  repeat: boolean;
  round: number;
  at: number;
}

export interface AckedReading {
  value: number;
  round: number;
  /** performance.now() when the acknowledgement arrived. */
  at: number;
}

export class SleepyDevice {
  readonly thingId: string;
  readonly acked: AckedReading[] = [];
  readonly deliveries: Delivery[] = [];
  /** Items executed, in order (a repeat of a remembered id is not here; one the device forgot is, again). */
  readonly executed: Delivery[] = [];
  /** 4.04 answers to an uplink while the device held a registration. */
  readonly registrationLost: Array<{ round: number; uplink: string }> = [];
  /** Answers the device did not expect (code and resource), for the report. */
  readonly unexpected: string[] = [];
  readonly counters = { wakes: 0, uplinks: 0, noAnswer: 0, registrations: 0, readingsSent: 0, nonPosts: 0, resultsPosted: 0, resultsLost: 0, resultsUnanswered: 0 };
  /** Value of the writable property `level` as the device holds it. */
  level: number | null = null;
  private regId: string | null = null;
  private nextValue = 1;
  private awake = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly remembered = new Map<string, Buffer>();
  private readonly pushWork = new Set<Promise<void>>();

  private constructor(
    readonly ep: string,
    /** Serves `POST /q/<ep>` while awake (registered with `rt="roost.q"`). */
    readonly push: boolean,
    private readonly client: CoapClient,
    private readonly rng: Prng,
    private timing: DeviceTiming,
    private readonly round: () => number,
  ) {
    this.thingId = `urn:roost:coap:${ep}`;
    client.onRequest = (req) => this.pushed(req);
  }

  static async create(ep: string, push: boolean, coap: Omit<CoapClientOptions, 'rng'>, rng: Prng, timing: DeviceTiming, round: () => number): Promise<SleepyDevice> {
    const client = await CoapClient.open({ ...coap, rng: rng.fork('coap') });
    return new SleepyDevice(ep, push, client, rng, timing, round);
  }

  get registered(): boolean {
    return this.regId !== null;
  }

  get coapCounters(): CoapClient['counters'] {
    return this.client.counters;
  }

  setTiming(t: DeviceTiming): void {
    this.timing = t;
  }

  /** Registers once; the wake loop starts only if that worked. */
  async register(): Promise<boolean> {
    const res = await this.client.request({
      code: '0.02', uriPath: ['rd'], uriQuery: [`ep=${this.ep}`, 'lt=3600', 'b=UQ'],
      contentFormat: LINK_FORMAT_CONTENT_FORMAT, payload: Buffer.from(links(this.ep, this.push)),
    });
    this.counters.uplinks++;
    if (!res) {
      this.counters.noAnswer++;
      return false;
    }
    if (res.code !== '2.01' || res.locationPath?.[0] !== 'rd' || !res.locationPath[1]) {
      this.unexpected.push(`${res.code} to POST /rd`);
      return false;
    }
    this.counters.registrations++;
    this.regId = res.locationPath[1];
    await this.takeItems(res);
    return true;
  }

  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        await sleep(this.rng.uniform(this.timing.wakeMinMs, this.timing.wakeMaxMs));
        if (this.stopped) break;
        await this.wake();
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.pushWork]);
    this.client.close();
  }

  private async wake(): Promise<void> {
    this.counters.wakes++;
    this.awake = true;
    try {
      if (!this.regId && !(await this.register())) return;
      const update = this.rng.chance(this.timing.updateShare);
      const res = update ? await this.update() : await this.readings();
      if (!res) return;
      await this.takeItems(res);
      if (this.push) await sleep(this.timing.listenMs);
      await Promise.all([...this.pushWork]);
    } finally {
      this.awake = false;
    }
  }

  private async update(): Promise<CoapMessage | null> {
    return this.uplink(`POST /rd/${this.regId}`, { code: '0.02', uriPath: ['rd', this.regId!] });
  }

  private async readings(): Promise<CoapMessage | null> {
    const n = 1 + this.rng.int(3);
    const values = Array.from({ length: n }, () => this.nextValue++);
    const t = Date.now() / 1000;
    // One record per reading, 1 ms apart, absolute times (RFC 8428 §4.5.3).
    const records: SenmlRecord[] = values.map((v, i) => (i === 0 ? { bn: `${this.ep}/`, bt: t, n: 'temp', u: 'Cel', v } : { n: 'temp', u: 'Cel', v, t: i / 1000 }));
    this.counters.readingsSent += n;
    const non = this.rng.chance(this.timing.nonShare);
    if (non) this.counters.nonPosts++;
    const res = await this.uplink(`POST /t/${this.ep}`, { code: '0.02', uriPath: ['t', this.ep], contentFormat: SENML_CBOR_CONTENT_FORMAT, payload: encodeSenmlCbor(records) }, non ? 'NON' : 'CON');
    if (res?.code === '2.04') {
      const round = this.round();
      const at = performance.now();
      for (const value of values) this.acked.push({ value, round, at });
    }
    return res;
  }

  /** An uplink while registered: a 4.04 is a lost registration (then it registers again). */
  private async uplink(what: string, req: Parameters<CoapClient['request']>[0], type: 'CON' | 'NON' = 'CON'): Promise<CoapMessage | null> {
    this.counters.uplinks++;
    const res = await this.client.request(req, type);
    if (!res) {
      this.counters.noAnswer++;
      return null;
    }
    if (res.code === '4.04') {
      this.registrationLost.push({ round: this.round(), uplink: what });
      this.regId = null;
      await this.register();
      return null;
    }
    if (!res.code.startsWith('2.')) {
      this.unexpected.push(`${res.code} to ${what}`);
      return null;
    }
    return res;
  }

  /** Runs the item an answer carries and posts its result, whose answer may carry the next. */
  private async takeItems(first: CoapMessage): Promise<void> {
    let res: CoapMessage | null = first;
    while (res) {
      const d = this.itemOf(res, 'answer');
      if (!d) return;
      res = await this.postResult(d.id, this.run(d));
    }
  }

  private async postResult(id: string, body: Buffer): Promise<CoapMessage | null> {
    this.counters.resultsPosted++;
    if (this.rng.chance(this.timing.resultLoss)) {
      this.counters.resultsLost++;
      return null;
    }
    const res = await this.uplink(`POST /a/${this.ep}/${id}`, { code: '0.02', uriPath: ['a', this.ep, id], contentFormat: CBOR_CONTENT_FORMAT, payload: body });
    if (!res) this.counters.resultsUnanswered++;
    return res;
  }

  private itemOf(msg: CoapMessage, via: Delivery['via']): Delivery | null {
    if (msg.payload.length === 0) return null;
    let m: Record<string, unknown>;
    try {
      m = decodeCbor(msg.payload) as Record<string, unknown>;
    } catch {
      this.unexpected.push(`undecodable item body ${msg.payload.toString('hex')}`);
      return null;
    }
    if (typeof m['i'] !== 'string' || typeof m['n'] !== 'string' || (m['k'] !== 'a' && m['k'] !== 'w')) {
      this.unexpected.push(`item body without i/k/n: ${JSON.stringify(m)}`);
      return null;
    }
    const v = m['v'];
    const issue = m['k'] === 'w' ? Number(v) : Number((v as { seq?: unknown } | null)?.seq);
    const d: Delivery = {
      id: m['i'], issue, kind: m['k'], name: m['n'], via, more: typeof m['m'] === 'number' ? m['m'] : 0,
      repeat: this.remembered.has(m['i']), round: this.round(), at: Date.now(),
    };
    this.deliveries.push(d);
    return d;
  }

  /** Executes a new item, or answers a remembered one with its stored result (device-side dedupe). */
  private run(d: Delivery): Buffer {
    const again = this.remembered.get(d.id);
    if (again) return again;
    this.executed.push(d);
    let body: Buffer;
    if (d.kind === 'w' && d.name === 'level') {
      this.level = d.issue;
      body = resultBody({ ok: true });
    } else if (d.kind === 'a' && d.name === 'blink') {
      body = resultBody({ ok: true, output: { blinked: d.issue } });
    } else {
      body = resultBody({ ok: false, error: `no ${d.kind === 'w' ? 'property' : 'action'} ${d.name}` });
    }
    this.remembered.set(d.id, body);
    if (this.remembered.size > REMEMBERED_ITEMS) this.remembered.delete(this.remembered.keys().next().value!);
    return body;
  }

  /** `POST /q/<ep>` while the window is open: 2.04 at once, then the result as an uplink. */
  private pushed(req: CoapMessage): { code: string } | null {
    if (!this.awake) return null; // the radio is off
    if (!this.push) {
      this.unexpected.push(`a pushed ${req.code} /${req.uriPath.join('/')} to a device without roost.q`);
      return { code: '4.04' };
    }
    if (req.code !== '0.02' || req.uriPath[0] !== 'q' || req.uriPath[1] !== this.ep) return { code: '4.04' };
    const d = this.itemOf(req, 'push');
    if (!d) return { code: '4.00' };
    const body = this.run(d);
    const work = (async () => {
      const res = await this.postResult(d.id, body);
      if (res) await this.takeItems(res);
    })();
    this.pushWork.add(work);
    void work.finally(() => this.pushWork.delete(work));
    return { code: '2.04' };
  }
}
