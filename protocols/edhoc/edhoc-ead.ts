/**
 * External Authorization Data (RFC 9528 §3.8): EAD_x = 1* ( ead_label : int, ? ead_value : bstr ).
 * A negative label marks a critical item: one the application does not process fails the session;
 * a non-critical item it does not process is ignored, and label 0 is padding (§3.8.1).
 */
import { encodeCbor } from '../cbor.js';
import { bstr, cborSeq, type CborItem } from './edhoc-cbor.js';
import { EdhocError } from './edhoc-errors.js';

export interface EadItem {
  readonly label: number;
  readonly value?: Uint8Array;
}

export function encodeEad(items: readonly EadItem[] = []): Uint8Array {
  return cborSeq(...items.flatMap((i) => (i.value === undefined ? [encodeCbor(i.label)] : [encodeCbor(i.label), bstr(i.value)])));
}

/** Parses the trailing items of a message or plaintext as EAD items. */
export function parseEad(items: readonly CborItem[]): EadItem[] {
  const out: EadItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const label = items[i] as CborItem;
    if (label.type !== 'int') throw new EdhocError('malformed', 'EAD label is not an integer');
    const next = items[i + 1];
    if (next?.type === 'bstr') {
      out.push({ label: label.value, value: next.value });
      i++;
    } else out.push({ label: label.value });
  }
  return out;
}

/**
 * Checks received EAD items against the labels the application processes (absolute values,
 * as registered). Returns the items for the application, padding removed.
 */
export function checkEad(items: readonly EadItem[], understood: readonly number[]): EadItem[] {
  for (const item of items) {
    // RFC 9528 §3.8: an unrecognised critical item MUST fail the session with an error message.
    if (item.label < 0 && !understood.includes(-item.label)) {
      throw new EdhocError('critical_ead', undefined, { details: { eadLabel: item.label } });
    }
  }
  return items.filter((i) => i.label !== 0);
}
