/**
 * Campaigns and their per-device items in SQLite (`campaigns`, `campaign_items`), written on every
 * change so that a gateway restart resumes a campaign where it stood: items already handed to the
 * hub keep their action id (the hub's queue survives the restart too), waiting items start later.
 */
import type { Db } from '../store/database.js';
import { RouteNotFoundError } from '../../protocols/errors.js';

export type CampaignState = 'running' | 'completed' | 'cancelled';
export type ItemState = 'waiting' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const ITEM_STATES: readonly ItemState[] = ['waiting', 'running', 'succeeded', 'failed', 'cancelled'];

export interface CampaignSelection {
  targets?: string[];
  filter?: { model?: string; firmwareVersion?: string };
}

export interface CampaignItem {
  thingId: string;
  state: ItemState;
  /** The `firmware_update` invocation in the hub's queue, once started. */
  actionId: string | null;
  /** Last step of the device's job (`firmware_update_progress.step`). */
  step: string | null;
  /** Update Result /5/0/5 the device reported last (1 = success). */
  result: number | null;
  error: string | null;
  oldVersion: string | null;
  newVersion: string | null;
  startedAt: number | null;
  updatedAt: number;
}

export interface Campaign {
  id: string;
  firmwareId: string;
  mode: 'push' | 'pull';
  concurrency: number;
  state: CampaignState;
  selection: CampaignSelection;
  /** Time to live of each device's invocation in the queue (waiting for the device's wake). */
  ttlMs: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  counts: Record<ItemState, number>;
}

interface CampaignRow { id: string; firmware_id: string; mode: string; concurrency: number; state: string; selection: string; ttl_ms: number | null; created_by: string | null; created_at: number; updated_at: number }
interface ItemRow { campaign_id: string; thing_id: string; seq: number; state: string; action_id: string | null; step: string | null; result: number | null; error: string | null; old_version: string | null; new_version: string | null; started_at: number | null; updated_at: number }

const toItem = (r: ItemRow): CampaignItem => ({
  thingId: r.thing_id, state: r.state as ItemState, actionId: r.action_id, step: r.step, result: r.result, error: r.error,
  oldVersion: r.old_version, newVersion: r.new_version, startedAt: r.started_at, updatedAt: r.updated_at,
});

export class CampaignStore {
  constructor(private readonly db: Db) {}

  insert(c: Omit<Campaign, 'counts'>, thingIds: readonly string[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO campaigns (id, firmware_id, mode, concurrency, state, selection, ttl_ms, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.id, c.firmwareId, c.mode, c.concurrency, c.state, JSON.stringify(c.selection), c.ttlMs, c.createdBy, c.createdAt, c.updatedAt);
      const add = this.db.prepare("INSERT INTO campaign_items (campaign_id, thing_id, seq, state, updated_at) VALUES (?, ?, ?, 'waiting', ?)");
      thingIds.forEach((t, i) => add.run(c.id, t, i, c.createdAt));
    })();
  }

  get(id: string): Campaign {
    const row = this.db.prepare('SELECT * FROM campaigns WHERE id = ?').get(id) as CampaignRow | undefined;
    if (!row) throw new RouteNotFoundError(`no campaign ${id}`);
    return this.toCampaign(row);
  }

  list(limit: number): Campaign[] {
    return (this.db.prepare('SELECT * FROM campaigns ORDER BY created_at DESC, id LIMIT ?').all(limit) as CampaignRow[]).map((r) => this.toCampaign(r));
  }

  idsInState(state: CampaignState): string[] {
    return (this.db.prepare('SELECT id FROM campaigns WHERE state = ?').all(state) as { id: string }[]).map((r) => r.id);
  }

  setState(id: string, state: CampaignState, now: number): void {
    this.db.prepare('UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?').run(state, now, id);
  }

  /** Whether a campaign still running (or with devices still updating) uses the image. */
  usesImage(firmwareId: string): boolean {
    return this.db.prepare(`SELECT 1 FROM campaigns c WHERE c.firmware_id = ? AND (c.state = 'running'
      OR EXISTS (SELECT 1 FROM campaign_items i WHERE i.campaign_id = c.id AND i.state = 'running')) LIMIT 1`).get(firmwareId) !== undefined;
  }

  items(id: string, state?: ItemState): CampaignItem[] {
    const rows = state
      ? this.db.prepare('SELECT * FROM campaign_items WHERE campaign_id = ? AND state = ? ORDER BY seq').all(id, state)
      : this.db.prepare('SELECT * FROM campaign_items WHERE campaign_id = ? ORDER BY seq').all(id);
    return (rows as ItemRow[]).map(toItem);
  }

  /** Items handed to the hub and not final, of every campaign (cancelled ones included). */
  running(): Array<CampaignItem & { campaignId: string }> {
    return (this.db.prepare("SELECT * FROM campaign_items WHERE state = 'running' ORDER BY campaign_id, seq").all() as ItemRow[])
      .map((r) => ({ ...toItem(r), campaignId: r.campaign_id }));
  }

  byAction(actionId: string): (CampaignItem & { campaignId: string }) | undefined {
    const r = this.db.prepare('SELECT * FROM campaign_items WHERE action_id = ?').get(actionId) as ItemRow | undefined;
    return r && { ...toItem(r), campaignId: r.campaign_id };
  }

  saveItem(campaignId: string, it: CampaignItem): void {
    this.db.prepare(`UPDATE campaign_items SET state = ?, action_id = ?, step = ?, result = ?, error = ?, old_version = ?, new_version = ?,
      started_at = ?, updated_at = ? WHERE campaign_id = ? AND thing_id = ?`)
      .run(it.state, it.actionId, it.step, it.result, it.error, it.oldVersion, it.newVersion, it.startedAt, it.updatedAt, campaignId, it.thingId);
    this.db.prepare('UPDATE campaigns SET updated_at = ? WHERE id = ?').run(it.updatedAt, campaignId);
  }

  private toCampaign(r: CampaignRow): Campaign {
    const counts = Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as Record<ItemState, number>;
    for (const c of this.db.prepare('SELECT state, count(*) AS n FROM campaign_items WHERE campaign_id = ? GROUP BY state').all(r.id) as { state: ItemState; n: number }[]) counts[c.state] = c.n;
    return {
      id: r.id, firmwareId: r.firmware_id, mode: r.mode as 'push' | 'pull', concurrency: r.concurrency, state: r.state as CampaignState,
      selection: JSON.parse(r.selection) as CampaignSelection, ttlMs: r.ttl_ms, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, counts,
    };
  }
}
