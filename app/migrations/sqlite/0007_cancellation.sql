-- 撤回加注: a holder withdraws a ready copy. The row keeps status 'ready'
-- (it still counts toward the quota, which counts applications) and gets
-- the time; its file is deleted like an expired one's (file_purged_at).
ALTER TABLE endorsements ADD COLUMN cancelled_at INTEGER;
