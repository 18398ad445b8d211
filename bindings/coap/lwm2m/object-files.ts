/**
 * LwM2M object definitions an operator adds (OMA DDF XML files, docs/protocols/lwm2m.md): every
 * `*.xml` in a folder, in name order; a file that does not parse is reported and skipped, the
 * others load. A folder that is absent holds none.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseObjectXml, type ObjectModel } from '../../../protocols/lwm2m/index.js';

export function loadObjectFiles(dir: string, onRejected: (file: string, err: Error) => void): ObjectModel[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  } catch {
    return [];
  }
  const out: ObjectModel[] = [];
  for (const f of files) {
    try {
      out.push(...parseObjectXml(readFileSync(join(dir, f), 'utf8'), f));
    } catch (err) {
      onRejected(f, err as Error);
    }
  }
  return out;
}
