-- Recording-ready callbacks waiting to be sent or retried, so that a restart
-- does not drop them.
CREATE TABLE ready_callbacks (
	record_id  TEXT PRIMARY KEY,
	tenant     TEXT NOT NULL,
	meeting_id TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	due_at     INTEGER NOT NULL  -- unix nanoseconds
) WITHOUT ROWID;
CREATE INDEX ready_callbacks_due ON ready_callbacks (due_at, record_id);
