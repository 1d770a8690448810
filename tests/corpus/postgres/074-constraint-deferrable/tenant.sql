CREATE TABLE playlists (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE playlist_tracks (
    playlist_id integer NOT NULL,
    position integer NOT NULL,
    track text NOT NULL,
    CONSTRAINT playlist_tracks_position UNIQUE (playlist_id, position),
    CONSTRAINT playlist_tracks_playlist FOREIGN KEY (playlist_id) REFERENCES playlists (id)
        ON DELETE CASCADE
);
