-- FlowLink as an OAuth 2.1 authorization server for MCP clients (docs/mcp-authorization.md).
-- Codes and tokens are stored only as SHA-256 digests. Clients are installation-wide (they
-- exist before anyone signs in); grants, codes and tokens belong to one organization.
CREATE TABLE oauth_clients (client_id text PRIMARY KEY, name text NOT NULL, redirect_uris jsonb NOT NULL, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE oauth_grants (id text PRIMARY KEY, org_id text NOT NULL REFERENCES orgs(id), user_id text NOT NULL, client_id text NOT NULL, agent_id text NOT NULL, scope text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz);
CREATE UNIQUE INDEX oauth_grants_live ON oauth_grants (org_id, user_id, client_id) WHERE revoked_at IS NULL;
CREATE TABLE oauth_codes (code_hash text PRIMARY KEY, org_id text NOT NULL REFERENCES orgs(id), grant_id text NOT NULL, family_id text NOT NULL, client_id text NOT NULL, redirect_uri text NOT NULL, code_challenge text NOT NULL, scope text NOT NULL, resource text NOT NULL, expires_at timestamptz NOT NULL, used_at timestamptz);
CREATE TABLE oauth_tokens (token_hash text PRIMARY KEY, id text NOT NULL UNIQUE, org_id text NOT NULL REFERENCES orgs(id), kind text NOT NULL, grant_id text NOT NULL, family_id text NOT NULL, client_id text NOT NULL, agent_id text NOT NULL, scope text NOT NULL, resource text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL, used_at timestamptz, revoked_at timestamptz);
CREATE INDEX oauth_tokens_family ON oauth_tokens (org_id, family_id);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (org_id, grant_id);
