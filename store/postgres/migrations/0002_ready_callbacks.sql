-- Recording-ready callbacks waiting to be sent or retried, so that a restart
-- does not drop them.
CREATE TABLE ready_callbacks (
	record_id  text COLLATE "C" PRIMARY KEY,
	tenant     text COLLATE "C" NOT NULL,
	meeting_id text COLLATE "C" NOT NULL,
	attempts   integer NOT NULL,
	due_at     timestamptz NOT NULL
);
CREATE INDEX ready_callbacks_due ON ready_callbacks (due_at, record_id);
