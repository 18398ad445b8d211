/**
 * Guards against three zigbee-herdsman 10.9.5 defects that a device's frames, or a broken
 * coordinator stick's bytes, turn into a crash.
 *
 * 1. herdsman registers async methods of its Controller as plain EventEmitter listeners of its
 *    adapter (`adapter.on('zclPayload', this.onZclPayload.bind(this))`, the same for
 *    `deviceJoined`): a throw inside one is a promise nobody observes, and Node ends the process on
 *    an unhandled rejection. `guardControllerHandlers` wraps both before `start()` binds them, so a
 *    failure ends that one frame or join, counted and logged, and the process lives.
 * 2. herdsman's MT parser (zstack `unpi/parser.ts`, `parseNext`) calls itself once per frame left in
 *    its buffer, inside the socket's 'data' event: one read of some 6,000 small frames (48 kB, a
 *    single TCP read) overflows the call stack, an uncaught RangeError. It also keeps every byte of
 *    a chunk without a SOF until a SOF comes. `replaceZnpParser` puts protocols/znp's MtFramer
 *    (iterative, at most one frame buffered, drops counted) in front of it, and hands herdsman's
 *    parser one checked frame at a time.
 * 3. herdsman stores the Basic cluster values a device reports or answers (`updateGenBasic`) with
 *    whatever data type the device chose, then calls string methods on them for every later frame
 *    (`this.manufacturerName?.startsWith("_TZ")` in `Device.onZclData`, `modelID?.match` in the
 *    interview's quirks). ZCL 07-5123 §3.2.2.2 types these attributes as character strings; a
 *    value of another type is forgotten (`forgetInvalidBasic`), so that the device's next frames are
 *    handled again instead of failing one by one.
 */
import type { Transform, TransformCallback } from 'node:stream';
import type { Controller } from 'zigbee-herdsman';
import { encodeMtFrame } from '../../protocols/znp/mt-frame.js';
import { MtFramer } from '../../protocols/znp/mt-framer.js';
import type { ZigbeeStackFault } from './zigbee-stack.js';

type Device = ReturnType<Controller['getDevices']>[number];

/** The Controller handlers herdsman binds to its adapter's events in `start()`, and what names their device. */
const GUARDED = {
  onZclPayload: (c: Controller, payload: { address?: unknown }) =>
    typeof payload?.address === 'number' ? c.getDeviceByNetworkAddress(payload.address)?.ieeeAddr : typeof payload?.address === 'string' ? payload.address : undefined,
  onDeviceJoined: (_c: Controller, payload: { ieeeAddr?: unknown }) => (typeof payload?.ieeeAddr === 'string' ? payload.ieeeAddr : undefined),
} as const;

/**
 * Wraps the Controller's async adapter handlers so that a rejection is reported through `onFault`
 * instead of going unobserved. Must run before `controller.start()` (which binds them).
 */
export function guardControllerHandlers(controller: Controller, onFault: (f: ZigbeeStackFault) => void): void {
  const c = controller as unknown as Record<keyof typeof GUARDED, (payload: never) => Promise<void>>;
  for (const name of Object.keys(GUARDED) as Array<keyof typeof GUARDED>) {
    const handler = c[name];
    if (typeof handler !== 'function') throw new TypeError(`zigbee-herdsman Controller has no ${name}(): the guard no longer fits this version`);
    const deviceOf = GUARDED[name] as (c: Controller, payload: unknown) => string | undefined;
    c[name] = (payload: never) => handler.call(controller, payload).catch((err: unknown) => {
      let ieee: string | undefined;
      try {
        ieee = deviceOf(controller, payload);
      } catch {
        ieee = undefined;
      }
      onFault({ kind: 'handlerFailed', ieee, message: `${name}: ${err instanceof Error ? err.message : String(err)}` });
    });
  }
}

/** What the zstack adapter's parser is made of here (herdsman 10.9.5: Controller.adapter.znp.unpiParser). */
type UnpiParser = Transform & { buffer?: Buffer; _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void };

/**
 * Puts an MtFramer in front of the zstack adapter's MT parser: herdsman's parser then only ever
 * holds one complete, checked frame. Bytes dropped (garbage, false SOFs, bad checksums) are told
 * to `onDropped` once per chunk. Runs after `start()`, since the adapter and its parser are made
 * inside it: the stick's answers during the start itself still meet herdsman's parser alone.
 * Answers false for an adapter without that parser (not zstack).
 */
export function replaceZnpParser(controller: Controller, onDropped: (bytes: number, badFcs: number) => void): boolean {
  const parser = (controller as unknown as { adapter?: { znp?: { unpiParser?: UnpiParser } } }).adapter?.znp?.unpiParser;
  if (!parser || typeof parser._transform !== 'function') return false;
  const parse = parser._transform.bind(parser);
  const framer = new MtFramer();
  const done = () => undefined;
  const feed = (chunk: Buffer, enc: BufferEncoding) => {
    const { droppedBytes, badFcs } = framer.counters;
    for (const f of framer.push(chunk)) parse(encodeMtFrame(f), enc, done);
    const dropped = framer.counters.droppedBytes - droppedBytes;
    if (dropped > 0) onDropped(dropped, framer.counters.badFcs - badFcs);
  };
  // A frame herdsman's parser had begun moves over to the framer.
  const begun = parser.buffer;
  parser.buffer = Buffer.alloc(0);
  if (begun && begun.length > 0) feed(begun, 'binary');
  parser._transform = (chunk, enc, cb) => {
    feed(chunk, enc);
    cb();
  };
  return true;
}

/** The Basic cluster attributes herdsman keeps as strings (ZCL §3.2.2.2: character strings). */
const STRING_BASIC = ['modelID', 'manufacturerName', 'dateCode', 'softwareBuildID'] as const;

/**
 * Forgets the Basic cluster string attributes a device gave with another data type, and saves the
 * device when it changed one. Answers one fault per attribute forgotten.
 */
export function forgetInvalidBasic(device: Device): ZigbeeStackFault[] {
  const faults: ZigbeeStackFault[] = [];
  const d = device as unknown as Record<(typeof STRING_BASIC)[number], unknown>;
  for (const key of STRING_BASIC) {
    const v = d[key];
    if (v === undefined || typeof v === 'string') continue;
    d[key] = undefined;
    faults.push({ kind: 'invalidBasicAttribute', ieee: device.ieeeAddr, message: `${key} is a ${typeof v}, not a string: forgotten` });
  }
  // A device removed from herdsman's database has no entry to update (save() would throw).
  if (faults.length > 0 && !device.isDeleted) device.save();
  return faults;
}
