DROP INDEX CONCURRENTLY idx_users_lower_email;
