-- drop: row-level security (and its policy) only the tenant has
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    tenant_id integer NOT NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false
);
