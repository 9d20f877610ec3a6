package main

import (
	"bytes"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

func loopback() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} }

// TestTrustedHeaderSignIn: behind an authenticating proxy, the header it
// sets signs people in (creating their account when allowed); the same
// header from an address that is not a trusted proxy counts for nothing.
func TestTrustedHeaderSignIn(t *testing.T) {
	cfg := config{BehindProxy: true, AuthHeader: "Remote-User", TrustedProxies: loopback(), SSOCreateUsers: true}
	ts := newTestServer(t, cfg)
	c := newClient(t, ts.URL)
	var me User
	r := c.do("GET", "/api/me", nil, "Remote-User", "ann")
	if r.Status != 200 {
		t.Fatalf("first sign-in by header: %d %s", r.Status, r.Body)
	}
	r.JSON(&me)
	if me.Username != "ann" || !me.Admin {
		t.Fatalf("the first account by header: %+v", me)
	}
	// The header is the credential on every request, and the proxy's word
	// decides who it is: ann's weight is hers, bob sees none of it.
	if r := c.do("POST", "/api/weights", map[string]any{"kg": 60}, "Remote-User", "ann"); r.Status != 201 {
		t.Fatalf("writing as ann: %d %s", r.Status, r.Body)
	}
	r = c.do("GET", "/api/weights", nil, "Remote-User", "bob")
	if r.Status != 200 || strings.Contains(string(r.Body), "60") {
		t.Fatalf("bob reading weights: %d %s", r.Status, r.Body)
	}
	c.do("GET", "/api/me", nil, "Remote-User", "bob").JSON(&me)
	if me.Username != "bob" || me.Admin {
		t.Fatalf("bob: %+v", me)
	}
	// No header, no credential.
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("without the header: %d", r.Status)
	}
	// A name fitcast cannot use is refused, not mangled.
	if r := c.do("GET", "/api/me", nil, "Remote-User", "ann smith"); r.Status != 403 || r.ErrorCode() != "sso_username" {
		t.Fatalf("an unusable name: %d %s", r.Status, r.Body)
	}

	// Without -sso-create-users only the first account is created.
	cfg.SSOCreateUsers = false
	closed := newTestServer(t, cfg)
	c = newClient(t, closed.URL)
	if r := c.do("GET", "/api/me", nil, "Remote-User", "carl"); r.Status != 200 {
		t.Fatalf("the first account, sign-up closed: %d %s", r.Status, r.Body)
	}
	if r := c.do("GET", "/api/me", nil, "Remote-User", "dan"); r.Status != 403 || r.ErrorCode() != "no_account" {
		t.Fatalf("a second, unknown person: %d %s", r.Status, r.Body)
	}

	// From an address that is not a trusted proxy the header is ignored,
	// whatever X-Forwarded-For claims.
	cfg.SSOCreateUsers = true
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	untrusted := newTestServer(t, cfg)
	c = newClient(t, untrusted.URL)
	c.ip = "10.0.0.1"
	if r := c.do("GET", "/api/me", nil, "Remote-User", "ann"); r.Status != 401 {
		t.Fatalf("the header from an untrusted address: %d %s", r.Status, r.Body)
	}
	if n := countRows(t, untrusted, "users"); n != 0 {
		t.Fatalf("%d accounts created from an untrusted header", n)
	}
}

func TestSSOFlags(t *testing.T) {
	parse := func(args ...string) (config, error) {
		base, err := configFromEnv(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := parseFlags("fitcast", base, args, &bytes.Buffer{}, false)
		return cfg, err
	}
	if _, err := parse("-auth-header", "Remote-User"); err == nil || !strings.Contains(err.Error(), "-behind-proxy") {
		t.Errorf("-auth-header without -behind-proxy: %v", err)
	}
	if _, err := parse("-local-passwords=false"); err == nil {
		t.Error("-local-passwords=false with no single sign-on was accepted")
	}
	if _, err := parse("-behind-proxy", "-auth-header", "X-User", "-trusted-proxies", "10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad -trusted-proxies was accepted")
	}
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	cfg, err := parse("-oidc-issuer", "https://id.example.com", "-oidc-client-id", "fitcast", "-oidc-client-secret-file", secret,
		"-oidc-allowed-emails", "a@x.org, @club.org", "-local-passwords=false")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OIDCClientSecret != "s3cret" || len(cfg.OIDCAllowedEmails) != 2 || !cfg.NoLocalPasswords || len(cfg.TrustedProxies) != 2 {
		t.Fatalf("%+v", cfg)
	}
}

// oidcBrowser is a browser: a cookie jar, following redirects.
func oidcBrowser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// signInWith runs the whole OpenID Connect flow as a browser does: from
// the sign-in button through the provider and back, and answers with the
// URL it ends on.
func signInWith(t *testing.T, b *http.Client, base, next string) *url.URL {
	t.Helper()
	res, err := b.Get(base + "/api/auth/oidc/login?next=" + url.QueryEscape(next))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL
}

// TestOIDCSignIn signs in through a real OpenID provider (mockoidc, which
// implements the provider's side) with the redirect and callback flow,
// and checks allowed groups, the link between the provider's subject and
// the account, the state check, and that passwords can be turned off.
func TestOIDCSignIn(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	ts := newTestServer(t, config{OIDCIssuer: m.Issuer(), OIDCClientID: m.ClientID, OIDCClientSecret: m.ClientSecret, OIDCName: "Club ID",
		OIDCUsernameClaim: "preferred_username", OIDCGroupsClaim: "groups", OIDCAllowedGroups: []string{"athletes"},
		SSOCreateUsers: true, NoLocalPasswords: true})

	var inst map[string]any
	newClient(t, ts.URL).must(200, "GET", "/api/instance", nil).JSON(&inst)
	if inst["password_login"] != false || inst["sso"].(map[string]any)["name"] != "Club ID" {
		t.Fatalf("instance: %v", inst)
	}

	jane := &mockoidc.MockUser{Subject: "sub-jane", PreferredUsername: "jane", Email: "jane@club.org", EmailVerified: true, Groups: []string{"athletes"}}
	m.QueueUser(jane)
	b := oidcBrowser(t)
	if end := signInWith(t, b, ts.URL, "/workouts"); end.Path != "/workouts" || end.Host != strings.TrimPrefix(ts.URL, "http://") {
		t.Fatalf("signed in, ended on %s", end)
	}
	me := jarGet(t, b, ts.URL+"/api/me")
	if me.Status != 200 || !strings.Contains(string(me.Body), `"username":"jane"`) {
		t.Fatalf("after sign-in /api/me: %d %s", me.Status, me.Body)
	}

	// The provider's subject is the link: a renamed profile is still jane.
	renamed := *jane
	renamed.PreferredUsername = "jane.doe"
	m.QueueUser(&renamed)
	b2 := oidcBrowser(t)
	signInWith(t, b2, ts.URL, "/")
	if me := jarGet(t, b2, ts.URL+"/api/me"); !strings.Contains(string(me.Body), `"username":"jane"`) {
		t.Fatalf("a renamed profile signed in as %s", me.Body)
	}

	// Not in an allowed group: back to the sign-in page with the reason,
	// no session, no account.
	m.QueueUser(&mockoidc.MockUser{Subject: "sub-eve", PreferredUsername: "eve", Email: "eve@else.org", EmailVerified: true, Groups: []string{"guests"}})
	b3 := oidcBrowser(t)
	end := signInWith(t, b3, ts.URL, "/")
	if end.Path != "/login" || !strings.Contains(end.Query().Get("sso_error"), "not allowed") {
		t.Fatalf("a person outside the groups ended on %s", end)
	}
	if me := jarGet(t, b3, ts.URL+"/api/me"); me.Status != 401 {
		t.Fatalf("refused person's /api/me: %d", me.Status)
	}
	if _, err := ts.store.UserByName(t.Context(), "eve"); err == nil {
		t.Fatal("an account was created for a refused person")
	}

	// A callback that this browser did not start (forged or replayed) is
	// refused on its state.
	b4 := oidcBrowser(t)
	res, err := b4.Get(ts.URL + "/api/auth/oidc/callback?code=stolen&state=guess")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/login" || !strings.Contains(res.Request.URL.Query().Get("sso_error"), "start it again") {
		t.Fatalf("a forged callback ended on %s", res.Request.URL)
	}
	// A sign-in link cannot send people to another site afterwards.
	m.QueueUser(jane)
	if end := signInWith(t, oidcBrowser(t), ts.URL, "//evil.example/"); end.Path != "/" || end.Host != strings.TrimPrefix(ts.URL, "http://") {
		t.Fatalf("next=//evil.example ended on %s", end)
	}

	// Passwords are off: no password sign-in or sign-up, even for jane.
	c := newClient(t, ts.URL)
	if r := c.do("POST", "/api/login", credentials{"jane", "whatever1"}); r.Status != 403 || r.ErrorCode() != "passwords_disabled" {
		t.Fatalf("password sign-in while off: %d %s", r.Status, r.Body)
	}
	if r := c.do("POST", "/api/signup", credentials{"mallory", "password123"}); r.Status != 403 || r.ErrorCode() != "passwords_disabled" {
		t.Fatalf("sign-up while passwords are off: %d %s", r.Status, r.Body)
	}
}

func jarGet(t *testing.T, b *http.Client, u string) response {
	t.Helper()
	res, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: buf.Bytes()}
}
