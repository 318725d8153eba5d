ALTER TABLE users DROP COLUMN normalized_email;
