-- Approval queue (approvals module, issue 5). A request is bound to the SHA-256 of the
-- canonical JSON of {server, tool, arguments}; arguments are stored with secrets redacted.
CREATE TABLE approval_requests (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  call_id text NOT NULL,
  call_hash text NOT NULL,
  server text NOT NULL,
  tool text NOT NULL,
  arguments jsonb NOT NULL,
  agent_id text NOT NULL,
  agent_name text NOT NULL,
  requester_user_id text,
  session_id text,
  risk integer,
  reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
  policy_rule text,
  policy_reason text,
  required_approvals integer NOT NULL DEFAULT 1,
  state text NOT NULL,
  scope text,
  decided_by text,
  decided_by_name text,
  decided_channel text,
  decision_reason text,
  instance_id text NOT NULL,
  refs jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  escalate_at timestamptz,
  escalated_at timestamptz,
  decided_at timestamptz
);
CREATE INDEX approval_requests_org ON approval_requests (org_id, created_at DESC);
CREATE INDEX approval_requests_pending ON approval_requests (state, instance_id);

-- One vote per person per request: N of M approvals count distinct users.
CREATE TABLE approval_votes (
  request_id text NOT NULL REFERENCES approval_requests(id),
  user_id text NOT NULL,
  vote text NOT NULL,
  channel text NOT NULL,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, user_id)
);

-- "Approve for this session": later calls of the same server and tool in the session pass.
CREATE TABLE approval_session_grants (
  org_id text NOT NULL REFERENCES orgs(id),
  session_id text NOT NULL,
  server text NOT NULL,
  tool text NOT NULL,
  request_id text NOT NULL,
  granted_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, session_id, server, tool)
);

-- "Always allow this": a suggested policy rule for review, never applied by itself.
CREATE TABLE approval_suggested_rules (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  request_id text NOT NULL,
  rule jsonb NOT NULL,
  suggested_by text NOT NULL,
  status text NOT NULL DEFAULT 'suggested',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Instances holding waiting calls, with a heartbeat: requests of a silent instance are failed.
CREATE TABLE approval_instances (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL
);

-- Chat accounts (Slack user id, Telegram user id) linked to FlowLink users per org.
CREATE TABLE chat_links (
  org_id text NOT NULL REFERENCES orgs(id),
  provider text NOT NULL,
  external_id text NOT NULL,
  user_id text NOT NULL REFERENCES users(id),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, provider, external_id)
);

-- One-time codes a user sends to the bot to link a chat account (stored as SHA-256).
CREATE TABLE chat_link_codes (
  code_hash text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  provider text NOT NULL,
  user_id text NOT NULL REFERENCES users(id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
