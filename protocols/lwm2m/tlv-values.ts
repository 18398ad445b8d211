/**
 * TLV <-> resource values at a request path (TS Core §7.4.3): the shape of the payload depends
 * on what the path names (object, instance, resource, resource instance); TLV carries no types,
 * so each value is read with the type the object model gives it (Opaque when unknown).
 */
import { FrameInvalidError } from '../errors.js';
import { resourceModelAt, type ObjectModels } from './lwm2m-model.js';
import { formatPath, parsePath, type Lwm2mPath } from './lwm2m-path.js';
import type { ResourceValue } from './lwm2m-value.js';
import { decodeTlv, encodeTlv, type TlvLimits, type TlvNode } from './tlv.js';
import { TYPE_CODECS, inferType } from './value-types.js';

function leaf(node: TlvNode, path: number[], models: ObjectModels): ResourceValue {
  const type = resourceModelAt(models, path[0]!, path[2]!)?.type ?? 'Opaque';
  return { path: formatPath(path), value: TYPE_CODECS[type].fromTlv(node.value ?? Buffer.alloc(0)) };
}

function resourceValues(node: TlvNode, instancePath: readonly number[], models: ObjectModels, out: ResourceValue[]): void {
  const rpath = [...instancePath, node.id];
  if (node.kind === 'resource') out.push(leaf(node, rpath, models));
  else for (const ri of node.children ?? []) out.push(leaf(ri, [...rpath, ri.id], models));
}

function expect(node: TlvNode, kinds: readonly string[], where: string): void {
  if (!kinds.includes(node.kind)) throw new FrameInvalidError(`TLV: ${node.kind} ${node.id} not allowed at ${where}`, { kind: node.kind, id: node.id });
}

/** Decodes a TLV payload answered for (or written to) `base`. Throws FrameInvalidError. */
export function decodeTlvValues(bytes: Uint8Array, base: Lwm2mPath, models: ObjectModels, limits: TlvLimits = {}): ResourceValue[] {
  const nodes = decodeTlv(bytes, limits);
  const where = formatPath(base);
  const out: ResourceValue[] = [];
  switch (base.length) {
    case 1:
      for (const n of nodes) {
        expect(n, ['instance'], where);
        for (const r of n.children ?? []) resourceValues(r, [base[0]!, n.id], models, out);
      }
      break;
    case 2:
      for (const n of nodes) {
        // §7.4.3: an instance-level payload may also be wrapped in its own Object Instance TLV.
        if (n.kind === 'instance') {
          if (n.id !== base[1]) throw new FrameInvalidError(`TLV: instance ${n.id} in a payload for ${where}`);
          for (const r of n.children ?? []) resourceValues(r, base, models, out);
        } else resourceValues(n, base, models, out);
      }
      break;
    case 3:
      for (const n of nodes) {
        // A resource, its Multiple Resource TLV, or bare resource instances of it.
        if (n.kind === 'resourceInstance') out.push(leaf(n, [...base, n.id], models));
        else {
          expect(n, ['resource', 'multipleResource'], where);
          if (n.id !== base[2]) throw new FrameInvalidError(`TLV: resource ${n.id} in a payload for ${where}`);
          resourceValues(n, base.slice(0, 2), models, out);
        }
      }
      break;
    case 4:
      for (const n of nodes) {
        expect(n, ['resourceInstance', 'resource'], where);
        if (n.id !== base[3]) throw new FrameInvalidError(`TLV: resource instance ${n.id} in a payload for ${where}`);
        out.push(leaf(n, [...base], models));
      }
      break;
    default:
      throw new FrameInvalidError('TLV: the root path has no TLV representation');
  }
  return out;
}

function valueNode(kind: 'resource' | 'resourceInstance', id: number, v: ResourceValue, path: number[], models: ObjectModels): TlvNode {
  const type = resourceModelAt(models, path[0]!, path[2]!)?.type ?? inferType(v.value);
  return { kind, id, value: TYPE_CODECS[type].toTlv(v.value) };
}

/**
 * Encodes values for `base`: object -> Object Instance TLVs, instance -> resource TLVs,
 * resource -> its Resource or Multiple Resource TLV, resource instance -> its TLV.
 */
export function encodeTlvValues(values: readonly ResourceValue[], base: Lwm2mPath, models: ObjectModels): Buffer {
  if (base.length === 0) throw new FrameInvalidError('TLV: the root path has no TLV representation');
  const instances = new Map<number, Map<number, TlvNode>>();
  for (const v of values) {
    const p = parsePath(v.path);
    if (p.length < 3 || base.some((id, i) => p[i] !== id)) throw new FrameInvalidError(`TLV: ${v.path} is not a resource under ${formatPath(base)}`);
    const resources = instances.get(p[1]!) ?? new Map<number, TlvNode>();
    instances.set(p[1]!, resources);
    if (p.length === 3) {
      resources.set(p[2]!, valueNode('resource', p[2]!, v, p, models));
    } else {
      const multi = resources.get(p[2]!) ?? { kind: 'multipleResource', id: p[2]!, children: [] };
      resources.set(p[2]!, multi);
      multi.children!.push(valueNode('resourceInstance', p[3]!, v, p, models));
    }
  }
  const nodes: TlvNode[] = [];
  for (const [iid, resources] of instances) {
    if (base.length === 1) nodes.push({ kind: 'instance', id: iid, children: [...resources.values()] });
    else nodes.push(...resources.values());
  }
  // §7.4.3: a resource instance addressed alone is a Resource Instance TLV, not wrapped.
  if (base.length === 4) return encodeTlv(nodes.flatMap((n) => n.children ?? [n]));
  return encodeTlv(nodes);
}
