package main

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the schema's history. Entry i moves a database from
// version i to version i+1; the version lives in PRAGMA user_version.
// Append only: never edit or reorder an entry that has shipped.
var migrations = []string{
	// 1: accounts, browser sessions and API tokens.
	`
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	password_hash TEXT NOT NULL,
	admin         INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL -- unix milliseconds, like every time column
);
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash   BLOB NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	user_agent   TEXT NOT NULL DEFAULT '',
	ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   BLOB NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
`,
	// 2: the real-time hub's topics and their message history, which
	// resume replays from.
	`
CREATE TABLE topics (
	name        TEXT PRIMARY KEY,
	epoch       INTEGER NOT NULL, -- changes when the topic's history restarts
	last_offset INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE topic_messages (
	topic      TEXT NOT NULL,
	offset     INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	sender     INTEGER NOT NULL DEFAULT 0, -- user id, 0 for the server itself
	client_id  TEXT,                       -- the sender's pub id, for idempotent retries
	data       BLOB NOT NULL,              -- JSON
	PRIMARY KEY (topic, offset)
) WITHOUT ROWID;
CREATE UNIQUE INDEX topic_messages_client_id ON topic_messages(topic, sender, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX topic_messages_created ON topic_messages(created_at);
`,
}

// schemaVersion is the version this binary writes.
var schemaVersion = len(migrations)

// migrate brings db up to schemaVersion, one transaction per step, and
// refuses a database written by a newer fitcast.
func migrate(db *sql.DB) error {
	ctx := context.Background()
	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this fitcast understands (%d); run a newer fitcast", current, len(migrations))
	}
	for v := current; v < len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration to version %d: %w", v+1, err)
		}
		// PRAGMA takes no parameters; v+1 is an int we control.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
