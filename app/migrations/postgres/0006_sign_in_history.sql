-- 账户安全 lists a staff member's recent sign-ins by staff_id, as a holder's
-- are found by holder_id (audit_log_by_holder); failed logins are found by
-- the username tried (audit_log_by_subject).
CREATE INDEX audit_log_by_staff ON audit_log (staff_id, at) WHERE staff_id IS NOT NULL;
