/**
 * Versioned schema migrations, applied in order at start inside one transaction each.
 * Append only: never edit a migration that has shipped; add a new one at the end.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'things, twin, history, action queue, users, meta',
    sql: `
      CREATE TABLE things (
        id TEXT PRIMARY KEY,
        binding TEXT NOT NULL,
        device_id TEXT NOT NULL,
        native_td TEXT NOT NULL,
        consumer_td TEXT NOT NULL,
        sleepy INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        removed_at INTEGER
      );
      CREATE INDEX things_binding ON things (binding, device_id);

      CREATE TABLE twin (
        thing_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        ts INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (thing_id, name)
      ) WITHOUT ROWID;

      -- Clustered on (thing, name, ts): range queries read contiguous pages (FACTS.md: 5.4k vs 2.9k/s).
      -- seq breaks ties between rows with the same millisecond.
      CREATE TABLE history (
        thing_id TEXT NOT NULL,
        name TEXT NOT NULL,
        ts INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (thing_id, name, ts, seq)
      ) WITHOUT ROWID;
      CREATE INDEX history_thing_ts ON history (thing_id, ts);

      CREATE TABLE actions (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        thing_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        input TEXT,
        state TEXT NOT NULL,
        output TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        requested_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        transitions TEXT NOT NULL
      );
      CREATE INDEX actions_thing_state ON actions (thing_id, state, seq);
      CREATE INDEX actions_state_expiry ON actions (state, expires_at);

      CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        password_changed_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    // State a binding needs to recognise its devices after a restart (CoAP registrations, serial
    // identities, security sequence numbers), written in the same group commit as history.
    name: 'binding state',
    sql: `
      CREATE TABLE binding_state (
        binding TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (binding, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    // Onboarding (ARCHITECTURE.md "The device contract"): every device a binding has seen, its
    // admission state and, once approved, its credentials (OSCORE secrets, keys).
    name: 'devices',
    sql: `
      CREATE TABLE devices (
        binding TEXT NOT NULL,
        device_id TEXT NOT NULL,
        state TEXT NOT NULL,
        name TEXT,
        seen_as TEXT,
        claims TEXT,
        credentials TEXT,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (binding, device_id)
      ) WITHOUT ROWID;
      CREATE INDEX devices_state ON devices (state, updated_at);
    `,
  },
  {
    version: 4,
    // Store-and-forward of the uplink (docs/uplink.md): history rows are its outbox, read in seq
    // order (seq only grows: assigned at append, committed in order), so a value acknowledged to a
    // device is already in the outbox; uplink_state keeps the cursor of what upstream acknowledged.
    name: 'uplink cursor',
    sql: `
      CREATE INDEX history_seq ON history (seq);
      CREATE TABLE uplink_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    // Firmware campaigns (docs/api.md "Firmware campaigns"): uploaded images (the bytes are files
    // under <dataDir>/firmware), campaigns and one item per target device, so that a gateway
    // restart resumes a campaign where it stood.
    name: 'firmware campaigns',
    sql: `
      CREATE TABLE firmware_images (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT
      ) WITHOUT ROWID;
      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        firmware_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        state TEXT NOT NULL,
        selection TEXT NOT NULL,
        ttl_ms INTEGER,
        created_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE campaign_items (
        campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        thing_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        action_id TEXT,
        step TEXT,
        result INTEGER,
        error TEXT,
        old_version TEXT,
        new_version TEXT,
        started_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, thing_id)
      ) WITHOUT ROWID;
      CREATE INDEX campaign_items_state ON campaign_items (state, campaign_id, seq);
      CREATE INDEX campaign_items_action ON campaign_items (action_id);
    `,
  },
  {
    version: 6,
    // Rules and notifications (docs/rules.md): each rule's definition as JSON, who made it with
    // which role (its actions run with that role), and what it did last: when it fired, why, its
    // last error and counters, so the API and the UI show it across restarts.
    name: 'rules',
    sql: `
      CREATE TABLE rules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        definition TEXT NOT NULL,
        created_by TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_fired_at INTEGER,
        last_firing TEXT,
        last_error TEXT,
        last_error_at INTEGER,
        fires INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        suppressed INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    // History write rate (issue 20, docs/durability.md "History write rate"): every commit adds one
    // row per reading to each B-tree of the table, and in the index on (thing_id, ts) as in the
    // primary key that is one more leaf page per series and commit, a third of the write cost.
    // The primary key (thing_id, name, ts, seq) serves the queries by thing and by thing and
    // name; history_seq stays for the uplink and for pruning oldest-first.
    name: 'history without its (thing_id, ts) index',
    sql: `
      DROP INDEX history_thing_ts;
    `,
  },
];
