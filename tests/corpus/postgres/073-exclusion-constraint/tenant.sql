CREATE TABLE bookings (
    id bigint PRIMARY KEY,
    room_id integer NOT NULL,
    during tstzrange NOT NULL
);
