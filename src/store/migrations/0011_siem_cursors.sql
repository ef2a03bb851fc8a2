-- SIEM delivery (audit module): per sink and org, the last audit seq delivered. The audit log
-- itself is the durable outbox: delivery reads events after the cursor in order, so nothing
-- is lost across restarts and order holds.
CREATE TABLE siem_cursors (
  sink_id text NOT NULL,
  org_id text NOT NULL REFERENCES orgs(id),
  last_seq bigint NOT NULL DEFAULT 0,
  delivered_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY (sink_id, org_id)
);
