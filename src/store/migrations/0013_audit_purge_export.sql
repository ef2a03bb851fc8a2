-- Audit retention (audit module): when a purge request's records were last exported, and by whom,
-- so the approver can see that what will be deleted was kept somewhere first.
ALTER TABLE audit_purge_requests ADD COLUMN exported_at timestamptz;
ALTER TABLE audit_purge_requests ADD COLUMN exported_by_name text;
