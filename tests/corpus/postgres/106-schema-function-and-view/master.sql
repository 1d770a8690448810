-- create: a function and a view in a non-public schema that refer across schemas
CREATE SCHEMA api;
CREATE TABLE accounts (id integer PRIMARY KEY, email text NOT NULL, disabled boolean NOT NULL DEFAULT false);
CREATE FUNCTION api.mask_email(email text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT left(email, 1) || '***' || substring(email FROM position('@' IN email)) $$;
CREATE VIEW api.active_accounts AS
    SELECT id, api.mask_email(email) AS email FROM public.accounts WHERE NOT disabled;
