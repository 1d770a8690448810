-- alter: the same enum labels in another order
CREATE TYPE priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE TABLE tickets (id bigint PRIMARY KEY, priority priority NOT NULL DEFAULT 'normal');
