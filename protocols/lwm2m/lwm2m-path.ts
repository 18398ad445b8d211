/**
 * LwM2M paths (TS Core §6.1 and §7.2): `/`, `/o`, `/o/i`, `/o/i/r`, `/o/i/r/ri`, each id
 * 0..65534 (65535 is reserved as "no id").
 */
import { BadRequestError } from '../errors.js';
import { MAX_ID } from './lwm2m-model.js';

/** Path components from the root: 0 (root) to 4 (resource instance) ids. */
export type Lwm2mPath = readonly number[];

export const MAX_PATH_DEPTH = 4;

/** Parses `/3303/0/5700` (leading slash optional, `/` is the root). Throws BadRequestError. */
export function parsePath(text: string): number[] {
  const trimmed = text.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  const parts = trimmed.split('/');
  if (parts.length > MAX_PATH_DEPTH) throw new BadRequestError(`LwM2M path "${text}" is deeper than ${MAX_PATH_DEPTH}`, { path: text });
  return parts.map((p) => {
    if (!/^\d{1,5}$/.test(p) || Number(p) > MAX_ID) throw new BadRequestError(`LwM2M path "${text}": "${p}" is not an id 0..${MAX_ID}`, { path: text });
    return Number(p);
  });
}

/** Formats path components as `/o/i/r` (`/` for the root). */
export function formatPath(path: Lwm2mPath): string {
  return `/${path.join('/')}`;
}

/** True when `path` is `base` or lies under it. */
export function isUnder(path: Lwm2mPath, base: Lwm2mPath): boolean {
  return base.length <= path.length && base.every((id, i) => path[i] === id);
}
