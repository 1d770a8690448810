-- create: an immutable strict SQL function
CREATE FUNCTION slugify(title text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(regexp_replace(trim(title), '[^a-zA-Z0-9]+', '-', 'g')) $$;
CREATE TABLE articles (id integer PRIMARY KEY, title text NOT NULL);
