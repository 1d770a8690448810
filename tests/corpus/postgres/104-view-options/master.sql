-- alter: a view with security_invoker and security_barrier, and WITH LOCAL CHECK OPTION
CREATE TABLE documents (id integer PRIMARY KEY, owner text NOT NULL, public boolean NOT NULL DEFAULT false);
CREATE VIEW public_documents WITH (security_invoker = true, security_barrier = true) AS
    SELECT id, owner, public FROM documents WHERE public
    WITH LOCAL CHECK OPTION;
