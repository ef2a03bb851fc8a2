-- Context snapshots (snapshots module): an org's policies, agents, servers with pinned tool
-- definitions, redacted configuration and audit head at one moment. Never tokens or secret values.
CREATE TABLE snapshots (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  reason text NOT NULL CHECK (reason IN ('manual', 'schedule', 'policy-change', 'incident')),
  ref text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  content_sha256 text NOT NULL,
  policy_version integer NOT NULL,
  audit_seq bigint,
  content jsonb NOT NULL
);
CREATE INDEX snapshots_org_created ON snapshots (org_id, created_at DESC, id);
