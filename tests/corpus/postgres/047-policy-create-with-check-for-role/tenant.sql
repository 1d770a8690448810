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
