-- Live state: servers, meeting bindings, tenants, tokens, leases, values.
-- Times are integers: nanoseconds since the epoch unless named *_ms.

CREATE TABLE servers (
	id              TEXT PRIMARY KEY,
	url             TEXT NOT NULL,
	secret          TEXT NOT NULL,
	tag             TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL,
	online          INTEGER NOT NULL DEFAULT 0,
	load            REAL NOT NULL DEFAULT 0,
	load_multiplier REAL NOT NULL DEFAULT 1,
	meetings        INTEGER NOT NULL DEFAULT 0,
	users           INTEGER NOT NULL DEFAULT 0,
	largest_meeting INTEGER NOT NULL DEFAULT 0,
	videos          INTEGER NOT NULL DEFAULT 0,
	bbb_version     TEXT NOT NULL DEFAULT '',
	healthy_count   INTEGER NOT NULL DEFAULT 0,
	unhealthy_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX servers_placeable ON servers (load, id) WHERE state = 'enabled' AND online = 1;

-- A binding's server is not a foreign key: bindings are removed with their
-- server explicitly, and the poller may still report meetings of a server
-- that an admin just removed.
CREATE TABLE meetings (
	tenant        TEXT NOT NULL,
	id            TEXT NOT NULL,
	server_id     TEXT NOT NULL,
	moderator_pw  TEXT NOT NULL DEFAULT '',
	voice_bridge  TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	expected_load REAL NOT NULL DEFAULT 0,
	participants  INTEGER NOT NULL DEFAULT 0,
	moderators    INTEGER NOT NULL DEFAULT 0,
	videos        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX meetings_voice_bridge ON meetings (voice_bridge);
CREATE INDEX meetings_server ON meetings (server_id);

CREATE TABLE tenants (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	secrets TEXT NOT NULL -- JSON array, in order
);

CREATE TABLE tenant_settings (
	tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	param     TEXT NOT NULL,
	value     TEXT NOT NULL,
	override  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, param)
) WITHOUT ROWID;

CREATE TABLE tokens (
	token      TEXT PRIMARY KEY,
	record_id  TEXT NOT NULL,
	format     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_expiry ON tokens (expires_at);

CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE kv (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- Recordings. tenant_id mirrors the tenant-id metadata so tenant queries use
-- an index.
CREATE TABLE recordings (
	id              INTEGER PRIMARY KEY,
	record_id       TEXT NOT NULL UNIQUE,
	meeting_id      TEXT NOT NULL,
	name            TEXT NOT NULL DEFAULT '',
	published       INTEGER NOT NULL DEFAULT 0,
	protected       INTEGER NOT NULL DEFAULT 0,
	state           TEXT NOT NULL DEFAULT '',
	participants    INTEGER NOT NULL DEFAULT 0,
	start_ms        INTEGER NOT NULL DEFAULT 0,
	end_ms          INTEGER NOT NULL DEFAULT 0,
	publish_updated INTEGER NOT NULL DEFAULT 0,
	protect_updated INTEGER NOT NULL DEFAULT 0,
	tenant_id       TEXT NOT NULL DEFAULT '',
	updated_ms      INTEGER NOT NULL DEFAULT 0
);
-- Queries never pick an index by state (it matches most rows); they walk
-- these in getRecordings order instead and stop at the page's end.
CREATE INDEX recordings_start ON recordings (start_ms DESC, record_id);
CREATE INDEX recordings_meeting ON recordings (meeting_id, start_ms DESC, record_id);
CREATE INDEX recordings_tenant ON recordings (tenant_id, start_ms DESC, record_id);

-- How many recordings each (tenant, state) has, kept by triggers, so the
-- total of a getRecordings query without other filters is not a count over
-- every row.
CREATE TABLE recording_counts (
	tenant_id TEXT NOT NULL,
	state     TEXT NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, state)
) WITHOUT ROWID;

CREATE TRIGGER recordings_count_insert AFTER INSERT ON recordings BEGIN
	INSERT INTO recording_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1)
		ON CONFLICT (tenant_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recordings_count_delete AFTER DELETE ON recordings BEGIN
	UPDATE recording_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND state = OLD.state;
END;

CREATE TRIGGER recordings_count_update AFTER UPDATE OF tenant_id, state ON recordings
	WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.state IS NOT NEW.state
BEGIN
	UPDATE recording_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND state = OLD.state;
	INSERT INTO recording_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1)
		ON CONFLICT (tenant_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TABLE recording_metadata (
	recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	key          TEXT NOT NULL,
	value        TEXT NOT NULL,
	PRIMARY KEY (recording_id, key)
) WITHOUT ROWID;
CREATE INDEX recording_metadata_key_value ON recording_metadata (key, value);

CREATE TABLE playback_formats (
	recording_id    INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	format          TEXT NOT NULL,
	url             TEXT NOT NULL,
	length          INTEGER NOT NULL DEFAULT 0,
	processing_time INTEGER NOT NULL DEFAULT 0,
	previews        TEXT NOT NULL DEFAULT '[]', -- JSON array, in order
	PRIMARY KEY (recording_id, format)
) WITHOUT ROWID;

CREATE TABLE callbacks (
	tenant              TEXT NOT NULL,
	meeting_id          TEXT NOT NULL,
	recording_ready_url TEXT NOT NULL DEFAULT '',
	analytics_url       TEXT NOT NULL DEFAULT '',
	updated_at          INTEGER NOT NULL,
	PRIMARY KEY (tenant, meeting_id)
) WITHOUT ROWID;
