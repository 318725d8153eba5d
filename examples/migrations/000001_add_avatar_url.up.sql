-- Safe: a nullable column without a default is a catalog-only change.
ALTER TABLE users ADD COLUMN avatar_url text;
