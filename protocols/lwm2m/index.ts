/** OMA LwM2M, pure: object models and tables, XML loader, content formats, registration, TDs. */
import type { ObjectModel } from './lwm2m-model.js';
import { CORE_OBJECTS } from './objects-core.js';
import { IPSO_OBJECTS } from './objects-ipso.js';

export * from './lwm2m-model.js';
export * from './lwm2m-path.js';
export * from './lwm2m-value.js';
export { CORE_OBJECTS } from './objects-core.js';
export { IPSO_OBJECTS } from './objects-ipso.js';
export { parseObjectXml, MAX_RESOURCES_PER_OBJECT } from './object-xml.js';
export { decodeTlv, encodeTlv, TLV_CONTENT_FORMAT, MAX_TLV_DEPTH, type TlvNode, type TlvKind } from './tlv.js';
export { decodeTlvValues, encodeTlvValues } from './tlv-values.js';
export { decodeLwm2mCbor, encodeLwm2mCbor, LWM2M_CBOR_CONTENT_FORMAT } from './lwm2m-cbor.js';
export { decodeLwm2mSenml, decodeLwm2mSenmlPaths, encodeLwm2mSenmlCbor, encodeLwm2mSenmlJson } from './lwm2m-senml.js';
export { CONTENT_FORMAT, FORMATS, decodeLwm2mContent, encodeLwm2mContent, type DecodeOptions } from './content-formats.js';
export { TYPE_CODECS, fitToType, inferType } from './value-types.js';
export * from './registration.js';
export { objectTd, affordanceName, valueSchema, LWM2M_TD_PREFIX, type ObjectTdOptions, type ObjectThingDescription } from './object-td.js';

/** Roost's own table: the core objects 0-7 and the common IPSO objects. */
export const BUILTIN_OBJECTS: readonly ObjectModel[] = [...CORE_OBJECTS, ...IPSO_OBJECTS];
