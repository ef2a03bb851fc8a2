-- Policy sets (policy module): every change is a new version; the highest version of a set is active.
-- A rollback is a new version whose document is an earlier one's (rolled_back_to names it).
CREATE TABLE policy_versions (
  set_name text NOT NULL,
  version integer NOT NULL,
  source text NOT NULL CHECK (source IN ('yaml', 'api', 'rollback')),
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  document jsonb NOT NULL,
  checksum text NOT NULL,
  diff text NOT NULL,
  rolled_back_to integer,
  PRIMARY KEY (set_name, version)
);
CREATE INDEX policy_versions_source ON policy_versions (set_name, source, version DESC);
