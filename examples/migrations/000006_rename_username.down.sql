ALTER TABLE users RENAME COLUMN display_name TO username;
