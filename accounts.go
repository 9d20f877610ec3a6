package main

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

const (
	minPasswordLen = 8
	maxPasswordLen = 1024 // argon2 takes any length; this only bounds the work
	maxNameLen     = 100  // token names and similar labels
)

func validateUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		return invalidField("username", "use 1-64 letters, digits, '.', '_' or '-'")
	}
	return nil
}

func validatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < minPasswordLen {
		return invalidField(field, "must be at least %d characters", minPasswordLen)
	}
	if n > maxPasswordLen {
		return invalidField(field, "must be at most %d characters", maxPasswordLen)
	}
	return nil
}

// validateLabel checks a short, single-line, human-given name.
func validateLabel(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidField(field, "must not be empty")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLen {
		return "", invalidField(field, "must be at most %d characters of text", maxNameLen)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", invalidField(field, "must not contain control characters")
	}
	return s, nil
}

var errSignupClosedHTTP = errorf(codeSignupClosed, "sign-up is closed on this fitcast; ask its admin for an account")

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// signup creates an account for the person at the browser and signs them
// in. The first account on an instance becomes the admin; later ones need
// -signup open.
func (s *server) signup(w http.ResponseWriter, r *http.Request) error {
	var c credentials
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	if err := validateUsername(c.Username); err != nil {
		return err
	}
	if err := validatePassword("password", c.Password); err != nil {
		return err
	}
	ip := s.clientIP(r)
	if wait, blocked := s.ipFailures.blocked(ip); blocked {
		return rateLimited(w, wait)
	}
	// Refuse a closed sign-up before spending a password hash on it; the
	// store checks again inside the transaction, which settles races.
	if !s.cfg.SignupOpen {
		if has, err := s.store.HasUsers(r.Context()); err != nil {
			return err
		} else if has {
			s.ipFailures.fail(ip)
			return errSignupClosedHTTP
		}
	}
	u, err := s.store.CreateUser(r.Context(), c.Username, hashPassword(c.Password), false, true, s.cfg.SignupOpen)
	switch {
	case errors.Is(err, errSignupClosed):
		s.ipFailures.fail(ip)
		return errSignupClosedHTTP
	case errors.Is(err, errConflict):
		s.ipFailures.fail(ip)
		return &apiError{Code: codeUsernameTaken, Field: "username", Message: "that username is taken"}
	case err != nil:
		return err
	}
	s.log.Info("account created", "user", u.Username, "admin", u.Admin, "via", "signup")
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

// login checks a username and password and starts a session.
//
// Guessing is throttled in three ways, after the OWASP authentication
// guidance, none of which can lock the owner out:
//   - per client address: 30 failures in 15 minutes, over all accounts,
//     and that address gets 429 for the rest of the window;
//   - per account and address: 10 failures in 15 minutes, and that address
//     gets 429 for that account;
//   - per account, from anywhere: a bucket of 10 failures refilled at one
//     a minute. Once it is empty, an address that has already failed on
//     the account gets 429 until a token comes back, so guessing from many
//     addresses costs one address per guess; an address with no failure on
//     the account (the owner on their phone) is still checked, and a right
//     password still signs in.
//
// A blocked attempt gets 429 with Retry-After before its password is
// checked, so a 429 says nothing about the password.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var c credentials
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	if c.Username == "" || c.Password == "" || len(c.Password) > 4*maxPasswordLen || len(c.Username) > 64 {
		return errorf(codeInvalidCredentialsFormat, "send a username and a password")
	}
	ip := s.clientIP(r)
	account := strings.ToLower(c.Username)
	pair := account + "\x00" + ip
	if wait, blocked := s.ipFailures.blocked(ip); blocked {
		return rateLimited(w, wait)
	}
	if wait, blocked := s.pairFailures.blocked(pair); blocked {
		return rateLimited(w, wait)
	}
	if wait, empty := s.accountLoad.empty(account); empty && s.pairFailures.count(pair) > 0 {
		return rateLimited(w, wait)
	}
	u, err := s.store.UserByName(r.Context(), c.Username)
	if err != nil && !errors.Is(err, errNotFound) {
		return err
	}
	hash := u.passwordHash
	if errors.Is(err, errNotFound) {
		hash = dummyHash()
	}
	if !checkPassword(hash, c.Password) || errors.Is(err, errNotFound) {
		s.ipFailures.fail(ip)
		s.pairFailures.fail(pair)
		s.accountLoad.take(account)
		s.log.Warn("sign-in failed", "user", c.Username, "ip", ip)
		return errorf(codeInvalidCredentials, "wrong username or password")
	}
	// Only this address's record is cleared: the account's bucket refills
	// by time alone, or an attacker's guessing would resume the moment
	// the owner signs in.
	s.pairFailures.reset(pair)
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *server) startSession(w http.ResponseWriter, r *http.Request, u User) error {
	token := newSecret()
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	if _, err := s.store.CreateSession(r.Context(), u.ID, hashSecret(token), sessionTTL, ua, s.clientIP(r)); err != nil {
		return err
	}
	s.setSessionCookie(w, r, token)
	return nil
}

// logout ends the browser's session. It succeeds even without one, so a
// stale page can always sign out.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		sess, _, err := s.store.SessionByHash(r.Context(), hashSecret(c.Value))
		if err == nil {
			if err := s.store.DeleteSession(r.Context(), sess.UserID, sess.ID); err != nil && !errors.Is(err, errNotFound) {
				return err
			}
			s.hub.dropCredential(func(p *principal) bool { return p.SessionID == sess.ID })
		} else if !errors.Is(err, errNotFound) {
			return err
		}
	}
	s.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) me(w http.ResponseWriter, r *http.Request, p *principal) error {
	return writeJSON(w, http.StatusOK, p.User)
}

// changePassword needs the current password, and signs out every other
// session, since a password change is what people do when they fear one
// was stolen.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Current == "" {
		return invalidField("current_password", "is required")
	}
	if err := validatePassword("new_password", body.New); err != nil {
		return err
	}
	if !checkPassword(p.User.passwordHash, body.Current) {
		return &apiError{Code: codeWrongPassword, Field: "current_password", Message: "current password is wrong"}
	}
	if err := s.store.SetPassword(r.Context(), p.User.ID, hashPassword(body.New), p.SessionID); err != nil {
		return err
	}
	s.hub.dropCredential(func(o *principal) bool {
		return o.User.ID == p.User.ID && o.SessionID != 0 && o.SessionID != p.SessionID
	})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionView adds which session is making the request.
type sessionView struct {
	Session
	Current bool `json:"current"`
}

func (s *server) listSessions(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.Sessions(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	views := make([]sessionView, len(list))
	for i, sess := range list {
		views[i] = sessionView{Session: sess, Current: sess.ID == p.SessionID}
	}
	return writeJSON(w, http.StatusOK, views)
}

func (s *server) deleteSession(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteSession(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	s.hub.dropCredential(func(o *principal) bool { return o.SessionID == id })
	if id == p.SessionID {
		s.clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) listTokens(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.APITokens(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// createToken answers with the token itself; it is never shown again.
func (s *server) createToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	name, err := validateLabel("name", body.Name)
	if err != nil {
		return err
	}
	secret := apiTokenPrefix + newSecret()
	t, err := s.store.CreateAPIToken(r.Context(), p.User.ID, name, hashSecret(secret))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, struct {
		APIToken
		Token string `json:"token"`
	}{t, secret})
}

func (s *server) deleteToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAPIToken(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	s.hub.dropCredential(func(o *principal) bool { return o.TokenID == id })
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request, p *principal) error {
	users, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, users)
}

// createUser lets an admin make an account while sign-up is closed.
func (s *server) createUser(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		credentials
		Admin bool `json:"admin"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if err := validateUsername(body.Username); err != nil {
		return err
	}
	if err := validatePassword("password", body.Password); err != nil {
		return err
	}
	u, err := s.store.CreateUser(r.Context(), body.Username, hashPassword(body.Password), body.Admin, false, false)
	if errors.Is(err, errConflict) {
		return &apiError{Code: codeUsernameTaken, Field: "username", Message: "that username is taken"}
	}
	if err != nil {
		return err
	}
	s.log.Info("account created", "user", u.Username, "admin", u.Admin, "by", p.User.Username)
	return writeJSON(w, http.StatusCreated, u)
}
