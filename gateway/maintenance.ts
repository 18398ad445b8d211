/**
 * The appliance's upkeep, wired once for gateway.ts: the disk watcher (history pruned
 * oldest-first when the data partition runs low, a diskLow event on the system thing), scheduled
 * backups into the data partition, and network updates into the inactive A/B slot (when the
 * composition root injects a slot installer).
 */
import type { Logger } from 'pino';
import { BackupScheduler, parseSchedule, schedulePassphrase } from './backup/backup-schedule.js';
import type { RoostConfig } from './config/config.js';
import { DiskWatcher, type DiskLowEvent } from './disk/disk-watcher.js';
import type { Hub } from './hub/hub.js';
import type { MetricSample } from './metrics/metric-sample.js';
import type { Db } from './store/database.js';
import { SystemBinding } from './system/system-binding.js';
import type { SlotInstaller } from './update/slot-installer.js';
import { UpdateService } from './update/update-service.js';

export interface MaintenanceDeps {
  dataDir: string;
  db: Db;
  hub: Hub;
  config: RoostConfig;
  logger: Logger;
  /** The running system binding, if any, for the diskLow event. */
  systemBinding: () => unknown;
  slotInstaller?: SlotInstaller;
  /** Free bytes of the data partition for update uploads (tests); statfs otherwise. */
  freeBytes?: (dir: string) => Promise<number>;
}

export class Maintenance {
  readonly disk: DiskWatcher;
  readonly backups: BackupScheduler | null;
  readonly update: UpdateService;

  constructor(deps: MaintenanceDeps) {
    const { config, logger } = deps;
    this.disk = new DiskWatcher({
      dataDir: deps.dataDir, db: deps.db, options: config.disk, flush: () => deps.hub.historyStore.flush(),
      onLow: (e: DiskLowEvent) => {
        const sys = deps.systemBinding();
        if (sys instanceof SystemBinding) sys.reportDiskLow(e);
      },
      log: logger.child({ module: 'disk' }),
    });
    this.backups = null;
    if (parseSchedule(config.backup.schedule).kind !== 'off') {
      const passphrase = schedulePassphrase(config.backup);
      if (passphrase === null) logger.error('backup.schedule is set but there is no passphrase (backup.passphraseFile or ROOST_BACKUP_PASSPHRASE): no scheduled backups');
      else this.backups = new BackupScheduler({ dataDir: deps.dataDir, db: deps.db, config: config.backup, passphrase, now: deps.hub.now, log: logger.child({ module: 'backup' }), prepare: () => deps.hub.prepareBackup() });
    }
    this.update = new UpdateService({
      dataDir: deps.dataDir, installer: deps.slotInstaller ?? null, options: config.update, now: deps.hub.now, log: logger.child({ module: 'update' }),
      ...(deps.freeBytes ? { freeBytes: deps.freeBytes } : {}),
    });
  }

  async start(): Promise<void> {
    await this.disk.init();
    this.disk.start();
    this.backups?.start();
  }

  async stop(): Promise<void> {
    this.update.close();
    await this.backups?.stop();
    await this.disk.stop();
  }

  metrics(): MetricSample[] {
    return [...this.disk.metrics(), ...(this.backups?.metrics() ?? [])];
  }
}
