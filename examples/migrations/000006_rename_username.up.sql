-- BAD: a direct rename breaks every running copy of the app that still reads username.
ALTER TABLE users RENAME COLUMN username TO display_name;
