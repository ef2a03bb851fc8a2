-- Audit retention (audit module): per-org retention window, two-person purge requests, and
-- signed truncation markers that tell verification where the chain legitimately begins.
CREATE TABLE audit_retention (
  org_id text PRIMARY KEY REFERENCES orgs(id),
  days integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);

CREATE TABLE audit_purge_requests (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  state text NOT NULL,
  below_seq bigint NOT NULL,
  cutoff timestamptz NOT NULL,
  retention_days integer NOT NULL,
  events integer NOT NULL,
  calls integer NOT NULL,
  requested_by text NOT NULL,
  requested_by_name text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  decided_by text,
  decided_by_name text,
  decided_at timestamptz,
  reason text,
  purged_events integer,
  purged_calls integer
);
CREATE INDEX audit_purge_requests_org ON audit_purge_requests (org_id, requested_at DESC);

CREATE TABLE audit_truncations (
  org_id text NOT NULL REFERENCES orgs(id),
  below_seq bigint NOT NULL,
  anchor_hash text NOT NULL,
  ts timestamptz NOT NULL,
  key_id text NOT NULL REFERENCES audit_signing_keys(id),
  signature text NOT NULL,
  request_id text NOT NULL,
  PRIMARY KEY (org_id, below_seq)
);

-- History pages by audit sequence (stable cursor) and the overview's time window.
CREATE INDEX calls_org_seq ON calls (org_id, audit_seq DESC);
CREATE INDEX audit_events_org_ts ON audit_events (org_id, ts DESC);
