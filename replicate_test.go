package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 is an S3-compatible server in this process (gofakes3, in memory),
// on loopback. It can be stopped and started again on the same address
// with the same contents, to play an offsite store that goes away.
type fakeS3 struct {
	backend *s3mem.Backend
	addr    string
	srv     *http.Server
}

func startFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{backend: s3mem.New()}
	if err := f.backend.CreateBucket("fitcast"); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	t.Cleanup(f.stop)
	return f
}

func (f *fakeS3) start(t *testing.T) {
	t.Helper()
	addr := f.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.srv = &http.Server{Handler: gofakes3.New(f.backend).Server()}
	go f.srv.Serve(ln)
}

func (f *fakeS3) stop() {
	if f.srv != nil {
		f.srv.Close()
		f.srv = nil
	}
}

func (f *fakeS3) url(prefix string) string {
	return "s3://fitcast/" + prefix + "?endpoint=http://" + f.addr
}

// s3Env is what the AWS client needs; the fake checks no signatures.
var s3Env = map[string]string{"AWS_ACCESS_KEY_ID": "fitcast", "AWS_SECRET_ACCESS_KEY": "fitcast-secret", "AWS_REGION": "us-east-1"}

// setS3Env sets s3Env here, and unsets AWS_CA_BUNDLE: the AWS SDK refuses
// to start with a CA bundle and the HTTP client Litestream gives it.
func setS3Env(t *testing.T) {
	for k, v := range s3Env {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CA_BUNDLE", "")
	os.Unsetenv("AWS_CA_BUNDLE")
}

// childEnv is this process's environment for a server process, with
// s3Env and without AWS_CA_BUNDLE (see setS3Env).
func childEnv() []string {
	env := []string{"FITCAST_TEST_AS_SERVER=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			env = append(env, kv)
		}
	}
	for k, v := range s3Env {
		env = append(env, k+"="+v)
	}
	return env
}

// restoreTo runs "fitcast -db out restore -from url [args]" in process.
func restoreTo(t *testing.T, out, from string, args ...string) error {
	t.Helper()
	var stdout, stderr syncBuffer
	return run(context.Background(), append([]string{"-db", out, "restore", "-from", from}, args...), os.Getenv, strings.NewReader(""), &stdout, &stderr)
}

// waitInReplica restores from the replica until the restored database
// holds a workout with these notes: the event that says every write
// committed before that one has left the machine (transactions reach the
// replica in commit order). It returns the path of that restore.
func waitInReplica(t *testing.T, from, notes string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; ; i++ {
		out := filepath.Join(dir, fmt.Sprintf("probe%d.db", i))
		err := restoreTo(t, out, from)
		if err == nil {
			db := openReadOnly(t, out)
			var n int
			if err = db.QueryRow("SELECT count(*) FROM workouts WHERE notes = ?", notes).Scan(&n); err == nil && n > 0 {
				return out
			}
		}
		if i > 3000 { // a minute and more: the replica is not coming
			t.Fatalf("%q never reached the replica %s: %v", notes, from, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addWorkouts creates n workouts whose notes are prefix-0 .. prefix-(n-1),
// from workers goroutines at once.
func addWorkouts(t *testing.T, c *client, prefix string, n, workers int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-20T07:00:00Z", "duration_s": 1800 + i, "distance_m": 5000 + i, "notes": fmt.Sprintf("%s-%d", prefix, i)})
			}
		}()
	}
	wg.Wait()
}

// startReplicatingProcess starts this binary as a fitcast server that
// replicates to replica, so that the test can kill it with SIGKILL.
func startReplicatingProcess(t *testing.T, db, replica string) *serverProcess {
	t.Helper()
	return startServerCommand(t, childEnv(), "-db", db, "-replicate", replica)
}

// TestReplicateKillRestore writes under load through a real server that
// replicates to a folder, or to an S3-compatible server, kills it with
// SIGKILL, restores from the replica alone and compares every row of every
// table with the file the dead server left.
func TestReplicateKillRestore(t *testing.T) {
	for _, kind := range []string{"file", "s3"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			replica := "file://" + filepath.Join(dir, "replica")
			if kind == "s3" {
				replica = startFakeS3(t).url("kill")
				setS3Env(t)
			}
			dbPath := filepath.Join(dir, "live.db")
			srv := startReplicatingProcess(t, dbPath, replica)
			c := newClient(t, srv.URL)
			c.signUp("ann", "password123")
			// Load: workouts from eight clients at once, and a live
			// session taking samples alongside.
			l := startLive(t, c)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; i < 40; i++ {
					samples := make([]map[string]any, 25)
					for k := range samples {
						samples[k] = map[string]any{"t": i*25 + k, "hr": 120 + k, "lat": 52.5 + float64(i*25+k)*1e-5, "lon": 13.4}
					}
					c.must(200, "POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": samples})
				}
			}()
			addWorkouts(t, c, "load", 300, 8)
			<-done
			c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-21T07:00:00Z", "duration_s": 60, "notes": "last"})
			waitInReplica(t, replica, "last")

			if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			srv.cmd.Wait()
			c.hc.CloseIdleConnections()

			restored := filepath.Join(dir, "restored.db")
			if err := restoreTo(t, restored, replica); err != nil {
				t.Fatal(err)
			}
			local, back := dumpTables(t, dbPath), dumpTables(t, restored)
			// 300 under load, "last", and the live session's workout.
			if len(local["workouts"]) != 302 || len(local["samples"]) != 1000 {
				t.Fatalf("the dead server's file holds %v", tableSizes(local))
			}
			if !reflect.DeepEqual(tableSizes(local), tableSizes(back)) {
				t.Fatalf("rows per table differ:\nlocal    %v\nrestored %v", tableSizes(local), tableSizes(back))
			}
			for name, rows := range local {
				if !reflect.DeepEqual(rows, back[name]) {
					t.Fatalf("table %s differs between the dead server's file and the restore", name)
				}
			}
			t.Logf("restored %v", tableSizes(back))
		})
	}
}

// dumpTables reads every row of every table (Litestream's own bookkeeping
// tables aside), each table in rowid or primary-key order, as strings.
func dumpTables(t *testing.T, path string) map[string][]string {
	t.Helper()
	db := openReadOnly(t, path)
	var names []string
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_litestream%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, name := range names {
		rows, err := db.Query(fmt.Sprintf("SELECT * FROM %q ORDER BY 1, 2", name))
		if err != nil {
			rows, err = db.Query(fmt.Sprintf("SELECT * FROM %q ORDER BY 1", name))
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cols, _ := rows.Columns()
		list := []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			list = append(list, fmt.Sprintf("%#v", vals))
		}
		rows.Close()
		out[name] = list
	}
	return out
}

func tableSizes(d map[string][]string) map[string]int {
	m := map[string]int{}
	for k, v := range d {
		m[k] = len(v)
	}
	return m
}

func notesIn(t *testing.T, path string) map[string]bool {
	t.Helper()
	db := openReadOnly(t, path)
	rows, err := db.Query("SELECT notes FROM workouts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var n sql.NullString
		rows.Scan(&n)
		got[n.String] = true
	}
	return got
}

// TestReplicaPointInTimeRestore restores the replica as of a moment
// between two batches of writes and finds exactly the first batch.
func TestReplicaPointInTimeRestore(t *testing.T) {
	dir := t.TempDir()
	replica := "file://" + filepath.Join(dir, "replica")
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "pit.db"), "-replicate", replica)
	defer app.Stop(t)
	c := newClient(t, app.URL)
	c.signUp("ann", "password123")
	addWorkouts(t, c, "first", 20, 4)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-21T07:00:00Z", "duration_s": 60, "notes": "first-end"})
	waitInReplica(t, replica, "first-end")
	// The moment between the batches: everything before it is in the
	// replica, everything after it is written once the clock has moved on
	// by more than the millisecond Litestream stamps its files with.
	at := time.Now()
	for time.Now().Sub(at) < 2*time.Millisecond {
		runtime.Gosched()
	}
	addWorkouts(t, c, "second", 20, 4)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-21T07:00:00Z", "duration_s": 60, "notes": "second-end"})
	waitInReplica(t, replica, "second-end")

	then := filepath.Join(dir, "then.db")
	if err := restoreTo(t, then, replica, "-at", at.UTC().Format(time.RFC3339Nano)); err != nil {
		t.Fatal(err)
	}
	got := notesIn(t, then)
	for i := 0; i < 20; i++ {
		if !got[fmt.Sprintf("first-%d", i)] {
			t.Fatalf("restore as of %s lacks first-%d", at, i)
		}
		if got[fmt.Sprintf("second-%d", i)] {
			t.Fatalf("restore as of %s holds second-%d, written after it", at, i)
		}
	}
	if !got["first-end"] || got["second-end"] || len(got) != 21 {
		t.Fatalf("restore as of %s holds %d workouts: %v", at, len(got), got)
	}
	latest := filepath.Join(dir, "latest.db")
	if err := restoreTo(t, latest, replica); err != nil {
		t.Fatal(err)
	}
	if n := len(notesIn(t, latest)); n != 42 {
		t.Fatalf("latest restore holds %d workouts, want 42", n)
	}
}

// TestReplicaDownThenBack stops the S3 server while writes go on: writes
// are never held up, the failure shows in the status, the metrics and the
// log, and once the server is back the replica catches up and a restore
// has every write.
func TestReplicaDownThenBack(t *testing.T) {
	s3 := startFakeS3(t)
	setS3Env(t)
	replica := s3.url("down")
	dir := t.TempDir()
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "down.db"), "-replicate", replica)
	defer app.Stop(t)
	c := newClient(t, app.URL)
	c.signUp("ann", "password123")
	addWorkouts(t, c, "before", 10, 2)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-21T07:00:00Z", "duration_s": 60, "notes": "before-end"})
	waitInReplica(t, replica, "before-end")
	var st ReplicationStatus
	c.must(200, "GET", "/api/admin/replication", nil).JSON(&st)
	if !st.Enabled || len(st.Replicas) != 1 || !st.Replicas[0].Healthy || st.Replicas[0].LastSyncAt == nil || st.Replicas[0].URL != "s3://fitcast/down?endpoint=http://"+s3.addr {
		t.Fatalf("status while healthy: %+v", st)
	}

	s3.stop()
	addWorkouts(t, c, "during", 30, 3) // each answered 201: nothing waits for the replica
	for {
		c.must(200, "GET", "/api/admin/replication", nil).JSON(&st)
		// The status sees the failure first; the log line follows on the
		// watcher's next look.
		if r := st.Replicas[0]; !r.Healthy && r.Errors > 0 && r.LastError != "" && strings.Contains(app.stderr.String(), "replica failing") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	metrics := string(c.must(200, "GET", "/metrics", nil).Body)
	for _, want := range []string{"fitcast_replica_healthy{replica=", "} 0\n", "fitcast_replica_errors_total{", "fitcast_replica_lag_seconds{", "fitcast_replica_last_sync_timestamp_seconds{"} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %q while the replica is down", want)
		}
	}
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-11-21T07:00:00Z", "duration_s": 60, "notes": "during-end"})

	s3.start(t)
	back := waitInReplica(t, replica, "during-end")
	got := notesIn(t, back)
	for _, want := range []string{"before-end", "during-end", "before-0", "during-0", "during-29"} {
		if !got[want] {
			t.Fatalf("restore after the replica came back lacks %s", want)
		}
	}
	if len(got) != 42 {
		t.Fatalf("restore after the replica came back holds %d workouts, want 42", len(got))
	}
	for {
		c.must(200, "GET", "/api/admin/replication", nil).JSON(&st)
		if st.Replicas[0].Healthy {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestoreRefusesExistingFile: a restore never overwrites a database,
// and a bad replica URL or time is refused with a reason.
func TestRestoreRefusesExistingFile(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "fitcast.db")
	if err := os.WriteFile(existing, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := restoreTo(t, existing, "file://"+filepath.Join(dir, "replica"))
	if err == nil || !strings.Contains(err.Error(), "refusing to restore into") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("restore over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(existing); string(data) != "precious" {
		t.Fatal("the existing file was changed")
	}
	for _, tc := range []struct{ from, at, want string }{
		{"file://relative/path", "", "three slashes"},
		{"file:///", "", "absolute path"},
		{"ftp://host/x", "", "not supported"},
		{"s3:///prefix", "", "no bucket"},
		{"file://" + filepath.Join(dir, "replica"), "yesterday", "RFC 3339"},
		{"file://" + filepath.Join(dir, "empty"), "", "nothing to restore"},
	} {
		args := []string{}
		if tc.at != "" {
			args = append(args, "-at", tc.at)
		}
		err := restoreTo(t, filepath.Join(dir, "new.db"), tc.from, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("restore -from %s -at %q: %v, want %q", tc.from, tc.at, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed restore left a file behind: %v", err)
	}
	// More than one replica is refused at start, with the reason.
	cfg, err := configFromEnv(envMap(map[string]string{"FITCAST_REPLICATE": " file:///srv/a  s3://bucket/x?endpoint=http://h:9000 "}))
	if err != nil || len(cfg.Replicate) != 2 || cfg.Replicate[1].Show != "s3://bucket/x?endpoint=http://h:9000" {
		t.Fatalf("FITCAST_REPLICATE, space-separated: %+v, %v", cfg.Replicate, err)
	}
	if tg, err := parseReplicaURL("s3://AKID:SEKRIT@bucket/p?endpoint=http://h&sse-customer-key=KEYKEY"); err != nil || strings.Contains(tg.Show, "AKID") || strings.Contains(tg.Show, "SEKRIT") || strings.Contains(tg.Show, "KEYKEY") {
		t.Fatalf("the replica as shown leaks a secret: %q, %v", tg.Show, err)
	}
	if _, err := configFromEnv(envMap(map[string]string{"FITCAST_REPLICATE": "file:///srv/a gopher://x"})); err == nil || !strings.Contains(err.Error(), "FITCAST_REPLICATE") {
		t.Fatalf("a bad FITCAST_REPLICATE item: %v", err)
	}
	var stdout, stderr syncBuffer
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "two.db"), "-replicate", "file://" + filepath.Join(dir, "a"), "-replicate", "file://" + filepath.Join(dir, "b")}, envMap(nil), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "one place") {
		t.Fatalf("two replicas: %v", err)
	}
}

// TestReplicationStatusIsAdminOnly: only the admin sees where the
// database is replicated to.
func TestReplicationStatusIsAdminOnly(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	admin := newClient(t, ts.URL)
	admin.signUp("ann", "password123")
	var st ReplicationStatus
	admin.must(200, "GET", "/api/admin/replication", nil).JSON(&st)
	if st.Enabled || st.Replicas == nil || len(st.Replicas) != 0 {
		t.Fatalf("status without -replicate: %+v", st)
	}
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	if r := bob.do("GET", "/api/admin/replication", nil); r.Status != 403 {
		t.Fatalf("non-admin got %d", r.Status)
	}
	if r := newClient(t, ts.URL).do("GET", "/api/admin/replication", nil); r.Status != 401 {
		t.Fatalf("anonymous got %d", r.Status)
	}
}

// TestBrowserReplicationCard: the admin's settings page shows the replica,
// up to date once it has the first changes, and a second account, not an
// admin, sees no such card.
func TestBrowserReplicationCard(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	dir := t.TempDir()
	replica := "file://" + filepath.Join(dir, "replica")
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "e2e.db"), "-replicate", replica, "-signup", "open")
	defer app.Stop(t)
	browserDo(t, ctx, browserSignUp(app.URL, "ann"), chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`#replication [data-replica-state=ok]`)))
	card := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#replication`)))
	for _, want := range []string{"Up to date", replica, "Last upload"} {
		if !strings.Contains(card, want) {
			t.Errorf("replication card lacks %q: %q", want, card)
		}
	}
	if strings.Contains(card, "not yet") || strings.Contains(card, "undefined") || strings.Contains(card, "null") {
		t.Errorf("replication card says %q", card)
	}
	browserDo(t, ctx, chromedp.Click(chromedp.Search(`//button[text()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.auth input[name=password]`)),
		browserSignUp(app.URL, "bob"), chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.Search(`//h2[text()="Signed-in devices"]`)))
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#replication').length`)); n != 0 {
		t.Fatal("a non-admin sees the replication card")
	}
}

// TestReplicatedStoreLeavesCheckpointsToLitestream: under -replicate the
// writer's automatic checkpoint moves out of Litestream's way (10,000
// pages) but stays on as a backstop; without it, SQLite's default holds.
func TestReplicatedStoreLeavesCheckpointsToLitestream(t *testing.T) {
	for _, tc := range []struct {
		replicated bool
		want       int
	}{{false, 1000}, {true, 10000}} {
		s, err := openStore(filepath.Join(t.TempDir(), "x.db"), nil, storeOptions{replicated: tc.replicated})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := s.writer.QueryRow("PRAGMA wal_autocheckpoint").Scan(&got); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if got != tc.want {
			t.Errorf("replicated=%v: wal_autocheckpoint %d, want %d", tc.replicated, got, tc.want)
		}
	}
}
