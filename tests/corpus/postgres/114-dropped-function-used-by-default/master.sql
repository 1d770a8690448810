-- drop: a tenant-only function that a default and a check call goes, with the default and check the master lacks
CREATE TABLE tickets (
    id integer PRIMARY KEY,
    code text NOT NULL
);
