-- The demo application database housekeeper's demo config maintains: what the five seed systems each kept
-- (tokens, sessions, an activity log, players with heartbeats, inventory, snapshots, monthly invitations).
-- Run at every start by the `setup-demo-database` task (sqlite plugin, `create: true`, `transaction: true`):
-- every statement is idempotent, and the seed rows are inserted only into empty tables.
-- Times are Unix seconds (INTEGER), as the sqlite plugin's :scheduled_at and :started_at parameters are.

CREATE TABLE IF NOT EXISTS tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    token      TEXT    NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_expires_at ON tokens(expires_at);

CREATE TABLE IF NOT EXISTS sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS activity_log (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_log_at ON activity_log(at);

CREATE TABLE IF NOT EXISTS players (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'disconnected')),
    last_heartbeat  INTEGER NOT NULL,
    disconnected_at INTEGER
);

CREATE TABLE IF NOT EXISTS inventory (
    id        INTEGER PRIMARY KEY,
    player_id INTEGER NOT NULL,
    item      TEXT    NOT NULL,
    quantity  INTEGER NOT NULL DEFAULT 1
);

-- One row per (kind, period): the snapshot tasks insert with INSERT OR IGNORE keyed on the scheduled period,
-- so a retried or caught-up run never snapshots a period twice.
CREATE TABLE IF NOT EXISTS snapshots (
    kind              TEXT    NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly')),
    period            TEXT    NOT NULL,
    taken_at          INTEGER NOT NULL,
    players           INTEGER NOT NULL,
    connected_players INTEGER NOT NULL,
    items             INTEGER NOT NULL,
    PRIMARY KEY (kind, period)
);

-- One invitation per player and month; reminders at J+3 and J+7 until accepted.
CREATE TABLE IF NOT EXISTS invitations (
    month        TEXT    NOT NULL,
    player_id    INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    reminded_3_at INTEGER,
    reminded_7_at INTEGER,
    accepted_at  INTEGER,
    PRIMARY KEY (month, player_id)
);

-- Seed rows, only into empty tables, dated relative to now so every cleanup has something to do at once.
INSERT INTO players (name, status, last_heartbeat, disconnected_at)
SELECT name, status, unixepoch() - age, CASE status WHEN 'disconnected' THEN unixepoch() - age END
FROM (SELECT 'ada' AS name, 'connected' AS status, 30 AS age
      UNION ALL SELECT 'grace', 'connected', 600             -- silent for 10 minutes: the audit disconnects her
      UNION ALL SELECT 'linus', 'disconnected', 8 * 86400     -- gone for 8 days: the audit removes him
      UNION ALL SELECT 'barbara', 'connected', 10)
WHERE NOT EXISTS (SELECT 1 FROM players);

INSERT INTO inventory (player_id, item, quantity)
SELECT p.id, i.item, i.quantity
FROM players p JOIN (SELECT 'sword' AS item, 1 AS quantity UNION ALL SELECT 'potion', 5) i
WHERE NOT EXISTS (SELECT 1 FROM inventory);

INSERT INTO tokens (user_id, token, expires_at)
SELECT id, 'seed-' || id || '-' || kind, unixepoch() + offset
FROM players JOIN (SELECT 'expired' AS kind, -3600 AS offset UNION ALL SELECT 'valid', 86400)
WHERE NOT EXISTS (SELECT 1 FROM tokens);

INSERT INTO sessions (user_id, expires_at)
SELECT id, unixepoch() + CASE WHEN id % 2 = 0 THEN -60 ELSE 3600 END FROM players
WHERE NOT EXISTS (SELECT 1 FROM sessions);

INSERT INTO activity_log (at, actor, action)
SELECT unixepoch() - days * 86400, 'seed', 'login'
FROM (SELECT 45 AS days UNION ALL SELECT 31 UNION ALL SELECT 10 UNION ALL SELECT 1)
WHERE NOT EXISTS (SELECT 1 FROM activity_log);
