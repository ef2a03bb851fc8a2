-- Audit checkpoints (audit module): signed statements "org X's log had record seq with this hash at this time".
-- Only public keys live here; private keys stay in the data folder (mode 0600) or FLOWLINK_AUDIT_SIGNING_KEY.
CREATE TABLE audit_signing_keys (
  id text PRIMARY KEY,
  algorithm text NOT NULL,
  public_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE TABLE audit_checkpoints (
  org_id text NOT NULL REFERENCES orgs(id),
  seq bigint NOT NULL,
  hash text NOT NULL,
  ts timestamptz NOT NULL,
  key_id text NOT NULL REFERENCES audit_signing_keys(id),
  signature text NOT NULL,
  PRIMARY KEY (org_id, seq)
);
