-- BAD: a plain CREATE INDEX blocks every write to users while it builds.
CREATE INDEX idx_users_email ON users (email);
