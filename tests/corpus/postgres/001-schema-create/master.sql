-- create: a non-public schema holding a table
CREATE SCHEMA app;
CREATE TABLE app.accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
