-- Safe on PG 11+: NOT NULL with a constant default needs no rewrite.
ALTER TABLE users ADD COLUMN is_active boolean NOT NULL DEFAULT true;
