CREATE TYPE dimensions AS (width_mm smallint, height_mm smallint, depth_mm smallint);
CREATE TABLE parcels (id integer PRIMARY KEY, size dimensions);
