-- Tasks (the io.modelcontextprotocol/tasks extension of the 2026-07-28 revision): a call held
-- for approval is answered with a task the agent polls, on any instance. The row is bound to
-- the org and agent that created it; the result is stored as the agent would have received it
-- (already redacted by the pipeline) and removed when the task's ttl runs out.
CREATE TABLE mcp_tasks (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  agent_id text NOT NULL,
  approval_id text,
  status text NOT NULL,
  status_message text,
  result jsonb,
  error jsonb,
  instance_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX mcp_tasks_expiry ON mcp_tasks (expires_at);
