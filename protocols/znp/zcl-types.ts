/**
 * ZCL attribute data types (Zigbee Cluster Library 07-5123, §2.6.2, Table 2-10) as a table:
 * id -> wire size and kind; one encoder and one decoder read it.
 */
import { FrameInvalidError, ValueInvalidError } from '../errors.js';
import { bytesToIeee, ieeeToBytes } from './mt-params.js';

type Kind = 'uint' | 'int' | 'bool' | 'string' | 'ieee';
interface TypeDef {
  name: string;
  kind: Kind;
  /** Bytes on the wire; strings carry a 1-byte length prefix instead. */
  size: number;
  /** Analog types carry a reportable change in Configure Reporting (§2.5.7.1.7). */
  analog: boolean;
}

export const ZCL_TYPES: Readonly<Record<number, TypeDef>> = {
  0x10: { name: 'bool', kind: 'bool', size: 1, analog: false },
  0x18: { name: 'map8', kind: 'uint', size: 1, analog: false },
  0x19: { name: 'map16', kind: 'uint', size: 2, analog: false },
  0x20: { name: 'uint8', kind: 'uint', size: 1, analog: true },
  0x21: { name: 'uint16', kind: 'uint', size: 2, analog: true },
  0x22: { name: 'uint24', kind: 'uint', size: 3, analog: true },
  0x23: { name: 'uint32', kind: 'uint', size: 4, analog: true },
  0x25: { name: 'uint48', kind: 'uint', size: 6, analog: true },
  0x28: { name: 'int8', kind: 'int', size: 1, analog: true },
  0x29: { name: 'int16', kind: 'int', size: 2, analog: true },
  0x2a: { name: 'int24', kind: 'int', size: 3, analog: true },
  0x2b: { name: 'int32', kind: 'int', size: 4, analog: true },
  0x30: { name: 'enum8', kind: 'uint', size: 1, analog: false },
  0x31: { name: 'enum16', kind: 'uint', size: 2, analog: false },
  0x42: { name: 'string', kind: 'string', size: 0, analog: false },
  0xf0: { name: 'EUI64', kind: 'ieee', size: 8, analog: false },
};

export type ZclValue = number | boolean | string;

function typeDef(type: number): TypeDef {
  const t = ZCL_TYPES[type];
  if (!t) throw new FrameInvalidError(`unsupported ZCL data type 0x${type.toString(16)}`);
  return t;
}

export function isAnalogType(type: number): boolean {
  return typeDef(type).analog;
}

export function encodeZclValue(type: number, value: ZclValue): Buffer {
  const t = typeDef(type);
  switch (t.kind) {
    case 'bool':
      return Buffer.from([value ? 1 : 0]);
    case 'string': {
      const s = Buffer.from(String(value), 'utf8');
      if (s.length > 254) throw new ValueInvalidError('ZCL character string longer than 254 bytes');
      return Buffer.concat([Buffer.from([s.length]), s]);
    }
    case 'ieee':
      return Buffer.from(ieeeToBytes(String(value)));
    default: {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueInvalidError(`ZCL ${t.name} needs an integer, got ${String(value)}`);
      const b = Buffer.alloc(t.size);
      if (t.kind === 'int') b.writeIntLE(value, 0, t.size);
      else b.writeUIntLE(value, 0, t.size);
      return b;
    }
  }
}

/** Decodes one value at offset; returns it and the bytes read. */
export function decodeZclValue(type: number, buf: Buffer, offset: number): { value: ZclValue; bytes: number } {
  const t = typeDef(type);
  const need = (n: number) => {
    if (offset + n > buf.length) throw new FrameInvalidError(`ZCL ${t.name} runs past the end of the frame`);
  };
  switch (t.kind) {
    case 'bool':
      need(1);
      return { value: buf[offset] === 1, bytes: 1 };
    case 'string': {
      need(1);
      const len = buf[offset] ?? 0;
      need(1 + len);
      return { value: buf.subarray(offset + 1, offset + 1 + len).toString('utf8'), bytes: 1 + len };
    }
    case 'ieee':
      need(8);
      return { value: bytesToIeee(buf.subarray(offset, offset + 8)), bytes: 8 };
    default:
      need(t.size);
      return { value: t.kind === 'int' ? buf.readIntLE(offset, t.size) : buf.readUIntLE(offset, t.size), bytes: t.size };
  }
}
