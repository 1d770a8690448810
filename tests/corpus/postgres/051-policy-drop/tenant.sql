CREATE TABLE projects (
    id bigint PRIMARY KEY,
    tenant_id integer NOT NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects
    USING (tenant_id = current_setting('app.tenant_id')::integer);
CREATE POLICY projects_debug ON projects FOR SELECT
    USING (current_setting('app.debug', true) = 'on');
