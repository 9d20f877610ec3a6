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
	// 3: workout history: display settings, custom sports and exercises,
	// workouts with their strength sets and time series, best efforts for
	// records, strength templates.
	`
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE users ADD COLUMN units TEXT NOT NULL DEFAULT 'metric';
CREATE TABLE custom_sports (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key     TEXT NOT NULL,
	name    TEXT NOT NULL,
	kind    TEXT NOT NULL, -- distance, duration or strength
	PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE TABLE custom_exercises (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key     TEXT NOT NULL,
	name    TEXT NOT NULL,
	PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE TABLE workouts (
	id           TEXT PRIMARY KEY, -- a UUID, chosen by the client or the server
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	sport        TEXT NOT NULL,
	start_at     INTEGER NOT NULL, -- unix ms
	duration_s   REAL NOT NULL,
	distance_m   REAL,
	elevation_m  REAL,
	calories     REAL,
	avg_hr       REAL,
	max_hr       REAL,
	rpe          INTEGER,
	title        TEXT NOT NULL DEFAULT '',
	notes        TEXT NOT NULL DEFAULT '',
	share_token  TEXT UNIQUE,
	share_map    INTEGER NOT NULL DEFAULT 1,
	sample_count INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX workouts_user_start ON workouts(user_id, start_at DESC, id);
CREATE INDEX workouts_user_sport ON workouts(user_id, sport, start_at DESC);
CREATE INDEX workouts_user_sport_distance ON workouts(user_id, sport, distance_m);
CREATE INDEX workouts_user_sport_duration ON workouts(user_id, sport, duration_s);
CREATE TABLE workout_sets (
	workout_id TEXT NOT NULL REFERENCES workouts(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL, -- the workout's, so lift records need no join
	position   INTEGER NOT NULL,
	exercise   TEXT NOT NULL,
	reps       INTEGER,
	weight_kg  REAL,
	rpe        REAL,
	rir        INTEGER,
	warmup     INTEGER NOT NULL DEFAULT 0,
	rest_s     REAL,
	e1rm_kg    REAL, -- Epley estimate, kept for the records query
	PRIMARY KEY (workout_id, position)
) WITHOUT ROWID;
CREATE INDEX workout_sets_user_weight ON workout_sets(user_id, exercise, weight_kg) WHERE warmup = 0 AND reps > 0;
CREATE INDEX workout_sets_user_e1rm ON workout_sets(user_id, exercise, e1rm_kg) WHERE warmup = 0 AND reps > 0;
CREATE TABLE samples (
	workout_id TEXT NOT NULL REFERENCES workouts(id) ON DELETE CASCADE,
	t          REAL NOT NULL, -- seconds since the workout's start
	lat REAL, lon REAL, alt REAL, dist REAL, hr REAL, cadence REAL, power REAL, speed REAL,
	PRIMARY KEY (workout_id, t)
) WITHOUT ROWID;
CREATE TABLE best_efforts (
	workout_id TEXT NOT NULL REFERENCES workouts(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL,
	distance_m REAL NOT NULL,
	seconds    REAL NOT NULL,
	PRIMARY KEY (workout_id, distance_m)
) WITHOUT ROWID;
CREATE INDEX best_efforts_user ON best_efforts(user_id, distance_m, seconds);
CREATE TABLE templates (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	sets       TEXT NOT NULL, -- JSON array of sets
	created_at INTEGER NOT NULL
);
CREATE INDEX templates_user ON templates(user_id);
`,
	// 4: goals, body-weight log, and the week-start setting goals and
	// stats cut weeks by.
	`
ALTER TABLE users ADD COLUMN week_start TEXT NOT NULL DEFAULT 'monday';
CREATE TABLE goals (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title      TEXT NOT NULL,
	kind       TEXT NOT NULL,             -- volume, lift or body_weight
	metric     TEXT NOT NULL DEFAULT '',  -- volume: workouts, distance, duration, elevation, calories
	sports     TEXT NOT NULL DEFAULT '[]',-- volume: JSON array of sport keys; empty is every sport
	exercise   TEXT NOT NULL DEFAULT '',  -- lift
	basis      TEXT NOT NULL DEFAULT '',  -- lift: weight or e1rm
	target     REAL NOT NULL,
	period     TEXT NOT NULL,             -- week, month, year or custom
	start_date TEXT NOT NULL DEFAULT '',  -- custom: first local day, YYYY-MM-DD
	end_date   TEXT NOT NULL DEFAULT '',  -- custom: last local day
	status     TEXT NOT NULL DEFAULT 'active', -- active, paused or archived
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX goals_user ON goals(user_id);
CREATE TABLE weights (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	at      INTEGER NOT NULL, -- unix ms
	kg      REAL NOT NULL
);
CREATE INDEX weights_user_at ON weights(user_id, at);
`,
	// 5: live games: the game, its scorekeepers, and its event log, from
	// which the score is derived (state caches the derivation for lists).
	`
CREATE TABLE games (
	id           TEXT PRIMARY KEY, -- random, so an unlisted game is found only by its link
	owner_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	sport        TEXT NOT NULL,
	home         TEXT NOT NULL,
	away         TEXT NOT NULL,
	home_color   TEXT NOT NULL,
	away_color   TEXT NOT NULL,
	home_roster  TEXT NOT NULL DEFAULT '[]',
	away_roster  TEXT NOT NULL DEFAULT '[]',
	venue        TEXT NOT NULL DEFAULT '',
	scheduled_at INTEGER,
	visibility   TEXT NOT NULL, -- public, unlisted or private
	status       TEXT NOT NULL DEFAULT 'scheduled',
	state        TEXT NOT NULL DEFAULT '{}',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX games_feed ON games(visibility, status, updated_at);
CREATE INDEX games_owner ON games(owner_id);
CREATE TABLE game_scorekeepers (
	game_id TEXT NOT NULL REFERENCES games(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (game_id, user_id)
) WITHOUT ROWID;
CREATE INDEX game_scorekeepers_user ON game_scorekeepers(user_id);
CREATE TABLE game_events (
	game_id   TEXT NOT NULL REFERENCES games(id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,
	by_user   INTEGER NOT NULL,
	client_id TEXT,
	event     TEXT NOT NULL, -- JSON GameEvent
	PRIMARY KEY (game_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX game_events_client ON game_events(game_id, by_user, client_id) WHERE client_id IS NOT NULL;
`,
	// 6: live sessions: a workout being recorded, and who may watch it.
	`
CREATE TABLE live_sessions (
	workout_id       TEXT PRIMARY KEY REFERENCES workouts(id) ON DELETE CASCADE,
	user_id          INTEGER NOT NULL,
	status           TEXT NOT NULL DEFAULT 'live', -- live, paused or finished
	last_t           REAL NOT NULL DEFAULT -1,     -- the latest sample's t
	total_m          REAL NOT NULL DEFAULT 0,      -- distance so far
	out_of_order     INTEGER NOT NULL DEFAULT 0,   -- samples refused for arriving before the latest
	jumps            INTEGER NOT NULL DEFAULT 0,   -- positions dropped as impossible jumps
	last_lat         REAL,                         -- the latest accepted position, for the jump check
	last_lon         REAL,
	last_pos_t       REAL,
	released_m       REAL NOT NULL DEFAULT 0,      -- spectators have positions up to this distance
	share_token      TEXT UNIQUE,
	share_expires_at INTEGER,
	privacy_m        REAL NOT NULL DEFAULT 0       -- metres of track hidden from spectators at each end
) WITHOUT ROWID;
CREATE INDEX live_sessions_user ON live_sessions(user_id, status);
`,
	// 7: imports: each workout's original file, and the imports run in
	// the background with their per-file results.
	`
CREATE TABLE workout_files (
	workout_id TEXT PRIMARY KEY REFERENCES workouts(id) ON DELETE CASCADE,
	name       TEXT NOT NULL, -- as uploaded; a name ending .gz is served as stored
	data       BLOB NOT NULL  -- the file, gzipped
);
CREATE TABLE imports (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	status      TEXT NOT NULL,      -- queued, running, done or interrupted
	total       INTEGER NOT NULL DEFAULT 0,
	done        INTEGER NOT NULL DEFAULT 0,
	imported    INTEGER NOT NULL DEFAULT 0,
	duplicates  INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	results     TEXT NOT NULL DEFAULT '[]', -- JSON: one entry per file
	created_at  INTEGER NOT NULL,
	finished_at INTEGER
);
CREATE INDEX imports_user ON imports(user_id, id);
`,
	// 8: integrations: upload tokens for recording apps, the files watched
	// folders have imported (or failed to), and the single sign-on
	// identities linked to accounts.
	`
CREATE TABLE upload_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	token_hash   BLOB NOT NULL UNIQUE, -- SHA-256 of the token; the token is shown once
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX upload_tokens_user ON upload_tokens(user_id);
CREATE TABLE watched_files (
	user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	folder    TEXT NOT NULL,    -- the folder's path as configured
	path      TEXT NOT NULL,    -- relative to the folder
	size      INTEGER NOT NULL,
	mtime     INTEGER NOT NULL, -- unix ms
	status    TEXT NOT NULL,    -- imported, duplicate or failed
	import_id INTEGER,
	PRIMARY KEY (user_id, folder, path)
);
CREATE TABLE user_identities (
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (issuer, subject)
);
`,
	// 9: training insight: the athlete's dated settings (max and resting heart
	// rate, threshold heart rate, FTP, threshold pace, custom zones), each
	// workout's training summary with the zones and load derived from it,
	// its best mean powers for the power curve, and gear with the workouts
	// that used it.
	`
CREATE TABLE athlete_settings (
	user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	key       TEXT NOT NULL, -- max_hr, rest_hr, lthr, ftp, threshold_pace, sex, hr_zones
	from_date TEXT NOT NULL, -- first local day it applies to, YYYY-MM-DD
	value     TEXT NOT NULL, -- JSON
	PRIMARY KEY (user_id, key, from_date)
) WITHOUT ROWID;
CREATE TABLE athlete_estimates (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	max_hr  REAL, -- highest heart rate in any workout
	ftp     REAL  -- best 20-minute power x 0.95
);
CREATE TABLE workout_training (
	workout_id  TEXT PRIMARY KEY REFERENCES workouts(id) ON DELETE CASCADE,
	user_id     INTEGER NOT NULL,
	start_at    INTEGER NOT NULL, -- the workout's, for the fitness series
	sport       TEXT NOT NULL,    -- the workout's, so the series needs no join
	load        REAL,
	method      TEXT, -- trimp, tss or rpe
	estimated   INTEGER NOT NULL DEFAULT 0, -- the load or zones rest on estimates
	max_hr      REAL, -- highest heart rate seen, for the estimate
	best20_w    REAL, -- best 20-minute power, for the FTP estimate
	np          REAL,
	intensity   REAL,
	hr_zones    TEXT, -- JSON: seconds per zone
	power_zones TEXT  -- JSON: seconds per zone
) WITHOUT ROWID;
-- A workout's trainingSummary (JSON, histograms as [first bin, seconds...],
-- from its samples), apart from the
-- derived columns above, which a settings change rewrites for thousands of
-- workouts: a row holding the long summary would be rewritten whole.
CREATE TABLE workout_summaries (
	workout_id TEXT PRIMARY KEY REFERENCES workouts(id) ON DELETE CASCADE,
	summary    TEXT NOT NULL
) WITHOUT ROWID;
-- Covers the fitness series: one range scan, no table lookups.
CREATE INDEX workout_training_user_start ON workout_training(user_id, start_at, load, method, estimated, sport);
CREATE INDEX workout_training_user_max_hr ON workout_training(user_id, max_hr);
CREATE INDEX workout_training_user_best20 ON workout_training(user_id, best20_w);
CREATE TABLE power_bests (
	workout_id TEXT NOT NULL REFERENCES workouts(id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL,
	duration_s INTEGER NOT NULL,
	watts      REAL NOT NULL,
	start_at   INTEGER NOT NULL, -- the workout's: the earlier of equal bests holds the record
	PRIMARY KEY (workout_id, duration_s)
) WITHOUT ROWID;
-- Each point of the power curve is the first entry of this index.
CREATE INDEX power_bests_user ON power_bests(user_id, duration_s, watts DESC, start_at);
CREATE TABLE gear (
	id               INTEGER PRIMARY KEY,
	user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name             TEXT NOT NULL,
	kind             TEXT NOT NULL, -- shoes, bike or other
	default_sport    TEXT NOT NULL DEFAULT '', -- imports of this sport get this gear
	alert_distance_m REAL,
	retired_on       TEXT NOT NULL DEFAULT '', -- local day, YYYY-MM-DD
	notes            TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL
);
CREATE INDEX gear_user ON gear(user_id);
CREATE TABLE workout_gear (
	workout_id TEXT NOT NULL REFERENCES workouts(id) ON DELETE CASCADE,
	gear_id    INTEGER NOT NULL REFERENCES gear(id) ON DELETE CASCADE,
	PRIMARY KEY (workout_id, gear_id)
) WITHOUT ROWID;
CREATE INDEX workout_gear_gear ON workout_gear(gear_id);
`,
	// 10: import_files: what each file of a background import has stored so
	// far, written in the same transaction as each workout it creates, so
	// that an import cut short by a crash still reports every workout it
	// committed (the imports row is saved at most four times a second).
	`
CREATE TABLE import_files (
	import_id  INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,            -- the file's place in the import, 0 first: its index in imports.results
	name       TEXT NOT NULL,
	workouts   TEXT NOT NULL DEFAULT '[]',  -- JSON: ids of the workouts it created
	duplicates INTEGER NOT NULL DEFAULT 0,  -- activities in it already present
	PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
`,
	// 11: moving time beside the elapsed duration_s: what a device
	// recorded as moving, or computed from the track by movingTime; NULL
	// where neither is known (workouts typed in, or stored before this).
	`ALTER TABLE workouts ADD COLUMN moving_s REAL;`,
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
