-- alter: a sequence's type, start, increment, min/max, cache and cycle
CREATE SEQUENCE ticket_seq AS integer START WITH 100 INCREMENT BY 5 MINVALUE 100 MAXVALUE 100000 CACHE 10 CYCLE;
CREATE TABLE tickets (id integer PRIMARY KEY DEFAULT nextval('ticket_seq'), subject text);
