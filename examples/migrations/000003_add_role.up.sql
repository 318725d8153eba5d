-- BAD: NOT NULL without a default fails on a table with rows, under an ACCESS EXCLUSIVE lock.
ALTER TABLE users ADD COLUMN role text NOT NULL;
