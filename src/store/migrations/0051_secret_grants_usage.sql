-- Secrets (secrets module), issue 7 follow-up. Grants as data: besides agent names (globs),
-- a grant may name agent labels (every key=value must match) and tools (globs; ["*"] = any).
ALTER TABLE secret_grants ADD COLUMN agent_labels jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE secret_grants ADD COLUMN tools jsonb NOT NULL DEFAULT '["*"]'::jsonb;
ALTER TABLE secret_grants ADD COLUMN note text NOT NULL DEFAULT '';

-- One row per secret per use (a tool call, or an upstream start for env/header secrets):
-- which call, agent and server, for the usage view and the list's last-used/use-count.
-- Names and ids only, never a value.
CREATE TABLE secret_uses (
  org_id text NOT NULL REFERENCES orgs(id),
  name text NOT NULL,
  version integer,
  method text NOT NULL CHECK (method IN ('argument', 'file', 'env', 'header')),
  call_id text,
  agent_id text,
  agent_name text,
  server text NOT NULL,
  tool text,
  used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secret_uses_by_name ON secret_uses (org_id, name, used_at DESC);
