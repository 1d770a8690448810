-- alter: a table CHECK's condition changed and a second one added
CREATE TABLE bookings (
  id INT NOT NULL PRIMARY KEY,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  guests INT NOT NULL,
  CONSTRAINT bookings_dates CHECK (ends_on > starts_on),
  CONSTRAINT bookings_guests CHECK (guests BETWEEN 1 AND 12)
);
