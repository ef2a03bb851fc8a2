-- Audit log (audit module): an append-only, hash-chained sequence of events per org.
CREATE TABLE audit_events (
  org_id text NOT NULL REFERENCES orgs(id),
  seq bigint NOT NULL,
  id text NOT NULL UNIQUE,
  ts timestamptz NOT NULL,
  kind text NOT NULL,
  code text NOT NULL,
  actor_type text NOT NULL,
  actor_id text,
  outcome text NOT NULL,
  data jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (org_id, seq)
);
CREATE INDEX audit_events_kind_ts ON audit_events (org_id, kind, ts);

-- Command history: one row per tool call, written in the same statement as its audit event.
CREATE TABLE calls (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  audit_seq bigint NOT NULL,
  agent_id text,
  agent_name text,
  session_id text,
  server text NOT NULL,
  tool text NOT NULL,
  arguments jsonb,
  status text NOT NULL,
  error text,
  duration_ms double precision NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  client jsonb,
  protocol text,
  decision jsonb
);
CREATE INDEX calls_org_started ON calls (org_id, started_at DESC);
CREATE INDEX calls_org_agent ON calls (org_id, agent_id, started_at DESC);
