/**
 * Loader for OMA LwM2M object definitions (the registry's XML, schema LWM2M.xsd:
 * `<LWM2M><Object><Name/>...<Resources><Item ID="..">`), as an operator drops them into a
 * folder. Each file becomes ObjectModels, or a ConfigInvalidError naming the file and the
 * problem. Pure: the caller reads the files.
 */
import { ConfigInvalidError } from '../errors.js';
import { MAX_ID, OPERATIONS, RESOURCE_TYPES, type ObjectModel, type Operations, type ResourceModel, type ResourceType } from './lwm2m-model.js';
import { XmlTreeError, child, parseXmlTree, type XmlElement, type XmlLimits } from './xml-tree.js';

/** Resources in one object (the registry's largest has a few hundred). */
export const MAX_RESOURCES_PER_OBJECT = 4096;

class Fail extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function text(el: XmlElement | undefined): string {
  return (el?.text ?? '').trim();
}

function required(parent: XmlElement, name: string, where: string): string {
  const el = child(parent, name);
  if (!el) throw new Fail(`${where}: missing <${name}>`, parent.line);
  return text(el);
}

function id(value: string, what: string, line: number): number {
  // LWM2M.xsd: ObjectID and Item/@ID are unsigned 16-bit; 65535 is reserved (TS Core §7.2).
  if (!/^\d{1,5}$/.test(value) || Number(value) > MAX_ID) throw new Fail(`${what} "${value}" is not an id 0..${MAX_ID}`, line);
  return Number(value);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string, line: number): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Fail(`${what} "${value}" is not one of ${allowed.map((a) => `"${a}"`).join(', ')}`, line);
  return value as T;
}

function flag(value: string, yes: string, no: string, what: string, line: number): boolean {
  return oneOf(value, [yes, no], what, line) === yes;
}

function resource(item: XmlElement, objectId: number): ResourceModel {
  const rid = id(item.attrs['ID'] ?? '', `object ${objectId}: resource ID`, item.line);
  const where = `object ${objectId} resource ${rid}`;
  // LWM2M.xsd: an empty <Type/> is the type of an executable resource.
  const typeText = required(item, 'Type', where);
  const type: ResourceType = typeText === '' ? 'none' : oneOf(typeText, RESOURCE_TYPES, `${where}: Type`, item.line);
  return {
    id: rid,
    name: required(item, 'Name', where),
    operations: oneOf<Operations>(required(item, 'Operations', where), OPERATIONS, `${where}: Operations`, item.line),
    multiple: flag(required(item, 'MultipleInstances', where), 'Multiple', 'Single', `${where}: MultipleInstances`, item.line),
    mandatory: flag(required(item, 'Mandatory', where), 'Mandatory', 'Optional', `${where}: Mandatory`, item.line),
    type,
    range: text(child(item, 'RangeEnumeration')),
    units: text(child(item, 'Units')),
    description: text(child(item, 'Description')).replace(/\s+/g, ' '),
  };
}

function object(el: XmlElement): ObjectModel {
  const oid = id(required(el, 'ObjectID', 'Object'), 'ObjectID', el.line);
  const where = `object ${oid}`;
  const items = (child(el, 'Resources')?.children ?? []).filter((c) => c.name === 'Item');
  if (items.length > MAX_RESOURCES_PER_OBJECT) throw new Fail(`${where}: more than ${MAX_RESOURCES_PER_OBJECT} resources`, el.line);
  const resources = items.map((i) => resource(i, oid));
  const seen = new Set<number>();
  for (const r of resources) {
    if (seen.has(r.id)) throw new Fail(`${where}: resource ${r.id} defined twice`, el.line);
    seen.add(r.id);
  }
  const version = text(child(el, 'ObjectVersion')) || '1.0';
  if (!/^\d+\.\d+$/.test(version)) throw new Fail(`${where}: ObjectVersion "${version}" is not major.minor`, el.line);
  return {
    id: oid,
    name: required(el, 'Name', where),
    version,
    lwm2mVersion: text(child(el, 'LWM2MVersion')) || '1.0',
    urn: text(child(el, 'ObjectURN')),
    multiple: flag(required(el, 'MultipleInstances', where), 'Multiple', 'Single', `${where}: MultipleInstances`, el.line),
    mandatory: flag(required(el, 'Mandatory', where), 'Mandatory', 'Optional', `${where}: Mandatory`, el.line),
    description: text(child(el, 'Description1')).replace(/\s+/g, ' '),
    resources,
  };
}

/**
 * Parses one object definition file. `file` names it in errors. Throws ConfigInvalidError with
 * details {file, line}.
 */
export function parseObjectXml(xml: string, file: string, limits: XmlLimits = {}): ObjectModel[] {
  try {
    const root = parseXmlTree(xml, limits);
    if (root.name !== 'LWM2M') throw new Fail(`root element is <${root.name}>, expected <LWM2M>`, root.line);
    const objects = root.children.filter((c) => c.name === 'Object');
    if (objects.length === 0) throw new Fail('no <Object> inside <LWM2M>', root.line);
    return objects.map(object);
  } catch (err) {
    if (err instanceof Fail || err instanceof XmlTreeError) {
      throw new ConfigInvalidError(`${file}${err.line ? `:${err.line}` : ''}: ${err.message}`, { file, line: err.line });
    }
    throw err;
  }
}
