-- Batched backfill: each batch commits, so locks are short and vacuum keeps up.
-- (COMMIT inside DO needs autocommit: a one-statement golang-migrate file.)
DO $$
DECLARE
  done bigint;
BEGIN
  LOOP
    UPDATE users SET normalized_email = lower(email)
     WHERE id IN (SELECT id FROM users WHERE normalized_email IS NULL LIMIT 1000);
    GET DIAGNOSTICS done = ROW_COUNT;
    EXIT WHEN done = 0;
    COMMIT;
  END LOOP;
END
$$;
