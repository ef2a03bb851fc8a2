-- SIEM delivery (siem module). The audit log stays the durable outbox; siem_cursors (0011)
-- gains when the last error happened and how many events each sink got. siem_leases lets
-- only one instance deliver to a sink at a time: the holder renews its row each pass; a row
-- whose expires_at passed may be taken over by another instance.
ALTER TABLE siem_cursors ADD COLUMN last_error_at timestamptz;
ALTER TABLE siem_cursors ADD COLUMN delivered_total bigint NOT NULL DEFAULT 0;
CREATE TABLE siem_leases (
  sink_id text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
