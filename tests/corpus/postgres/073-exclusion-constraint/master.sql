-- create: an exclusion constraint (btree_gist) against overlapping room bookings
CREATE EXTENSION btree_gist;
CREATE TABLE bookings (
    id bigint PRIMARY KEY,
    room_id integer NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)
);
