ALTER TABLE users ADD COLUMN normalized_email text;
