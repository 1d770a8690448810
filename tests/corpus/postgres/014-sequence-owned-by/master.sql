-- alter: a sequence OWNED BY the column that uses it
CREATE TABLE items (id bigint PRIMARY KEY, label text);
CREATE SEQUENCE items_id_seq OWNED BY items.id;
ALTER TABLE items ALTER COLUMN id SET DEFAULT nextval('items_id_seq');
