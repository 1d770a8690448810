-- alter: a trigger fires on UPDATE OF two columns instead of any update
CREATE TABLE profiles (id integer PRIMARY KEY, email text, phone text, bio text, verified boolean NOT NULL DEFAULT false);
CREATE FUNCTION unverify_contact() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.verified := false;
    RETURN NEW;
END
$$;
CREATE TRIGGER profiles_unverify BEFORE UPDATE OF email, phone ON profiles
    FOR EACH ROW EXECUTE FUNCTION unverify_contact();
