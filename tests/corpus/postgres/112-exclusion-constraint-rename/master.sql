-- rename: the same exclusion constraint under another name on the tenant
CREATE EXTENSION btree_gist;
CREATE TABLE reservations (
    id bigint PRIMARY KEY,
    desk_id integer NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT reservations_no_double_booking EXCLUDE USING gist (desk_id WITH =, during WITH &&)
);
