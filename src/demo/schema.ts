/** A small, realistic schema with data: what the README's demo and the examples run against. */
export const DEMO_SCHEMA_SQL = `
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  username text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  total_cents integer NOT NULL CHECK (total_cents >= 0),
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE VIEW recent_orders AS SELECT * FROM orders WHERE created_at > now() - interval '7 days';
INSERT INTO users (email, username)
  SELECT 'User' || g || '@Example.com', 'user' || g FROM generate_series(1, 20000) g;
INSERT INTO orders (user_id, total_cents, status)
  SELECT 1 + (g % 20000), (g * 37) % 10000, (ARRAY['new','paid','shipped'])[1 + g % 3] FROM generate_series(1, 60000) g;
ANALYZE;
`;

export const DEMO_DATABASE = "lockstep_demo";
