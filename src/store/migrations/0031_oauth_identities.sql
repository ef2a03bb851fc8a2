-- OAuth sign-in (identity module, issue 6): accounts at GitHub, Yandex ID and VK ID linked
-- to FlowLink users, and the short-lived state of flows in progress.
CREATE TABLE user_identities (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  provider text NOT NULL,
  subject text NOT NULL,
  email text,
  login text NOT NULL DEFAULT '',
  linked_via text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  UNIQUE (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- One row per started flow. The state and the browser's nonce cookie are stored as SHA-256
-- digests; a row is used once (used_at) and only until expires_at.
CREATE TABLE oauth_states (
  state_hash text PRIMARY KEY,
  nonce_hash text NOT NULL,
  provider text NOT NULL,
  purpose text NOT NULL,
  code_verifier text NOT NULL,
  user_id text REFERENCES users(id),
  session_id text,
  invite_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);
