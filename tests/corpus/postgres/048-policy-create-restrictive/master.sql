-- create: a RESTRICTIVE policy on UPDATE with USING and WITH CHECK
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    tenant_id integer NOT NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects
    USING (tenant_id = current_setting('app.tenant_id')::integer);
CREATE POLICY projects_not_archived ON projects AS RESTRICTIVE FOR UPDATE
    USING (NOT archived)
    WITH CHECK (NOT archived);
