package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

const (
	// sessionCookie names the HttpOnly cookie that carries a browser session.
	sessionCookie = "fitcast_session"
	// sessionTTL is how long a session lives after its last use.
	sessionTTL = 30 * 24 * time.Hour
	// touchEvery limits how often a session's or token's last use is
	// written back, so that reads do not turn into writes.
	touchEvery = 5 * time.Minute
	// apiTokenPrefix marks fitcast API tokens, so that secret scanners and
	// people can tell them apart from other credentials.
	apiTokenPrefix = "fc_"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane), which costs about 30 ms on a small VPS.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns an argon2id hash in the PHC string format.
func hashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches a hash made by
// hashPassword, with whatever parameters that hash was made with.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names an unknown account, so
// that the answer takes as long as for a known one.
var dummyHash = sync.OnceValue(func() string { return hashPassword("not a real password") })

// newSecret returns 32 random bytes, URL-safe encoded.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how session cookies and API tokens are stored: they are
// long random strings, so a fast hash is enough and a leaked database does
// not hand out working credentials.
func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// principal is who is making a request and with what credential.
type principal struct {
	User      User
	SessionID int64 // 0 when signed in with an API token
	TokenID   int64 // 0 when signed in with a session cookie
}

type principalKey struct{}

// authenticate finds who is making r. A request with an Authorization
// header is judged by that header alone; otherwise a trusted proxy's
// -auth-header, and then the session cookie, count. It returns
// errUnauthorized when none names a live credential.
func (s *server) authenticate(r *http.Request) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return nil, errorf(codeInvalidToken, "Authorization must be \"Bearer <api token>\"")
		}
		t, u, err := s.store.APITokenByHash(r.Context(), hashSecret(strings.TrimSpace(token)))
		if errors.Is(err, errNotFound) {
			return nil, errorf(codeInvalidToken, "this API token is unknown or was revoked")
		}
		if err != nil {
			return nil, err
		}
		if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > touchEvery {
			if err := s.store.TouchAPIToken(r.Context(), t.ID); err != nil {
				return nil, err
			}
		}
		return &principal{User: u, TokenID: t.ID}, nil
	}
	if p, ok, err := s.proxyUser(r); ok { // a trusted proxy's -auth-header
		return p, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errUnauthorized
	}
	sess, u, err := s.store.SessionByHash(r.Context(), hashSecret(c.Value))
	if errors.Is(err, errNotFound) {
		return nil, errorf(codeSessionExpired, "your session has ended; sign in again")
	}
	if err != nil {
		return nil, err
	}
	if s.now().Sub(sess.LastSeenAt) > touchEvery {
		if err := s.store.TouchSession(r.Context(), sess.ID, sessionTTL); err != nil {
			return nil, err
		}
	}
	return &principal{User: u, SessionID: sess.ID}, nil
}

// userHandler is a handler that runs only for a signed-in user.
type userHandler func(w http.ResponseWriter, r *http.Request, p *principal) error

// user wraps h so that it runs only with a valid session or API token.
func (s *server) user(h userHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.authenticate(r)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == codeSessionExpired {
				s.clearSessionCookie(w, r)
			}
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), p)
	}
}

// admin wraps h so that it runs only for an admin.
func (s *server) admin(h userHandler) apiHandler {
	return s.user(func(w http.ResponseWriter, r *http.Request, p *principal) error {
		if !p.User.Admin {
			return errorf(codeAdminOnly, "only an admin may do that")
		}
		return h(w, r, p)
	})
}

// secureRequest reports whether the browser reached us over HTTPS, which
// decides whether cookies get the Secure flag.
func (s *server) secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if s.cfg.BehindProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	return strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   s.secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode,
	})
}

// clientIP is the address a request came from. Behind a reverse proxy
// (-behind-proxy) that is the last X-Forwarded-For entry: the one our own
// proxy appended, which a client cannot forge.
func (s *server) clientIP(r *http.Request) string {
	if s.cfg.BehindProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// failureLimiter counts failures per key in a fixed window and says when a
// key has had too many. It guards sign-in against password guessing, per
// account and per client address.
type failureLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	keys   map[string]*failureWindow
}

type failureWindow struct {
	start    time.Time
	failures int
}

func newFailureLimiter(limit int, window time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, now: now, keys: map[string]*failureWindow{}}
}

// blocked reports whether key is over its limit and for how long it stays so.
func (l *failureLimiter) blocked(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fw := l.keys[key]
	if fw == nil {
		return 0, false
	}
	left := fw.start.Add(l.window).Sub(l.now())
	if left <= 0 {
		delete(l.keys, key)
		return 0, false
	}
	return left, fw.failures >= l.limit
}

// fail records one failure for key.
func (l *failureLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) > 100_000 { // bound memory under a flood of distinct keys
		for k, fw := range l.keys {
			if now.Sub(fw.start) >= l.window {
				delete(l.keys, k)
			}
		}
	}
	fw := l.keys[key]
	if fw == nil || now.Sub(fw.start) >= l.window {
		fw = &failureWindow{start: now}
		l.keys[key] = fw
	}
	fw.failures++
}

// count is key's failures in its current window.
func (l *failureLimiter) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	fw := l.keys[key]
	if fw == nil || l.now().Sub(fw.start) >= l.window {
		return 0
	}
	return fw.failures
}

// reset forgets key's failures, after a successful sign-in.
func (l *failureLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// rateLimited is the 429 a blocked sign-in gets, with Retry-After set.
func rateLimited(w http.ResponseWriter, wait time.Duration) error {
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return errorf(codeRateLimited, "too many failed sign-in attempts; try again in %d seconds", secs)
}

// failureBucket is a token bucket of failed sign-ins per account: each
// failure takes a token, and tokens come back at one per refill, up to
// burst. An empty bucket means the account is being guessed at faster than
// its owner ever mistypes; sign-in then tightens to one guess per address
// (see login) rather than locking the account, so a guesser can never keep
// its owner out.
type failureBucket struct {
	mu     sync.Mutex
	burst  float64
	refill time.Duration
	now    func() time.Time
	keys   map[string]*bucketState
}

type bucketState struct {
	tokens float64
	at     time.Time
}

func newFailureBucket(burst int, refill time.Duration, now func() time.Time) *failureBucket {
	return &failureBucket{burst: float64(burst), refill: refill, now: now, keys: map[string]*bucketState{}}
}

// levelLocked brings key's tokens up to now and returns its state, or nil
// when the bucket is full (and so need not be kept).
func (b *failureBucket) levelLocked(key string, now time.Time) *bucketState {
	st := b.keys[key]
	if st == nil {
		return nil
	}
	st.tokens += float64(now.Sub(st.at)) / float64(b.refill)
	st.at = now
	if st.tokens >= b.burst {
		delete(b.keys, key)
		return nil
	}
	return st
}

// empty reports whether key has no token left, and how long until one
// comes back.
func (b *failureBucket) empty(key string) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.levelLocked(key, b.now())
	if st == nil || st.tokens >= 1 {
		return 0, false
	}
	return time.Duration((1 - st.tokens) * float64(b.refill)), true
}

// take spends one of key's tokens (never going below zero, so that a
// flood does not push the account's recovery further and further out).
func (b *failureBucket) take(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if len(b.keys) > 100_000 { // bound memory under a flood of distinct keys
		for k := range b.keys {
			b.levelLocked(k, now)
		}
	}
	st := b.levelLocked(key, now)
	if st == nil {
		st = &bucketState{tokens: b.burst, at: now}
		b.keys[key] = st
	}
	if st.tokens -= 1; st.tokens < 0 {
		st.tokens = 0
	}
}
