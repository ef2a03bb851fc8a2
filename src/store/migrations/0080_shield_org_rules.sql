-- Per-org Shield rule settings (shield module): a whole pack switched off, or one rule switched
-- on or off or given another severity, for one organization, on top of the installation's config.
CREATE TABLE shield_org_rules (
  org_id text NOT NULL REFERENCES orgs(id),
  scope text NOT NULL CHECK (scope IN ('pack', 'rule')),
  name text NOT NULL,
  enabled boolean,
  severity text CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, scope, name)
);
