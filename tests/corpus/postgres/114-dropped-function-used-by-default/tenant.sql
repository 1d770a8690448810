CREATE FUNCTION ticket_code() RETURNS text
    LANGUAGE sql VOLATILE
    AS $$ SELECT 'T-' || floor(random() * 1000)::text $$;
CREATE TABLE tickets (
    id integer PRIMARY KEY,
    code text NOT NULL DEFAULT ticket_code(),
    CONSTRAINT tickets_code_shape CHECK (code <> ticket_code())
);
