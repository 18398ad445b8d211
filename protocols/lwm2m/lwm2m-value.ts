/**
 * Resource values as the codecs hand them over: one `{path, value}` per single resource or
 * resource instance, typed by the object model (TS Core Appendix C data types).
 */

/** An object link `oid:iid` (TS Core Appendix C "Objlnk"); `65535:65535` is the null link. */
export interface Objlnk {
  objectId: number;
  instanceId: number;
}

/**
 * String and Corelnk are strings, Opaque is bytes, Integer/Unsigned Integer are numbers (bigint
 * beyond 2^53), Float is a number, Time is epoch seconds, Boolean a boolean, Objlnk an Objlnk.
 */
export type Lwm2mValue = string | number | bigint | boolean | Uint8Array | Objlnk;

export interface ResourceValue {
  /** `/o/i/r` or `/o/i/r/ri`. */
  path: string;
  value: Lwm2mValue;
  /** Epoch seconds of the measurement, where the format carries one (SenML `t`). */
  time?: number;
}

export function isObjlnk(v: unknown): v is Objlnk {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && typeof (v as Objlnk).objectId === 'number' && typeof (v as Objlnk).instanceId === 'number';
}

export function formatObjlnk(v: Objlnk): string {
  return `${v.objectId}:${v.instanceId}`;
}

/** Parses `oid:iid` (both 0..65535). Returns undefined when malformed. */
export function parseObjlnk(text: string): Objlnk | undefined {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const objectId = Number(m[1]);
  const instanceId = Number(m[2]);
  return objectId <= 0xffff && instanceId <= 0xffff ? { objectId, instanceId } : undefined;
}
