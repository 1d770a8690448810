-- alter: a policy's command changed from ALL to DELETE (drop and create)
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    tenant_id integer NOT NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_owner ON projects FOR DELETE
    USING (tenant_id = current_setting('app.tenant_id')::integer);
