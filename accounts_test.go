package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSignupFirstUserIsAdminThenClosed(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)

	var inst map[string]any
	c.must(200, "GET", "/api/instance", nil).JSON(&inst)
	if inst["needs_setup"] != true || inst["signup"] != "open" {
		t.Fatalf("fresh instance = %v", inst)
	}
	ann := c.signUp("ann", "correct horse")
	if !ann.Admin {
		t.Fatal("first account is not admin")
	}
	var me User
	c.must(200, "GET", "/api/me", nil).JSON(&me)
	if me.ID != ann.ID || me.Username != "ann" || !me.Admin {
		t.Fatalf("/api/me = %+v", me)
	}

	other := newClient(t, ts.URL)
	if r := other.do("POST", "/api/signup", credentials{"bob", "password123"}); r.Status != 403 || r.ErrorCode() != "signup_closed" {
		t.Fatalf("second sign-up while closed: %d %s", r.Status, r.Body)
	}
	c.must(200, "GET", "/api/instance", nil).JSON(&inst)
	if inst["signup"] != "closed" {
		t.Fatalf("instance after first account = %v", inst)
	}

	// The admin creates accounts while sign-up is closed.
	var bob User
	c.must(201, "POST", "/api/users", map[string]any{"username": "bob", "password": "password123"}).JSON(&bob)
	if bob.Admin {
		t.Fatal("admin-created account is admin without asking")
	}
	if r := c.do("POST", "/api/users", map[string]any{"username": "BOB", "password": "password123"}); r.Status != 409 {
		t.Fatalf("duplicate username (other case): %d %s", r.Status, r.Body)
	}
	other.logIn("bob", "password123")
	if r := other.do("GET", "/api/users", nil); r.Status != 403 || r.ErrorCode() != "admin_only" {
		t.Fatalf("non-admin listing accounts: %d %s", r.Status, r.Body)
	}
	if r := other.do("POST", "/api/users", map[string]any{"username": "eve", "password": "password123", "admin": true}); r.Status != 403 {
		t.Fatalf("non-admin creating an admin: %d %s", r.Status, r.Body)
	}
}

func TestSignupOpen(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	newClient(t, ts.URL).signUp("ann", "password123")
	bob := newClient(t, ts.URL).signUp("bob", "password123")
	if bob.Admin {
		t.Fatal("second account became admin")
	}
}

func TestAccountValidation(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	cases := []struct {
		name      string
		body      any
		status    int
		code, fld string
	}{
		{"empty username", credentials{"", "password123"}, 400, "invalid_field", "username"},
		{"username too long", credentials{strings.Repeat("a", 65), "password123"}, 400, "invalid_field", "username"},
		{"username with space", credentials{"ann smith", "password123"}, 400, "invalid_field", "username"},
		{"username with slash", credentials{"../admin", "password123"}, 400, "invalid_field", "username"},
		{"short password", credentials{"ann", "short"}, 400, "invalid_field", "password"},
		{"huge password", credentials{"ann", strings.Repeat("p", 2000)}, 400, "invalid_field", "password"},
		{"not json", "username=ann", 400, "invalid_json", ""},
		{"empty body", "", 400, "invalid_json", ""},
		{"wrong type", `{"username": 5, "password": "password123"}`, 400, "invalid_field", "username"},
		{"two objects", `{"username":"ann","password":"password123"}{}`, 400, "invalid_json", ""},
		{"too large", `{"username":"ann","password":"` + strings.Repeat("x", maxJSONBody) + `"}`, 413, "too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/api/signup", tc.body)
			var e errorBody
			r.JSON(&e)
			if r.Status != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.fld || e.Error.Message == "" {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
		})
	}
	// 64 characters of every allowed kind is fine, and nothing was written before.
	if has, _ := ts.store.HasUsers(t.Context()); has {
		t.Fatal("a rejected sign-up wrote an account")
	}
	c.signUp("A.b_c-9"+strings.Repeat("z", 57), "password123")
}

func TestLoginLogout(t *testing.T) {
	ts := newTestServer(t, config{})
	newClient(t, ts.URL).signUp("ann", "password123")

	c := newClient(t, ts.URL)
	if r := c.do("GET", "/api/me", nil); r.Status != 401 || r.ErrorCode() != "unauthorized" {
		t.Fatalf("me signed out: %d %s", r.Status, r.Body)
	}
	if r := c.do("POST", "/api/login", credentials{"ann", "wrong password"}); r.Status != 401 || r.ErrorCode() != "invalid_credentials" {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if r := c.do("POST", "/api/login", credentials{"nobody", "password123"}); r.Status != 401 || r.ErrorCode() != "invalid_credentials" {
		t.Fatalf("unknown user: %d %s", r.Status, r.Body)
	}
	r := c.must(200, "POST", "/api/login", credentials{"ANN", "password123"})
	cookie := r.Header.Get("Set-Cookie")
	for _, want := range []string{sessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie over plain http is Secure: %q", cookie)
	}
	c.must(200, "GET", "/api/me", nil)
	c.must(204, "POST", "/api/logout", nil)
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("me after logout: %d", r.Status)
	}
	var n int
	ts.store.reader.QueryRow("SELECT count(*) FROM sessions").Scan(&n)
	if n != 1 { // the sign-up's session remains; this one is gone
		t.Fatalf("%d sessions stored after logout, want 1", n)
	}
}

func TestSecureCookieBehindHTTPSProxy(t *testing.T) {
	ts := newTestServer(t, config{BehindProxy: true})
	c := newClient(t, ts.URL)
	r := c.do("POST", "/api/signup", credentials{"ann", "password123"}, "X-Forwarded-Proto", "https")
	if r.Status != 201 || !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("signup behind https proxy: %d, cookie %q", r.Status, r.Header.Get("Set-Cookie"))
	}
}

func TestSessionExpiresAndSlides(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")

	// Used every 20 days, a session stays alive past its first 30.
	for range 3 {
		ts.clock.Advance(20 * 24 * time.Hour)
		c.must(200, "GET", "/api/me", nil)
	}
	ts.clock.Advance(sessionTTL + time.Minute)
	r := c.do("GET", "/api/me", nil)
	if r.Status != 401 || r.ErrorCode() != "session_expired" {
		t.Fatalf("expired session: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("expired session's cookie not cleared: %q", r.Header.Get("Set-Cookie"))
	}
}

func TestChangePasswordSignsOutOtherSessions(t *testing.T) {
	ts := newTestServer(t, config{})
	phone := newClient(t, ts.URL)
	phone.signUp("ann", "password123")
	laptop := newClient(t, ts.URL)
	laptop.logIn("ann", "password123")

	r := laptop.do("POST", "/api/me/password", map[string]string{"current_password": "nope nope", "new_password": "new password 1"})
	if r.Status != 403 || r.ErrorCode() != "wrong_password" {
		t.Fatalf("wrong current password: %d %s", r.Status, r.Body)
	}
	r = laptop.do("POST", "/api/me/password", map[string]string{"current_password": "password123", "new_password": "short"})
	if r.Status != 400 || r.ErrorCode() != "invalid_field" {
		t.Fatalf("short new password: %d %s", r.Status, r.Body)
	}
	laptop.must(204, "POST", "/api/me/password", map[string]string{"current_password": "password123", "new_password": "new password 1"})
	laptop.must(200, "GET", "/api/me", nil)
	if r := phone.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("other session survived a password change: %d", r.Status)
	}
	if r := newClient(t, ts.URL).do("POST", "/api/login", credentials{"ann", "password123"}); r.Status != 401 {
		t.Fatalf("old password still works: %d", r.Status)
	}
	newClient(t, ts.URL).logIn("ann", "new password 1")
}

// TestLoginRateLimit: guessing is throttled per address, per account and
// address, and per account from anywhere, and none of it keeps the owner
// out: the right password from an address that has not failed still
// signs in.
func TestLoginRateLimit(t *testing.T) {
	ts := newTestServer(t, config{BehindProxy: true})
	admin := newClient(t, ts.URL)
	admin.signUp("ann", "password123")

	// One address guessing at one account: 10 wrong answers, then 429.
	attacker := newClient(t, ts.URL)
	attacker.ip = "198.51.100.1"
	for i := range 10 {
		if r := attacker.do("POST", "/api/login", credentials{"ann", "guess"}); r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := attacker.do("POST", "/api/login", credentials{"ann", "password123"})
	if r.Status != 429 || r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt from the guessing address: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	// The owner, elsewhere, is not locked out.
	owner := newClient(t, ts.URL)
	owner.ip = "203.0.113.9"
	owner.logIn("ann", "password123")

	// Many addresses guessing at one account: once the account's bucket
	// is empty, each address gets one guess, then 429; nothing is checked
	// beyond that.
	checked, refused := 0, 0
	for a := range 20 {
		attacker.ip = fmt.Sprintf("192.0.2.%d", a)
		for range 3 {
			switch r := attacker.do("POST", "/api/login", credentials{"ann", "guess"}); r.Status {
			case 401:
				checked++
			case 429:
				refused++
			default:
				t.Fatalf("guess from %s: %d %s", attacker.ip, r.Status, r.Body)
			}
		}
	}
	if checked != 20 || refused != 40 {
		t.Fatalf("20 addresses x 3 guesses on a pressed account: %d checked, %d refused; want 20 and 40", checked, refused)
	}
	// A fresh address is still heard, and the right password works.
	fresh := newClient(t, ts.URL)
	fresh.ip = "203.0.113.77"
	fresh.logIn("ann", "password123")
	// The owner's own earlier address kept working throughout.
	owner.logIn("ann", "password123")
	// Tokens come back with time: an address that guessed gets one more.
	ts.clock.Advance(time.Minute)
	attacker.ip = "192.0.2.0"
	if r := attacker.do("POST", "/api/login", credentials{"ann", "guess"}); r.Status != 401 {
		t.Fatalf("after a refill: %d", r.Status)
	}
	if r := attacker.do("POST", "/api/login", credentials{"ann", "guess"}); r.Status != 429 {
		t.Fatalf("after the refilled token is spent: %d", r.Status)
	}
	ts.clock.Advance(16 * time.Minute)
	attacker.ip = "198.51.100.1"
	if r := attacker.do("POST", "/api/login", credentials{"ann", "guess"}); r.Status != 401 {
		t.Fatalf("after the window: %d", r.Status)
	}

	// One address guessing at many accounts is limited too.
	attacker.ip = "198.51.100.200"
	for i := range 30 {
		attacker.do("POST", "/api/login", credentials{fmt.Sprintf("user%d", i), "guess"})
	}
	if r := attacker.do("POST", "/api/login", credentials{"ann", "password123"}); r.Status != 429 {
		t.Fatalf("address over its limit: %d", r.Status)
	}
	owner.logIn("ann", "password123") // other addresses are unaffected
}

func TestCrossOriginWritesRefused(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")

	r := c.do("POST", "/api/tokens", map[string]string{"name": "evil"}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.Status != 403 || r.ErrorCode() != "cross_origin" {
		t.Fatalf("cross-site POST: %d %s", r.Status, r.Body)
	}
	r = c.do("POST", "/api/tokens", map[string]string{"name": "evil"}, "Origin", "https://evil.example")
	if r.Status != 403 {
		t.Fatalf("cross-origin POST without Sec-Fetch-Site: %d %s", r.Status, r.Body)
	}
	var tokens []APIToken
	c.must(200, "GET", "/api/tokens", nil).JSON(&tokens)
	if len(tokens) != 0 {
		t.Fatalf("refused request created %d tokens", len(tokens))
	}
	c.do("POST", "/api/tokens", map[string]string{"name": "mine"}, "Origin", ts.URL, "Sec-Fetch-Site", "same-origin")
	c.must(200, "GET", "/api/tokens", nil).JSON(&tokens)
	if len(tokens) != 1 {
		t.Fatalf("same-origin POST refused")
	}
}

func TestAPITokens(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")

	var created struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Token string `json:"token"`
	}
	c.must(201, "POST", "/api/tokens", map[string]string{"name": "  GPS logger "}).JSON(&created)
	if created.ID == 0 || created.Name != "GPS logger" || !strings.HasPrefix(created.Token, apiTokenPrefix) {
		t.Fatalf("created token = %+v", created)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("n", 101), "a\nb"} {
		if r := c.do("POST", "/api/tokens", map[string]string{"name": bad}); r.Status != 400 {
			t.Errorf("token name %q: %d", bad, r.Status)
		}
	}

	script := newClient(t, ts.URL)
	script.token = created.Token
	var me User
	script.must(200, "GET", "/api/me", nil).JSON(&me)
	if me.ID != ann.ID {
		t.Fatalf("token authenticates as %+v", me)
	}
	var list []map[string]any
	c.must(200, "GET", "/api/tokens", nil).JSON(&list)
	if len(list) != 1 || list[0]["token"] != nil || list[0]["last_used_at"] == nil {
		t.Fatalf("token list = %v (must not show the token, must show last use)", list)
	}
	var stored []byte
	ts.store.reader.QueryRow("SELECT token_hash FROM api_tokens").Scan(&stored)
	if strings.Contains(string(stored), created.Token) {
		t.Fatal("token stored in clear")
	}

	c.must(204, "DELETE", fmt.Sprintf("/api/tokens/%d", created.ID), nil)
	if r := script.do("GET", "/api/me", nil); r.Status != 401 || r.ErrorCode() != "invalid_token" {
		t.Fatalf("revoked token: %d %s", r.Status, r.Body)
	}
	for _, h := range []string{"Basic abc", "Bearer", "Bearer fc_nope"} {
		r := script.do("GET", "/api/me", nil, "Authorization", h)
		if r.Status != 401 {
			t.Errorf("Authorization %q: %d", h, r.Status)
		}
	}
}

// TestUsersCannotTouchEachOthersCredentials is the cross-user test: bob
// tries to list, revoke and use what belongs to ann.
func TestUsersCannotTouchEachOthersCredentials(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	var tok struct {
		ID    int64
		Token string
	}
	ann.must(201, "POST", "/api/tokens", map[string]string{"name": "ann's"}).JSON(&tok)
	var annSessions []sessionView
	ann.must(200, "GET", "/api/sessions", nil).JSON(&annSessions)
	if len(annSessions) != 1 || !annSessions[0].Current {
		t.Fatalf("ann's sessions = %+v", annSessions)
	}

	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	var bobTokens []APIToken
	bob.must(200, "GET", "/api/tokens", nil).JSON(&bobTokens)
	var bobSessions []sessionView
	bob.must(200, "GET", "/api/sessions", nil).JSON(&bobSessions)
	if len(bobTokens) != 0 || len(bobSessions) != 1 || bobSessions[0].ID == annSessions[0].ID {
		t.Fatalf("bob sees tokens %+v, sessions %+v", bobTokens, bobSessions)
	}
	if r := bob.do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), nil); r.Status != 404 {
		t.Fatalf("bob revoking ann's token: %d", r.Status)
	}
	if r := bob.do("DELETE", fmt.Sprintf("/api/sessions/%d", annSessions[0].ID), nil); r.Status != 404 {
		t.Fatalf("bob revoking ann's session: %d", r.Status)
	}
	ann.must(200, "GET", "/api/me", nil)
	script := newClient(t, ts.URL)
	script.token = tok.Token
	script.must(200, "GET", "/api/me", nil)
	if r := bob.do("GET", "/api/users", nil); r.Status != 403 {
		t.Fatalf("bob listing accounts: %d", r.Status)
	}
	for _, p := range []string{"/api/tokens/abc", "/api/tokens/-1", "/api/sessions/0"} {
		if r := bob.do("DELETE", p, nil); r.Status != 404 {
			t.Errorf("DELETE %s: %d", p, r.Status)
		}
	}
}

func TestRevokeOwnSession(t *testing.T) {
	ts := newTestServer(t, config{})
	phone := newClient(t, ts.URL)
	phone.signUp("ann", "password123")
	laptop := newClient(t, ts.URL)
	laptop.logIn("ann", "password123")

	var list []sessionView
	laptop.must(200, "GET", "/api/sessions", nil).JSON(&list)
	if len(list) != 2 {
		t.Fatalf("%d sessions, want 2", len(list))
	}
	var phoneID int64
	for _, s := range list {
		if !s.Current {
			phoneID = s.ID
		}
	}
	laptop.must(204, "DELETE", fmt.Sprintf("/api/sessions/%d", phoneID), nil)
	if r := phone.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("revoked session still works: %d", r.Status)
	}
	laptop.must(200, "GET", "/api/me", nil)
}

func TestPasswordHashing(t *testing.T) {
	h := hashPassword("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format: %s", h)
	}
	if h == hashPassword("correct horse battery staple") {
		t.Fatal("hashes are not salted")
	}
	if !checkPassword(h, "correct horse battery staple") || checkPassword(h, "correct horse battery stapl") {
		t.Fatal("checkPassword is wrong")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", h[:len(h)-10] + "!!!!!!!!!!"} {
		if checkPassword(bad, "x") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestErrorsAreJSON(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/nope"},
		{"GET", "/api/me"},
		{"DELETE", "/api/me"},
		{"POST", "/api/workouts/x/y"},
	} {
		r := c.do(tc.method, tc.path, nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.ErrorCode() == "" || r.Status < 400 {
			t.Errorf("%s %s: %d %q %s", tc.method, tc.path, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}
	if r := c.do("GET", "/api/me", nil); r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", r.Header)
	}
}
