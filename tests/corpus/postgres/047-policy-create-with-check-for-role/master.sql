-- create: a permissive INSERT policy for a role, with WITH CHECK
DO $$
BEGIN
    CREATE ROLE corpus_app_user NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    tenant_id integer NOT NULL,
    name text NOT NULL,
    archived boolean NOT NULL DEFAULT false
);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_select ON projects FOR SELECT
    USING (tenant_id = current_setting('app.tenant_id')::integer);
CREATE POLICY projects_insert ON projects AS PERMISSIVE FOR INSERT TO corpus_app_user
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::integer AND NOT archived);
