package main

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestAdminSeesAccountsNotData: an admin sees the list of accounts (names,
// roles, creation dates; never a password hash or a session) and can make
// accounts, but is like any other user towards another user's data.
func TestAdminSeesAccountsNotData(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	admin := newClient(t, ts.URL)
	if u := admin.signUp("ann", "password123"); !u.Admin {
		t.Fatal("the first account is not the admin")
	}
	bob := newClient(t, ts.URL)
	bobUser := bob.signUp("bob", "password123")
	var w Workout
	bob.must(201, "POST", "/api/workouts", run30min("2026-02-20T07:00:00Z")).JSON(&w)
	live := startLive(t, bob)

	users := admin.must(200, "GET", "/api/users", nil)
	if !strings.Contains(string(users.Body), `"bob"`) {
		t.Fatalf("admin's account list lacks bob: %s", users.Body)
	}
	for _, secret := range []string{"argon2", "password", "token", "session"} {
		if strings.Contains(strings.ToLower(string(users.Body)), secret) {
			t.Fatalf("account list shows %q: %s", secret, users.Body)
		}
	}
	for _, path := range []string{"/api/workouts/" + w.ID, "/api/workouts/" + w.ID + "/samples", "/api/workouts/" + w.ID + "/gpx"} {
		if r := admin.do("GET", path, nil); r.Status != 404 {
			t.Fatalf("admin GET %s of another user: %d %s", path, r.Status, r.Body)
		}
	}
	if r := admin.do("POST", "/api/live/"+live.ID+"/samples", map[string]any{"samples": []map[string]any{{"t": 1}}}); r.Status != 404 {
		t.Fatalf("admin writing to another user's live session: %d %s", r.Status, r.Body)
	}
	var list struct{ Items []Workout }
	admin.must(200, "GET", "/api/workouts", nil).JSON(&list)
	if len(list.Items) != 0 {
		t.Fatalf("admin's history shows others' workouts: %+v", list.Items)
	}
	if r := admin.must(200, "GET", "/api/export", nil); strings.Contains(string(r.Body), w.ID) {
		t.Fatal("admin's export holds another user's workout")
	}
	ws := admin.mustDialWS("/ws")
	for _, topic := range []string{userTopic(bobUser.ID), "workout:" + live.ID} {
		ws.send(map[string]any{"op": "sub", "topic": topic, "id": topic})
		ws.expectError("forbidden")
	}
}

// TestContentSecurityPolicy: every page is served with a policy that runs
// only our own scripts (no inline script, no eval) and may not be framed,
// except the embeddable pages; and no shipped HTML file carries an inline
// script or event handler that the policy would block.
func TestContentSecurityPolicy(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	for _, path := range []string{"/", "/api/instance", "/app.js", "/no-such-page"} {
		r := c.do("GET", path, nil)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Fatalf("%s: policy %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Fatalf("%s: policy allows inline script or eval: %q", path, csp)
		}
		if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: framing or sniffing headers missing: %v", path, r.Header)
		}
	}
	if csp := c.do("GET", "/embed/x", nil).Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("embed policy %q", csp)
	}
	inline := regexp.MustCompile(`(?is)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|javascript:`)
	err := fs.WalkDir(uiEmbed, "ui", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		data, err := uiEmbed.ReadFile(path)
		if err != nil {
			return err
		}
		if m := inline.Find(data); m != nil {
			t.Errorf("%s has inline script the policy would block: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
