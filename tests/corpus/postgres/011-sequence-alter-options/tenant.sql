CREATE SEQUENCE ticket_seq AS bigint START WITH 1 INCREMENT BY 1;
CREATE TABLE tickets (id integer PRIMARY KEY DEFAULT nextval('ticket_seq'), subject text);
