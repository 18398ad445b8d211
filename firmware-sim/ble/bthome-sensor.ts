/**
 * A BTHome v2 sensor model (Shelly BLU, pvvx/ATC firmware, DIY boards): periodic or
 * trigger-based advertisements with a packet id, optional encryption with a bind key and an
 * increasing counter, button and dimmer events. Driven by a radio (sim-central.ts or bleno).
 */
import { parseBindKey } from '../../protocols/bthome/bthome-crypto.js';
import { encodeBthome } from '../../protocols/bthome/bthome-frame.js';
import type { BthomeObjectInput, BthomeValue } from '../../protocols/bthome/bthome-objects-codec.js';

export interface BthomeSensorOptions {
  address: string;
  localName?: string;
  /** Advertising interval (periodic sensors). */
  intervalMs?: number;
  /** Trigger-based: advertises only on an event (buttons, door contacts). */
  triggerBased?: boolean;
  /** 32 hex characters: the device encrypts every frame. */
  bindKey?: string;
  /** Readings by BTHome object id, in the table's unit. */
  readings?: Record<number, BthomeValue>;
  /** Copies of each advertising event the scanner hears (3 channels: duplicates). */
  repeats?: number;
  /** First encryption counter. */
  counter?: number;
  /** Include a packet id object (0x00) in every frame. */
  packetId?: boolean;
  rssi?: number;
}

export class BthomeSensor {
  readonly address: string;
  readonly localName: string | undefined;
  readonly intervalMs: number;
  readonly triggerBased: boolean;
  readonly repeats: number;
  rssi: number;
  /** Out of range: nothing it sends is heard. */
  inRange = true;
  /** Advertising events sent (energy report). */
  advertisingEvents = 0;
  private readonly key: Uint8Array | undefined;
  private readonly readings = new Map<number, BthomeValue>();
  private pending: BthomeObjectInput[] = [];
  private packet = 0;
  private counter: number;
  private readonly withPacketId: boolean;

  constructor(opts: BthomeSensorOptions) {
    this.address = opts.address.toLowerCase();
    this.localName = opts.localName;
    this.intervalMs = opts.intervalMs ?? 10000;
    this.triggerBased = opts.triggerBased ?? false;
    this.repeats = opts.repeats ?? 1;
    this.rssi = opts.rssi ?? -60;
    this.key = opts.bindKey ? parseBindKey(opts.bindKey) : undefined;
    this.counter = opts.counter ?? 1;
    this.withPacketId = opts.packetId ?? true;
    for (const [id, v] of Object.entries(opts.readings ?? {})) this.readings.set(Number(id), v);
  }

  setReading(id: number, value: BthomeValue): void {
    this.readings.set(id, value);
  }

  /** Queues a button event (0x3A) for the next frame; a trigger-based device sends it at once. */
  press(event: string): void {
    this.pending.push({ id: 0x3a, value: event });
  }

  /** Queues a dimmer rotation (0x3C). */
  rotate(direction: 'rotate_left' | 'rotate_right', steps: number): void {
    this.pending.push({ id: 0x3c, value: { event: direction, steps } });
  }

  get hasPendingEvent(): boolean {
    return this.pending.length > 0;
  }

  /** The next frame's service data (0xFCD2); each call is one new frame. */
  nextFrame(): Uint8Array {
    this.advertisingEvents++;
    this.packet = (this.packet + 1) % 256;
    const objects: BthomeObjectInput[] = [];
    if (this.withPacketId) objects.push({ id: 0x00, value: this.packet });
    for (const [id, value] of [...this.readings].sort((a, b) => a[0] - b[0])) objects.push({ id, value });
    objects.push(...this.pending.splice(0));
    const counter = this.counter++;
    return encodeBthome({
      objects,
      triggerBased: this.triggerBased,
      ...(this.key ? { key: this.key, mac: this.address, counter } : {}),
    });
  }
}
