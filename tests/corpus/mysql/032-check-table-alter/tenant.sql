CREATE TABLE bookings (
  id INT NOT NULL PRIMARY KEY,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  guests INT NOT NULL,
  CONSTRAINT bookings_dates CHECK (ends_on >= starts_on)
);
