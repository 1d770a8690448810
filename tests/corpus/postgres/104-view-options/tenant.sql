CREATE TABLE documents (id integer PRIMARY KEY, owner text NOT NULL, public boolean NOT NULL DEFAULT false);
CREATE VIEW public_documents AS
    SELECT id, owner, public FROM documents WHERE public;
