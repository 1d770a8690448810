CREATE TABLE employees (id integer PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE FUNCTION initials(first_name text, last_name text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT left(first_name, 1) || left(last_name, 1) $$;
CREATE VIEW employee_initials AS SELECT id, initials(first_name, last_name) AS initials FROM employees;
