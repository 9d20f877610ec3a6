package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

// syncBuffer is an io.Writer that run can write to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runningApp is the whole program started through run, as main does.
type runningApp struct {
	URL    string
	stop   context.CancelFunc
	done   chan error
	stdout *syncBuffer
	stderr *syncBuffer
}

var servingLine = regexp.MustCompile(`serving on (http://\S+)`)

func startApp(t *testing.T, env map[string]string, args ...string) *runningApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app := &runningApp{stop: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() { app.done <- run(ctx, args, envMap(env), strings.NewReader(""), app.stdout, app.stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(app.stdout.String()); m != nil {
			app.URL = m[1]
			return app
		}
		select {
		case err := <-app.done:
			t.Fatalf("run exited before serving: %v\n%s", err, app.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("run did not print its URL; stdout %q", app.stdout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop cancels run's context, as SIGTERM does, and returns run's result.
func (a *runningApp) Stop(t *testing.T) error {
	t.Helper()
	a.stop()
	select {
	case err := <-a.done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after shutdown")
		return nil
	}
}

func TestRunServesAndShutsDownCleanly(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	db := filepath.Join(t.TempDir(), "app.db")
	app := startApp(t, map[string]string{"FITCAST_DB": db}, "-addr", "127.0.0.1:0")

	c := newClient(t, app.URL)
	var health map[string]any
	c.must(200, "GET", "/healthz", nil).JSON(&health)
	if health["status"] != "ok" || health["schema"] != float64(schemaVersion) {
		t.Fatalf("healthz = %v", health)
	}
	ann := c.signUp("ann", "password123")
	c.must(204, "POST", "/api/logout", nil)
	if r := c.do("GET", "/api/me", nil); r.Status != 401 {
		t.Fatalf("me after logout: %d", r.Status)
	}
	c.logIn("ann", "password123")
	var tok struct{ Token string }
	c.must(201, "POST", "/api/tokens", map[string]string{"name": "script"}).JSON(&tok)
	script := newClient(t, app.URL)
	script.token = tok.Token
	var me User
	script.must(200, "GET", "/api/me", nil).JSON(&me)
	if me.ID != ann.ID || me.Username != "ann" || !me.Admin {
		t.Fatalf("me by token = %+v", me)
	}
	metrics := c.must(200, "GET", "/metrics", nil)
	for _, want := range []string{"fitcast_http_requests_total", "fitcast_db_write_batches_total", "process_resident_memory_bytes"} {
		if !bytes.Contains(metrics.Body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A socket open at shutdown is told the server is going away.
	ws := c.mustDialWS("/ws")
	ws.subscribe(userTopic(ann.ID), nil)
	closed := make(chan string, 1)
	go func() {
		for {
			if _, err := ws.readRaw(15 * time.Second); err != nil {
				closed <- fmt.Sprint(websocket.CloseStatus(err))
				return
			}
		}
	}()
	c.hc.CloseIdleConnections()
	script.hc.CloseIdleConnections()

	if err := app.Stop(t); err != nil {
		t.Fatalf("run returned %v after a clean shutdown", err)
	}
	if code := <-closed; code != fmt.Sprint(websocket.StatusGoingAway) {
		t.Errorf("socket closed with %s at shutdown, want %d", code, websocket.StatusGoingAway)
	}
	ws.ws.CloseNow()
	if !strings.Contains(app.stderr.String(), "stopped") {
		t.Errorf("no shutdown log: %s", app.stderr)
	}
	// Everything written is in the file once run has returned.
	store, err := OpenStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.UserByName(context.Background(), "ann"); err != nil {
		t.Fatalf("account lost over restart: %v", err)
	}
}

func TestRunRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, bytes.Repeat([]byte("plain text, not SQLite\n"), 100), 0o600)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"port taken", nil, []string{"-addr", taken.Addr().String(), "-db", filepath.Join(dir, "a.db")}, "cannot listen on " + taken.Addr().String() + ": bind: address already in use"},
		{"not a database", nil, []string{"-addr", "127.0.0.1:0", "-db", notDB}, "not an SQLite database"},
		{"missing folder", nil, []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "no", "such", "x.db")}, "cannot open database file"},
		{"bad signup flag", nil, []string{"-signup", "maybe"}, `-signup "maybe": want open or closed`},
		{"bad signup env", map[string]string{"FITCAST_SIGNUP": "yes"}, nil, `FITCAST_SIGNUP="yes"`},
		{"bad log format", nil, []string{"-log-format", "xml"}, "want text or json"},
		{"unknown command", nil, []string{"-addr", "127.0.0.1:0", "frobnicate"}, `unknown command "frobnicate"`},
		{"tiles without placeholders", nil, []string{"-tiles", "https://tiles.example.com/map.png"}, "needs {z}, {x} and {y}"},
		{"tiles not http", map[string]string{"FITCAST_TILES": "ftp://tiles.example.com/{z}/{x}/{y}.png"}, nil, "want an http:// or https://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(context.Background(), tc.args, envMap(tc.env), strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("reason spans lines: %q", err)
			}
		})
	}
}

func TestHelpListsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"-h"}, envMap(nil), strings.NewReader(""), &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	help := stderr.String()
	for _, want := range []string{
		"-addr", "FITCAST_ADDR", DefaultAddr,
		"-db", "FITCAST_DB", DefaultDB,
		"-signup", "FITCAST_SIGNUP",
		"-log-format", "FITCAST_LOG_FORMAT",
		"-behind-proxy", "FITCAST_BEHIND_PROXY",
		"-base-url", "FITCAST_BASE_URL",
		"-tiles", "FITCAST_TILES", "-tiles-attribution", "FITCAST_TILES_ATTRIBUTION",
		"backup FILE", "user add NAME", "user passwd NAME",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("-h output lacks %q", want)
		}
	}
}

func TestEnvironmentAndFlagPrecedence(t *testing.T) {
	base, err := configFromEnv(envMap(map[string]string{"FITCAST_ADDR": "0.0.0.0:9000", "FITCAST_SIGNUP": "open", "FITCAST_BEHIND_PROXY": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parseFlags("fitcast", base, []string{"-addr", ":7000"}, &syncBuffer{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":7000" || !cfg.SignupOpen || !cfg.BehindProxy || cfg.DB != DefaultDB {
		t.Fatalf("cfg = %+v", cfg)
	}
}

// TestStartLogSaysSignupOpenOnAFreshDatabase: the first account can
// always sign up, so the log must not say closed.
func TestStartLogSaysSignupOpenOnAFreshDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fresh.db")
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	app.Stop(t)
	if log := app.stderr.String(); !strings.Contains(log, `signup="open for the first account"`) {
		t.Fatalf("start-up log on a fresh database: %s", log)
	}
	app = startApp(t, nil, "-addr", "127.0.0.1:0", "-db", db, "-signup", "open")
	app.Stop(t)
	if log := app.stderr.String(); !strings.Contains(log, "signup=open") {
		t.Fatalf("start-up log with -signup open: %s", log)
	}
}

// TestTilesFlag points maps at another tile server: the UI is told the
// template and its credit, and the page's policy lets the tiles load.
func TestTilesFlag(t *testing.T) {
	app := startApp(t, map[string]string{"FITCAST_TILES": "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"},
		"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "tiles.db"))
	defer app.Stop(t)
	c := newClient(t, app.URL)
	var inst struct {
		Tiles struct{ URL, Attribution string }
	}
	r := c.must(200, "GET", "/api/instance", nil)
	r.JSON(&inst)
	if inst.Tiles.URL != "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png" || inst.Tiles.Attribution != "Map tiles: tiles.example.org" {
		t.Fatalf("instance tiles %+v", inst.Tiles)
	}
	page := c.must(200, "GET", "/", nil)
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tiles.example.org;") || strings.Contains(csp, "openstreetmap") {
		t.Fatalf("policy %q", csp)
	}

	osm := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "osm.db"), "-tiles-attribution", "© OpenStreetMap contributors, tiles by us")
	defer osm.Stop(t)
	newClient(t, osm.URL).must(200, "GET", "/api/instance", nil).JSON(&inst)
	if inst.Tiles.URL != DefaultTiles || inst.Tiles.Attribution != "© OpenStreetMap contributors, tiles by us" {
		t.Fatalf("default tiles %+v", inst.Tiles)
	}
}

func TestBackupCommandWhileServing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	c := newClient(t, app.URL)
	c.signUp("ann", "password123")
	c.must(201, "POST", "/api/tokens", map[string]string{"name": "before backup"})

	var stdout, stderr syncBuffer
	dest := filepath.Join(dir, "backup.db")
	if err := run(context.Background(), []string{"-db", db, "backup", dest}, envMap(nil), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(stdout.String(), "backed up") {
		t.Errorf("backup said %q", stdout.String())
	}
	c.must(200, "GET", "/api/me", nil) // the server carried on
	c.hc.CloseIdleConnections()
	if err := app.Stop(t); err != nil {
		t.Fatal(err)
	}

	copy, err := OpenStore(dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	u, err := copy.UserByName(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := copy.APITokens(context.Background(), u.ID)
	if err != nil || len(tokens) != 1 || tokens[0].Name != "before backup" {
		t.Fatalf("tokens in backup = %+v, %v", tokens, err)
	}
}

func TestUserCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cli.db")
	cli := func(stdin string, args ...string) (string, error) {
		var stdout, stderr syncBuffer
		err := run(context.Background(), append([]string{"-db", db}, args...), envMap(nil), strings.NewReader(stdin), &stdout, &stderr)
		return stdout.String(), err
	}
	out, err := cli("first password\n", "user", "add", "ann")
	if err != nil || !strings.Contains(out, "created admin ann") {
		t.Fatalf("user add (first): %q %v", out, err)
	}
	out, err = cli("second password\n", "user", "add", "bob")
	if err != nil || !strings.Contains(out, "created user bob") {
		t.Fatalf("user add: %q %v", out, err)
	}
	if _, err := cli("password123\n", "user", "add", "bob"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate user add: %v", err)
	}
	if _, err := cli("short\n", "user", "add", "carol"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("short password: %v", err)
	}
	if _, err := cli("", "user", "add", "carol"); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("no password: %v", err)
	}
	if _, err := cli("password123\n", "user", "add", "bad name"); err == nil {
		t.Fatal("invalid username accepted")
	}
	if _, err := cli("new password 2\n", "user", "passwd", "nobody"); err == nil {
		t.Fatal("passwd for a missing user succeeded")
	}
	if out, err := cli("new password 2\n", "user", "passwd", "bob"); err != nil || !strings.Contains(out, "password changed") {
		t.Fatalf("passwd: %q %v", out, err)
	}
	out, err = cli("", "user", "list")
	if err != nil || !regexp.MustCompile(`(?m)^1\tann\tadmin\t.*\n2\tbob\tuser\t`).MatchString(out) {
		t.Fatalf("user list: %q %v", out, err)
	}
	// Flags work after the subcommand too, where people type them.
	var stdout, stderr syncBuffer
	if err := run(context.Background(), []string{"user", "list", "-db", db}, envMap(nil), strings.NewReader(""), &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "\tbob\t") {
		t.Fatalf("user list -db: %q %v", stdout.String(), err)
	}
	if out, err := cli("password456\n", "user", "add", "dora", "-admin"); err != nil || !strings.Contains(out, "created admin dora") {
		t.Fatalf("user add NAME -admin: %q %v", out, err)
	}
	if _, err := cli("", "user", "list", "-no-such-flag"); err == nil {
		t.Fatal("an unknown flag after the subcommand was accepted")
	}

	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	defer app.Stop(t)
	c := newClient(t, app.URL)
	if r := c.do("POST", "/api/login", credentials{"bob", "second password"}); r.Status != 401 {
		t.Fatalf("old password after passwd: %d", r.Status)
	}
	c.logIn("bob", "new password 2")
	c.logIn("ann", "first password")
}
