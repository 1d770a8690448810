CREATE TABLE items (id bigint PRIMARY KEY, label text);
CREATE SEQUENCE items_id_seq OWNED BY NONE;
ALTER TABLE items ALTER COLUMN id SET DEFAULT nextval('items_id_seq');
