-- Secrets (secrets module). Org key pairs: the private key is sealed under the master key;
-- one active key per org, older ones kept (retiring) until every data key is re-wrapped.
CREATE TABLE secret_org_keys (
  org_id text NOT NULL REFERENCES orgs(id),
  key_id text NOT NULL,
  public_key text NOT NULL,
  sealed_private_key text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  PRIMARY KEY (org_id, key_id)
);
CREATE UNIQUE INDEX secret_org_keys_one_active ON secret_org_keys (org_id) WHERE state = 'active';

-- One row per name; values live in versions. A deleted secret keeps its history rows
-- (who changed what and when) with the ciphertexts erased.
CREATE TABLE secrets (
  org_id text NOT NULL REFERENCES orgs(id),
  name text NOT NULL,
  current_version integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL,
  deleted_at timestamptz,
  deleted_by text,
  PRIMARY KEY (org_id, name)
);

-- builtin: ciphertext (nonce.ciphertext) and the data key wrapped to key_id; vault/env/file:
-- only the reference. No digest of a value is ever stored (it would allow offline guessing).
CREATE TABLE secret_versions (
  org_id text NOT NULL,
  name text NOT NULL,
  version integer NOT NULL,
  backend text NOT NULL CHECK (backend IN ('builtin', 'vault', 'env', 'file')),
  reference text,
  ciphertext text,
  wrapped_key text,
  key_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  PRIMARY KEY (org_id, name, version),
  FOREIGN KEY (org_id, name) REFERENCES secrets (org_id, name)
);
CREATE INDEX secret_versions_by_key ON secret_versions (org_id, key_id);

-- Which agents may use which secrets on which servers (globs), besides the config's grants.
CREATE TABLE secret_grants (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs(id),
  secret text NOT NULL,
  agents jsonb NOT NULL,
  servers jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);
CREATE INDEX secret_grants_org ON secret_grants (org_id);
