/**
 * The simulated device's object instances: resource values by path, typed by the object models
 * of protocols/lwm2m, with the access rules of TS Core §6.3/§6.4 (read needs R, write needs W,
 * execute needs E), write hooks and execute handlers, and a change listener for observations.
 */
import { BadRequestError, MethodNotAllowedError, RouteNotFoundError } from '../../protocols/errors.js';
import {
  executable,
  findResource,
  fitToType,
  formatPath,
  parsePath,
  readable,
  writable,
  type Lwm2mPath,
  type Lwm2mValue,
  type ObjectModel,
  type ObjectModels,
  type ResourceModel,
  type ResourceValue,
} from '../../protocols/lwm2m/index.js';

/** One resource: a single value, or instance id -> value for a multiple resource. */
type Slot = Lwm2mValue | Map<number, Lwm2mValue>;

export type ExecuteHandler = (args: string) => void | Promise<void>;
/** Runs before a written value is stored; throw a typed error to refuse it. */
export type WriteHook = (value: Lwm2mValue, path: string) => void;

export class ObjectStore {
  /** oid -> iid -> rid -> slot */
  private readonly objects = new Map<number, Map<number, Map<number, Slot>>>();
  private readonly executeHandlers = new Map<string, ExecuteHandler>();
  private readonly writeHooks = new Map<string, WriteHook>();
  /** Called with the path of every resource whose value changed. */
  onChange: (resourcePath: string) => void = () => undefined;

  constructor(readonly models: ObjectModels) {}

  model(oid: number): ObjectModel {
    const m = this.models.get(oid);
    if (!m) throw new RouteNotFoundError(`object ${oid} is not on this device`);
    return m;
  }

  /** Creates an object instance with initial values `{rid: value | value[]}`. */
  addInstance(oid: number, iid: number, values: Record<number, Lwm2mValue | Lwm2mValue[]>): void {
    this.model(oid);
    const inst = new Map<number, Slot>();
    for (const [rid, v] of Object.entries(values)) inst.set(Number(rid), Array.isArray(v) ? new Map(v.map((x, i) => [i, x])) : v);
    const obj = this.objects.get(oid) ?? new Map<number, Map<number, Slot>>();
    obj.set(iid, inst);
    this.objects.set(oid, obj);
  }

  onExecute(path: string, handler: ExecuteHandler): void {
    this.executeHandlers.set(path, handler);
  }

  onWrite(path: string, hook: WriteHook): void {
    this.writeHooks.set(path, hook);
  }

  /** Objects and instances as announced at registration. */
  instances(): { objectId: number; instances: number[] }[] {
    return [...this.objects].map(([objectId, insts]) => ({ objectId, instances: [...insts.keys()].sort((a, b) => a - b) })).sort((a, b) => a.objectId - b.objectId);
  }

  has(path: Lwm2mPath): boolean {
    const [oid, iid, rid, riid] = path;
    if (oid === undefined) return true;
    const obj = this.objects.get(oid);
    if (!obj || iid === undefined) return obj !== undefined;
    const inst = obj.get(iid);
    if (!inst || rid === undefined) return inst !== undefined;
    const slot = inst.get(rid);
    if (slot === undefined || riid === undefined) return slot !== undefined;
    return slot instanceof Map && slot.has(riid);
  }

  private resourceModel(oid: number, rid: number): ResourceModel {
    const r = findResource(this.model(oid), rid);
    if (!r) throw new RouteNotFoundError(`resource ${rid} is not defined in object ${oid}`);
    return r;
  }

  private require(path: Lwm2mPath): void {
    if (!this.has(path)) throw new RouteNotFoundError(`${formatPath(path)} does not exist`);
  }

  /** The current value of a single resource or resource instance (no access check). */
  get(path: string): Lwm2mValue | undefined {
    const [oid, iid, rid, riid] = parsePath(path);
    const slot = this.objects.get(oid!)?.get(iid!)?.get(rid!);
    if (slot instanceof Map) return riid === undefined ? undefined : slot.get(riid);
    return slot;
  }

  /** Sets a value from the device side (sensor readings, state changes); notifies observers. */
  set(path: string, value: Lwm2mValue): void {
    const p = parsePath(path);
    const inst = this.objects.get(p[0]!)?.get(p[1]!);
    if (!inst || p.length < 3) throw new RouteNotFoundError(`${path} does not exist`);
    if (p.length === 4) {
      const slot = inst.get(p[2]!);
      const m = slot instanceof Map ? slot : new Map<number, Lwm2mValue>();
      m.set(p[3]!, value);
      inst.set(p[2]!, m);
    } else inst.set(p[2]!, value);
    this.onChange(formatPath(p.slice(0, 3)));
  }

  /** Readable values at `path` (object, instance, resource or resource instance); TS Core §6.3.1. */
  read(path: Lwm2mPath): ResourceValue[] {
    this.require(path.slice(0, 2));
    if (path.length >= 3) {
      const r = this.resourceModel(path[0]!, path[2]!);
      if (!readable(r)) throw new MethodNotAllowedError(`${formatPath(path)} is not readable`);
    }
    this.require(path);
    const out: ResourceValue[] = [];
    for (const [oid, insts] of this.objects) {
      if (path[0] !== undefined && oid !== path[0]) continue;
      for (const [iid, res] of insts) {
        if (path[1] !== undefined && iid !== path[1]) continue;
        for (const [rid, slot] of res) {
          if (path[2] !== undefined && rid !== path[2]) continue;
          if (!readable(this.resourceModel(oid, rid))) continue;
          if (slot instanceof Map) {
            for (const [riid, v] of slot) if (path[3] === undefined || riid === path[3]) out.push({ path: `/${oid}/${iid}/${rid}/${riid}`, value: v });
          } else out.push({ path: `/${oid}/${iid}/${rid}`, value: slot });
        }
      }
    }
    return out;
  }

  /**
   * Writes decoded values under `path` (TS Core §6.3.3). `replace` (PUT) replaces a multiple
   * resource's instances; partial update (POST) merges. Every target must be writable.
   */
  write(path: Lwm2mPath, values: readonly ResourceValue[], replace: boolean): void {
    if (path.length < 2) throw new MethodNotAllowedError(`Write on ${formatPath(path)} is not allowed`);
    this.require(path.slice(0, 2));
    const inst = this.objects.get(path[0]!)!.get(path[1]!)!;
    const touched = new Set<number>();
    for (const v of values) {
      const p = parsePath(v.path);
      const r = this.resourceModel(p[0]!, p[2]!);
      if (!writable(r)) throw new MethodNotAllowedError(`${formatPath(p.slice(0, 3))} is not writable`);
      if (p.length === 4 && !r.multiple) throw new BadRequestError(`${v.path}: resource ${r.id} has no instances`);
      const value = fitToType(r.type, v.value, v.path);
      this.writeHooks.get(formatPath(p.slice(0, 3)))?.(value, v.path);
      if (p.length === 4) {
        const slot = inst.get(p[2]!);
        const m = slot instanceof Map && !(replace && !touched.has(p[2]!)) ? slot : new Map<number, Lwm2mValue>();
        m.set(p[3]!, value);
        inst.set(p[2]!, m);
      } else inst.set(p[2]!, value);
      touched.add(p[2]!);
    }
    for (const rid of touched) this.onChange(formatPath([path[0]!, path[1]!, rid]));
  }

  /** Runs the Execute handler of `/o/i/r` (TS Core §6.3.5). */
  async execute(path: Lwm2mPath, args: string): Promise<void> {
    if (path.length !== 3) throw new MethodNotAllowedError(`Execute needs a resource path, not ${formatPath(path)}`);
    this.require(path.slice(0, 2));
    const r = this.resourceModel(path[0]!, path[2]!);
    if (!executable(r)) throw new MethodNotAllowedError(`${formatPath(path)} is not executable`);
    const handler = this.executeHandlers.get(formatPath(path));
    if (!handler) throw new RouteNotFoundError(`${formatPath(path)} has no Execute handler on this client`);
    await handler(args);
  }

  /** Resource ids present at an instance, with how many instances each multiple resource has. */
  resourcesAt(oid: number, iid: number): { rid: number; dim?: number }[] {
    const inst = this.objects.get(oid)?.get(iid);
    if (!inst) return [];
    const out: { rid: number; dim?: number }[] = [];
    for (const [rid, slot] of inst) out.push(slot instanceof Map ? { rid, dim: slot.size } : { rid });
    // Executable resources exist without a value.
    for (const h of this.executeHandlers.keys()) {
      const p = parsePath(h);
      if (p[0] === oid && p[1] === iid && !inst.has(p[2]!)) out.push({ rid: p[2]! });
    }
    return out.sort((a, b) => a.rid - b.rid);
  }
}
