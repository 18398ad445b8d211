/**
 * Observations of the simulated device (TS Core §6.4.2, RFC 7641) and the notification
 * attributes set by Write-Attributes (§5.1.2): pmin/pmax periods, gt/lt thresholds and st step.
 * Attributes on a resource override those on its instance and object (§5.1.1 inheritance).
 */
import { BadRequestError } from '../../protocols/errors.js';
import { formatPath, isUnder, parsePath, type Lwm2mPath } from '../../protocols/lwm2m/index.js';

/** §5.1.2 Table 5.1.2-1: the <NOTIFICATION> class attributes (seconds, or the resource's unit). */
export const NOTIFICATION_ATTRIBUTES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;
export type AttributeName = (typeof NOTIFICATION_ATTRIBUTES)[number];
export type Attributes = Partial<Record<AttributeName, number>>;

export interface Observer<T> {
  path: Lwm2mPath;
  /** Who and how to notify (address, token, content format): opaque to this module. */
  target: T;
  seq: number;
  lastSentMs: number;
  /** Numeric value at the last notification (for st/gt/lt), when the path is one resource. */
  lastNumber: number | undefined;
  pmaxTimer: NodeJS.Timeout | undefined;
  pending: NodeJS.Timeout | undefined;
}

export class Observations<T> {
  private readonly attrs = new Map<string, Attributes>();
  readonly observers: Observer<T>[] = [];
  /** Called for each new observer (the device arms its pmax timer). */
  onAdded: (o: Observer<T>) => void = () => undefined;

  /**
   * Applies a Write-Attributes query (`pmin=10`, `pmax=60`, `st=0.5`; a name without value
   * removes it, §5.1.2). Throws BadRequestError for unknown names or bad values.
   */
  writeAttributes(path: Lwm2mPath, query: readonly string[]): void {
    const key = formatPath(path);
    const next: Attributes = { ...this.attrs.get(key) };
    for (const q of query) {
      const [name, value] = q.split('=', 2) as [string, string | undefined];
      if (!(NOTIFICATION_ATTRIBUTES as readonly string[]).includes(name)) throw new BadRequestError(`unknown attribute ${name}`);
      const attr = name as AttributeName;
      if (value === undefined) delete next[attr];
      else {
        const n = Number(value);
        if (value === '' || !Number.isFinite(n) || ((attr === 'pmin' || attr === 'pmax' || attr === 'epmin' || attr === 'epmax') && (n < 0 || !Number.isInteger(n)))) {
          throw new BadRequestError(`attribute ${name}=${value} is not a valid value`);
        }
        next[attr] = n;
      }
    }
    // §5.1.2: pmax must not be less than pmin.
    if (next.pmin !== undefined && next.pmax !== undefined && next.pmax < next.pmin) throw new BadRequestError('pmax is less than pmin');
    this.attrs.set(key, next);
  }

  /** Attributes set exactly at `path` (for Discover). */
  attributesAt(path: Lwm2mPath): Attributes {
    return this.attrs.get(formatPath(path)) ?? {};
  }

  /** Attributes in effect at `path`: object, then instance, then resource level override. */
  effective(path: Lwm2mPath): Attributes {
    const out: Attributes = {};
    for (let d = 1; d <= path.length; d++) Object.assign(out, this.attrs.get(formatPath(path.slice(0, d))));
    return out;
  }

  add(o: Observer<T>): void {
    this.observers.push(o);
    this.onAdded(o);
  }

  /** Removes the observers matching `pred`, stopping their timers. */
  remove(pred: (o: Observer<T>) => boolean): number {
    let n = 0;
    for (let i = this.observers.length - 1; i >= 0; i--) {
      const o = this.observers[i]!;
      if (!pred(o)) continue;
      clearTimeout(o.pmaxTimer);
      clearTimeout(o.pending);
      this.observers.splice(i, 1);
      n++;
    }
    return n;
  }

  /** Observers whose path covers the changed resource (or lies under it). */
  affectedBy(resourcePath: string): Observer<T>[] {
    const p = parsePath(resourcePath);
    return this.observers.filter((o) => isUnder(p, o.path) || isUnder(o.path, p));
  }

  /** §5.1.2: whether a new value passes the gt/lt/st conditions (numbers only; others always). */
  passesThresholds(o: Observer<T>, value: number | undefined): boolean {
    const a = this.effective(o.path);
    if (value === undefined || o.lastNumber === undefined) return true;
    if (a.gt === undefined && a.lt === undefined && a.st === undefined) return true;
    if (a.st !== undefined && Math.abs(value - o.lastNumber) >= a.st) return true;
    const crossed = (limit: number | undefined) => limit !== undefined && (value - limit) * (o.lastNumber! - limit) < 0;
    return crossed(a.gt) || crossed(a.lt);
  }

  clear(): void {
    this.remove(() => true);
  }
}
