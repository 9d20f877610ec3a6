package main

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// errSignupClosed is returned when a self sign-up arrives while sign-up is
// closed and at least one account exists.
var errSignupClosed = errors.New("sign-up is closed")

// User is an account. The password hash never leaves the store layer in JSON.
type User struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Admin     bool      `json:"admin"`
	CreatedAt time.Time `json:"created_at"`
	UserSettings
	passwordHash string
	createdMS    int64
}

// UserSettings are a user's display preferences. Everything is stored in
// SI units and UTC; these only decide how it is shown and how days, weeks
// and months are cut.
type UserSettings struct {
	Timezone  string `json:"timezone"`   // IANA name, e.g. Europe/Berlin. Defaults to UTC.
	Units     string `json:"units"`      // metric or imperial. Defaults to metric.
	WeekStart string `json:"week_start"` // monday or sunday. Defaults to monday.
}

// Session is a signed-in browser. Only the SHA-256 of its cookie is stored.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

// APIToken is a named credential for scripts and devices. Only the SHA-256
// of the token is stored; the token itself is shown once, at creation.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func ms(t time.Time) int64     { return t.UnixMilli() }
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
func nullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// CreateUser adds an account. The very first account is always an admin,
// whatever admin says. With selfSignup, the account is refused with
// errSignupClosed unless signupOpen or no account exists yet; the check and
// the insert share one transaction, so two racing first sign-ups cannot both
// become admin.
func (s *Store) CreateUser(ctx context.Context, username, passwordHash string, admin, selfSignup, signupOpen bool) (User, error) {
	u := User{Username: username, Admin: admin, CreatedAt: s.now().UTC().Truncate(time.Millisecond), passwordHash: passwordHash,
		UserSettings: UserSettings{Timezone: "UTC", Units: "metric", WeekStart: "monday"}}
	err := s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			u.Admin = true
		} else if selfSignup && !signupOpen {
			return errSignupClosed
		}
		res, err := tx.Exec("INSERT INTO users (username, password_hash, admin, created_at) VALUES (?, ?, ?, ?)",
			u.Username, u.passwordHash, u.Admin, ms(u.CreatedAt))
		if isUniqueViolation(err) {
			return errConflict
		}
		if err != nil {
			return err
		}
		u.ID, err = res.LastInsertId()
		return err
	})
	return u, err
}

// HasUsers reports whether any account exists; the UI offers the first
// visitor a sign-up page that creates the admin.
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var exists bool
	err := s.reader.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users)").Scan(&exists)
	return exists, err
}

const userColumns = "id, username, admin, created_at, password_hash, timezone, units, week_start"

// userJoinColumns are userColumns of the users table joined as u.
const userJoinColumns = "u.id, u.username, u.admin, u.created_at, u.password_hash, u.timezone, u.units, u.week_start"

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(u.scanTargets()...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errNotFound
	}
	u.CreatedAt = fromMS(u.createdMS)
	return u, err
}

// scanTargets lists where userColumns scan to; CreatedAt is set from
// createdMS after the scan.
func (u *User) scanTargets() []any {
	return []any{&u.ID, &u.Username, &u.Admin, &u.createdMS, &u.passwordHash, &u.Timezone, &u.Units, &u.WeekStart}
}

// UserByName looks an account up by name, ignoring case.
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	return scanUser(s.reader.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE username = ?", username))
}

// UserByID looks an account up by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return scanUser(s.reader.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// Users lists every account, oldest first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return queryList(ctx, s.reader, "SELECT "+userColumns+" FROM users ORDER BY id", nil, scanUser)
}

// SetSettings stores a user's display preferences and tells their screens.
func (s *Store) SetSettings(ctx context.Context, userID int64, set UserSettings) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("UPDATE users SET timezone = ?, units = ?, week_start = ? WHERE id = ?", set.Timezone, set.Units, set.WeekStart, userID); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventSettingsChanged, "settings": set})
	})
}

// SetPassword replaces a user's password hash and signs out every session
// of theirs except keepSession (0 signs out all of them).
func (s *Store) SetPassword(ctx context.Context, userID int64, passwordHash string, keepSession int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		if _, err = tx.Exec("DELETE FROM sessions WHERE user_id = ? AND id != ?", userID, keepSession); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventPasswordChanged, "kept_session": keepSession})
	})
}

// CreateSession stores a new session and drops the user's expired ones.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash []byte, ttl time.Duration, userAgent, ip string) (Session, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	sess := Session{UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl), UserAgent: userAgent, IP: ip}
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?", userID, ms(now)); err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, user_agent, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, tokenHash, ms(now), ms(now), ms(sess.ExpiresAt), userAgent, ip)
		if err != nil {
			return err
		}
		if sess.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventSessionCreated, "session": sess})
	})
	return sess, err
}

const sessionColumns = "s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip"

func scanSession(row interface{ Scan(...any) error }, extra ...any) (Session, error) {
	var sess Session
	var created, seen, expires int64
	err := row.Scan(append([]any{&sess.ID, &sess.UserID, &created, &seen, &expires, &sess.UserAgent, &sess.IP}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, errNotFound
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return sess, err
}

// SessionByHash finds an unexpired session and its user.
func (s *Store) SessionByHash(ctx context.Context, tokenHash []byte) (Session, User, error) {
	var u User
	sess, err := scanSession(s.reader.QueryRowContext(ctx,
		"SELECT "+sessionColumns+", "+userJoinColumns+" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
		tokenHash, ms(s.now())), u.scanTargets()...)
	u.CreatedAt = fromMS(u.createdMS)
	return sess, u, err
}

// TouchSession records activity and slides the session's expiry forward.
func (s *Store) TouchSession(ctx context.Context, id int64, ttl time.Duration) error {
	now := s.now()
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", ms(now), ms(now.Add(ttl)), id)
		return err
	})
}

// Sessions lists a user's unexpired sessions, most recently used first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+sessionColumns+" FROM sessions s WHERE s.user_id = ? AND s.expires_at > ? ORDER BY s.last_seen_at DESC, s.id DESC", userID, ms(s.now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, sess)
	}
	return list, rows.Err()
}

// DeleteSession signs out one of userID's sessions; another user's session
// is reported as errNotFound, exactly like one that does not exist.
func (s *Store) DeleteSession(ctx context.Context, userID, id int64) error {
	return s.deleteOwned(ctx, "DELETE FROM sessions WHERE id = ? AND user_id = ?", id, userID, EventSessionRevoked)
}

// tokenKind is a table of named secrets a user holds, stored as hashes:
// API tokens and upload tokens have the same shape and the same queries,
// and differ only in what the secret lets its holder do.
type tokenKind struct {
	table            string // api_tokens or upload_tokens
	created, revoked Event  // the user topic's events for a token made and one revoked
}

var (
	apiTokens    = tokenKind{table: "api_tokens", created: EventTokenCreated, revoked: EventTokenRevoked}
	uploadTokens = tokenKind{table: "upload_tokens", created: EventUploadTokenCreated, revoked: EventUploadTokenRevoked}
)

// CreateAPIToken stores a token hash under a name.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string, tokenHash []byte) (APIToken, error) {
	return s.createToken(ctx, apiTokens, userID, name, tokenHash)
}

// APITokenByHash finds a token and its user.
func (s *Store) APITokenByHash(ctx context.Context, tokenHash []byte) (APIToken, User, error) {
	return s.tokenByHash(ctx, apiTokens, tokenHash)
}

// TouchAPIToken records that a token was used.
func (s *Store) TouchAPIToken(ctx context.Context, id int64) error {
	return s.touchToken(ctx, apiTokens, id)
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	return s.listTokens(ctx, apiTokens, userID)
}

// DeleteAPIToken revokes one of userID's tokens; another user's token is
// errNotFound.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	return s.deleteToken(ctx, apiTokens, userID, id)
}

func (s *Store) createToken(ctx context.Context, k tokenKind, userID int64, name string, tokenHash []byte) (APIToken, error) {
	t := APIToken{UserID: userID, Name: name, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("INSERT INTO "+k.table+" (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
			userID, name, tokenHash, ms(t.CreatedAt))
		if err != nil {
			return err
		}
		if t.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": k.created, "token": t})
	})
	return t, err
}

const tokenColumns = "t.id, t.user_id, t.name, t.created_at, t.last_used_at"

func scanToken(row interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var created int64
	var used sql.NullInt64
	err := row.Scan(append([]any{&t.ID, &t.UserID, &t.Name, &created, &used}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errNotFound
	}
	t.CreatedAt, t.LastUsedAt = fromMS(created), nullMS(used)
	return t, err
}

func (s *Store) tokenByHash(ctx context.Context, k tokenKind, tokenHash []byte) (APIToken, User, error) {
	var u User
	t, err := scanToken(s.reader.QueryRowContext(ctx,
		"SELECT "+tokenColumns+", "+userJoinColumns+" FROM "+k.table+" t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
		tokenHash), u.scanTargets()...)
	u.CreatedAt = fromMS(u.createdMS)
	return t, u, err
}

func (s *Store) touchToken(ctx context.Context, k tokenKind, id int64) error {
	now := s.now()
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("UPDATE "+k.table+" SET last_used_at = ? WHERE id = ?", ms(now), id)
		return err
	})
}

func (s *Store) listTokens(ctx context.Context, k tokenKind, userID int64) ([]APIToken, error) {
	list, err := queryList(ctx, s.reader, "SELECT "+tokenColumns+" FROM "+k.table+" t WHERE t.user_id = ? ORDER BY t.id DESC",
		[]any{userID}, func(r rowScanner) (APIToken, error) { return scanToken(r) })
	if list == nil {
		list = []APIToken{}
	}
	return list, err
}

func (s *Store) deleteToken(ctx context.Context, k tokenKind, userID, id int64) error {
	return s.deleteOwned(ctx, "DELETE FROM "+k.table+" WHERE id = ? AND user_id = ?", id, userID, k.revoked)
}

// deleteOwned deletes row id of userID's with query (which takes the id,
// then the user id), reports a missing row and someone else's row alike as
// errNotFound, and tells the user's other screens with event.
func (s *Store) deleteOwned(ctx context.Context, query string, id, userID int64, event Event) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(query, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": event, "id": id})
	})
}

// UserByIdentity finds the account linked to an identity.
func (s *Store) UserByIdentity(ctx context.Context, issuer, subject string) (User, error) {
	return scanUser(s.reader.QueryRowContext(ctx, "SELECT "+userJoinColumns+
		" FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ? AND i.subject = ?", issuer, subject))
}

// LinkIdentity links an identity to an account.
func (s *Store) LinkIdentity(ctx context.Context, issuer, subject string, userID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("INSERT OR IGNORE INTO user_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
			issuer, subject, userID, ms(s.now()))
		return err
	})
}

// CreateUploadToken stores an upload token's hash under a name.
func (s *Store) CreateUploadToken(ctx context.Context, userID int64, name string, tokenHash []byte) (UploadToken, error) {
	return s.createToken(ctx, uploadTokens, userID, name, tokenHash)
}

// UploadTokenByHash finds an upload token and its user.
func (s *Store) UploadTokenByHash(ctx context.Context, tokenHash []byte) (UploadToken, User, error) {
	return s.tokenByHash(ctx, uploadTokens, tokenHash)
}

// UploadTokens lists a user's upload tokens, newest first.
func (s *Store) UploadTokens(ctx context.Context, userID int64) ([]UploadToken, error) {
	return s.listTokens(ctx, uploadTokens, userID)
}

// TouchUploadToken records that a token was used.
func (s *Store) TouchUploadToken(ctx context.Context, id int64) error {
	return s.touchToken(ctx, uploadTokens, id)
}

// DeleteUploadToken revokes one of userID's upload tokens; another user's
// token is errNotFound.
func (s *Store) DeleteUploadToken(ctx context.Context, userID, id int64) error {
	return s.deleteToken(ctx, uploadTokens, userID, id)
}

// userIn reads a user by id through q, for a topic's snapshot.
func userIn(ctx context.Context, q querier, id string) (User, error) {
	return scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}
