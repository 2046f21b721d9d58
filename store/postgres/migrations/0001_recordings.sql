-- Recordings, their metadata and playback formats, and the callback data
-- captured at create.
--
-- Text that is compared or ordered byte-wise (ids, metadata) uses the "C"
-- collation: record ids sort the same on every server whatever its locale,
-- and plain b-tree indexes then serve prefix LIKE patterns (which
-- text_pattern_ops would otherwise be needed for).

CREATE TABLE recordings (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	record_id       text COLLATE "C" NOT NULL,
	meeting_id      text COLLATE "C" NOT NULL,
	-- A copy of the tenant-id metadata ('' = none), kept in step with it so
	-- the tenant filter is an index lookup.
	tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
	name            text NOT NULL DEFAULT '',
	published       boolean NOT NULL DEFAULT false,
	protected       boolean NOT NULL DEFAULT false,
	state           text COLLATE "C" NOT NULL DEFAULT '',
	participants    integer NOT NULL DEFAULT 0,
	-- NULL stands for a zero time.
	start_time      timestamptz,
	end_time        timestamptz,
	publish_updated boolean NOT NULL DEFAULT false,
	protect_updated boolean NOT NULL DEFAULT false,
	updated_at      timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT recordings_record_id_key UNIQUE (record_id)
);

-- getRecordings lists newest first; each index ends in the listing order so
-- a page is read straight off it.
CREATE INDEX recordings_listing_idx ON recordings (start_time DESC NULLS LAST, record_id);
CREATE INDEX recordings_meeting_idx ON recordings (meeting_id);
-- state is included so counting a tenant's matches reads the index only.
CREATE INDEX recordings_tenant_idx ON recordings (tenant_id, start_time DESC NULLS LAST, record_id) INCLUDE (state);
-- Counting all matches of an unfiltered query reads this small index only.
CREATE INDEX recordings_state_idx ON recordings (state);

CREATE TABLE recording_metadata (
	recording_id bigint NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	key          text COLLATE "C" NOT NULL,
	value        text COLLATE "C" NOT NULL,
	-- What the (key, value) index holds of a value: a b-tree entry must fit
	-- in a third of a page, and a long description must not make an import
	-- fail. A stored column rather than an expression index, so that
	-- filters on it are index-only scans. Queries match on it where that is
	-- the same test (metaMatch in query.go).
	value_head   text COLLATE "C" GENERATED ALWAYS AS (left(value, 256)) STORED,
	PRIMARY KEY (recording_id, key)
);

-- meta_* filters look up (key, value), exactly or by prefix, for the
-- recording ids alone.
CREATE INDEX recording_metadata_key_value_idx ON recording_metadata (key, value_head, recording_id);
-- Values depend on their key (gl-listed is mostly "true" or "false"); without
-- this the planner multiplies the two and underestimates matches many times.
CREATE STATISTICS recording_metadata_key_value_stats (mcv) ON key, value_head FROM recording_metadata;

CREATE TABLE playback_formats (
	recording_id    bigint NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	format          text COLLATE "C" NOT NULL,
	url             text NOT NULL DEFAULT '',
	length          integer NOT NULL DEFAULT 0,
	processing_time integer NOT NULL DEFAULT 0,
	-- [{"url", "width", "height", "alt"}, …] in display order; previews are
	-- only ever read and replaced with their format.
	previews        jsonb NOT NULL DEFAULT '[]',
	PRIMARY KEY (recording_id, format)
);

CREATE TABLE callbacks (
	tenant              text COLLATE "C" NOT NULL,
	meeting_id          text COLLATE "C" NOT NULL,
	recording_ready_url text NOT NULL DEFAULT '',
	analytics_url       text NOT NULL DEFAULT '',
	updated_at          timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant, meeting_id)
);
