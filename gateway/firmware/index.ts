/**
 * Firmware images and campaigns (issue 21 item 4; docs/api.md "Firmware campaigns"), built by the
 * composition root (gateway.ts) and handed to the HTTP routes (api/routes/firmware.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RoostConfig } from '../config/config.js';
import type { HubApi } from '../hub/hub-api.js';
import type { Db } from '../store/database.js';
import { CampaignRunner, DEFAULT_CAMPAIGN_OPTIONS, type CampaignOptions } from './campaign-runner.js';
import { CampaignStore } from './campaign-store.js';
import { FirmwareImages, type ImageLimits } from './firmware-images.js';

export { CampaignRunner } from './campaign-runner.js';
export { FirmwareImages } from './firmware-images.js';

/** What the routes use. */
export interface Firmware {
  images: FirmwareImages;
  campaigns: CampaignRunner;
}

/** 8 MiB, the LwM2M binding's default lwm2mMaxPackageBytes. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxImageBytes: 8 * 1024 * 1024, maxImages: 64 };

/**
 * Images live where the LwM2M binding reads packages: `bindings.coap.lwm2mFirmwareDir`, else
 * `<dataDir>/firmware`; an upload is limited like the binding's `lwm2mMaxPackageBytes`.
 */
export function createFirmware(d: { hub: HubApi; db: Db; config: RoostConfig; dataDir: string; logger: Logger; now: () => number; options?: Partial<CampaignOptions> }): Firmware {
  const coap: Record<string, unknown> = d.config.bindings['coap'] ?? {};
  const dir = typeof coap['lwm2mFirmwareDir'] === 'string' && coap['lwm2mFirmwareDir'] !== '' ? coap['lwm2mFirmwareDir'] : join(d.dataDir, 'firmware');
  const max = coap['lwm2mMaxPackageBytes'];
  const images = new FirmwareImages(d.db, dir, { ...DEFAULT_IMAGE_LIMITS, ...(typeof max === 'number' ? { maxImageBytes: max } : {}) }, d.now);
  const campaigns = new CampaignRunner({
    hub: d.hub, store: new CampaignStore(d.db), images, options: { ...DEFAULT_CAMPAIGN_OPTIONS, ...d.options }, logger: d.logger, now: d.now,
  });
  return { images, campaigns };
}
