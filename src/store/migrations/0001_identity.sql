-- Organizations and agent credentials (identity module).
CREATE TABLE orgs (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_seen_at timestamptz,
  UNIQUE (org_id, name)
);

-- A token is stored only as its SHA-256; several may be live for one agent (rotation with overlap).
CREATE TABLE agent_tokens (
  token_hash text PRIMARY KEY,
  agent_id text NOT NULL REFERENCES agents(id),
  org_id text NOT NULL REFERENCES orgs(id),
  prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX agent_tokens_agent ON agent_tokens (agent_id);
