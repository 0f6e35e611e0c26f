-- The interview lifecycle (created, in_progress, paused, completed, incomplete, cancelled)
-- replaces seed 001's two words; what was "in-progress" is in progress.
UPDATE interviews SET status = 'in_progress' WHERE status = 'in-progress';
