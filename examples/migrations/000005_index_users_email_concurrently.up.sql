-- Good: CONCURRENTLY lets writes continue (and cannot run inside a transaction:
-- golang-migrate sends a one-statement file on its own).
CREATE INDEX CONCURRENTLY idx_users_lower_email ON users (lower(email));
