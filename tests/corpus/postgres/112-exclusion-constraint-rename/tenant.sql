CREATE EXTENSION btree_gist;
CREATE TABLE reservations (
    id bigint PRIMARY KEY,
    desk_id integer NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT reservations_desk_id_during_excl EXCLUDE USING gist (desk_id WITH =, during WITH &&)
);
