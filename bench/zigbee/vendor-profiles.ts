/**
 * Simulated devices of many vendors for the Zigbee fleet benchmark's worst case: one model from
 * each of the converters' largest vendor files (by source size), so that identifying them makes
 * the converters load as many vendor files, the biggest first. Each is the firmware-sim smart plug
 * (mains router: a quick interview) with the model id and manufacturer name of a real model.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SMART_PLUG, type DeviceProfile } from '../../firmware-sim/zigbee/profiles.js';

/** The converters' own index: lower-cased zigbeeModel or fingerprint modelID -> [vendor file, index]. */
type ModelsIndex = Record<string, Array<[string, number]>>;
interface RawDefinition { zigbeeModel?: string[] }

/**
 * Profiles for `count` vendor files, largest first. The model id is one that the converters' index
 * maps to that file alone and that is a declared zigbeeModel (so it identifies without a
 * fingerprint); its spelling is read from the definition (the index is lower-cased). Loads those
 * vendor files in this process (the benchmark's parent, not the gateway measured).
 */
export function vendorProfiles(count: number): DeviceProfile[] {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('zigbee-herdsman-converters'));
  const index = require(join(dist, 'models-index.json')) as ModelsIndex;
  const byFile = new Map<string, Array<[string, number]>>();
  for (const [key, rows] of Object.entries(index)) {
    const row = rows[0];
    if (key === 'null' || rows.length !== 1 || !row) continue;
    const list = byFile.get(row[0]) ?? [];
    list.push([key, row[1]]);
    byFile.set(row[0], list);
  }
  const files = readdirSync(join(dist, 'devices'))
    .filter((f) => byFile.has(f))
    .sort((a, b) => statSync(join(dist, 'devices', b)).size - statSync(join(dist, 'devices', a)).size);
  const out: DeviceProfile[] = [];
  for (const file of files) {
    if (out.length >= count) break;
    const { definitions } = require(join(dist, 'devices', file)) as { definitions: RawDefinition[] };
    for (const [key, i] of byFile.get(file) ?? []) {
      const modelId = definitions[i]?.zigbeeModel?.find((z) => z.toLowerCase() === key);
      if (!modelId) continue;
      out.push(withModel(modelId, file.replace(/\.js$/, '')));
      break;
    }
  }
  return out;
}

function withModel(modelId: string, manufacturerName: string): DeviceProfile {
  const [ep] = SMART_PLUG.endpoints;
  if (!ep) throw new Error('the smart plug profile has no endpoint');
  const basic = { ...ep.attributes[0x0000] };
  basic[0x0004] = { type: 0x42, value: manufacturerName };
  basic[0x0005] = { type: 0x42, value: modelId };
  return {
    ...SMART_PLUG,
    name: `${manufacturerName}-${modelId}`,
    modelId,
    manufacturerName,
    endpoints: [{ ...ep, attributes: { ...ep.attributes, 0x0000: basic } }],
  };
}
