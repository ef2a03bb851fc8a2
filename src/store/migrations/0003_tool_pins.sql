-- Tool definition pins (shield module): the approved hash of every tool an org has seen,
-- and a changed definition waiting for review (rug-pull quarantine).
CREATE TABLE tool_pins (
  org_id text NOT NULL REFERENCES orgs(id),
  server text NOT NULL,
  tool text NOT NULL,
  status text NOT NULL,
  hash text NOT NULL,
  definition jsonb NOT NULL,
  findings jsonb NOT NULL DEFAULT '[]'::jsonb,
  pending_hash text,
  pending_definition jsonb,
  pending_findings jsonb,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  changed_at timestamptz,
  reviewed_by text,
  reviewed_at timestamptz,
  PRIMARY KEY (org_id, server, tool)
);
