CREATE TYPE priority AS ENUM ('urgent', 'high', 'normal', 'low');
CREATE TABLE tickets (id bigint PRIMARY KEY, priority priority NOT NULL DEFAULT 'normal');
