package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustPoll looks at the folder once.
func mustPoll(t *testing.T, w *folderWatcher) *importSummary {
	t.Helper()
	sum, err := w.poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestWatchedFolder: files that appear in a watched folder are imported
// once each into its account, after they stop changing; partial files,
// failures, symlinks out of the folder, devices and bombs are handled.
func TestWatchedFolder(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	ts := newTestServer(t, config{ImportMaxFile: 1 << 20, Watch: []watchSpec{{User: "ann", Dir: dir}}})
	w := ts.srv.watchers[0]

	// The account does not exist yet: the folder waits for it.
	writeFile(t, filepath.Join(dir, "run.gpx"), gpxRun(30, importStart))
	if sum := mustPoll(t, w); sum != nil {
		t.Fatalf("imported with no account: %+v", sum)
	}
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")

	// A file still being written: half of it now, the rest later.
	big := gpxRun(600, importStart.Add(time.Hour))
	writeFile(t, filepath.Join(dir, "sub", "big.gpx"), big[:len(big)/2])
	writeFile(t, filepath.Join(dir, ".syncthing.other.gpx.tmp"), gpxRun(10, importStart.Add(9*time.Hour)))
	writeFile(t, filepath.Join(dir, ".hidden", "x.gpx"), gpxRun(10, importStart.Add(8*time.Hour)))
	if sum := mustPoll(t, w); sum != nil {
		t.Fatalf("imported at first sight, before the files settled: %+v", sum)
	}
	f, err := os.OpenFile(filepath.Join(dir, "sub", "big.gpx"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(big[len(big)/2:])
	f.Close()
	sum := mustPoll(t, w)
	if sum == nil || sum.Total != 1 || sum.Imported != 1 || sum.Results[0].Name != "run.gpx" {
		t.Fatalf("second look: %+v; want run.gpx alone (big.gpx was still growing)", sum)
	}
	sum = mustPoll(t, w)
	if sum == nil || sum.Total != 1 || resultFor(t, *sum, "sub/big.gpx").Status != "imported" {
		t.Fatalf("third look: %+v", sum)
	}
	var wk Workout
	ann.must(200, "GET", "/api/workouts/"+sum.Results[0].Workouts[0], nil).JSON(&wk)
	if wk.Samples != 600 {
		t.Fatalf("big.gpx imported with %d samples, want all 600", wk.Samples)
	}
	if sum := mustPoll(t, w); sum != nil {
		t.Fatalf("a look with nothing new imported %+v", sum)
	}

	// Bad files are reported once and not tried again.
	writeFile(t, filepath.Join(outside, "secret.gpx"), gpxRun(10, importStart.Add(2*time.Hour)))
	if err := os.Symlink(filepath.Join(outside, "secret.gpx"), filepath.Join(dir, "escape.gpx")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.fit"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "noise.fit"), []byte("not an activity"))
	writeFile(t, filepath.Join(dir, "bomb.gpx.gz"), gz(bytes.Repeat([]byte{' '}, 3<<20)))
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zf, _ := zw.Create("huge.gpx")
	zf.Write(bytes.Repeat([]byte{0}, 3<<20))
	zf, _ = zw.Create("ok.gpx")
	zf.Write(gpxRun(10, importStart.Add(3*time.Hour)))
	zw.Close()
	writeFile(t, filepath.Join(dir, "bomb.zip"), zbuf.Bytes())
	first := mustPoll(t, w) // the refused files are reported at once, unread
	if first == nil || first.Failed != 2 {
		t.Fatalf("first look at the bad files: %+v", first)
	}
	second := mustPoll(t, w)
	if second == nil {
		t.Fatal("the settled bad files were not looked at")
	}
	want := map[string]string{
		"escape.gpx":  "outside the watched folder",
		"pipe.fit":    "not a regular file",
		"noise.fit":   "not a FIT, GPX or TCX file",
		"bomb.gpx.gz": "larger than 1 MB once decompressed",
		"huge.gpx":    "larger than 1 MB",
	}
	all := append(append([]importResult{}, first.Results...), second.Results...)
	for name, reason := range want {
		found := false
		for _, r := range all {
			if r.Name == name {
				found = true
				if r.Status != "failed" || !strings.Contains(r.Reason, reason) {
					t.Errorf("%s: %+v, want failed with %q", name, r, reason)
				}
			}
		}
		if !found {
			t.Errorf("no result for %s in %+v", name, all)
		}
	}
	if r := resultFor(t, *second, "ok.gpx"); r.Status != "imported" {
		t.Errorf("the good file in bomb.zip: %+v", r)
	}
	for i := 0; i < 3; i++ {
		if sum := mustPoll(t, w); sum != nil {
			t.Fatalf("look %d tried again: %+v", i, sum)
		}
	}

	// What was imported is remembered in the database, not in the
	// watcher: a new watcher (a restart) imports nothing again.
	again, err := newFolderWatcher(ts.srv, w.spec)
	if err != nil {
		t.Fatal(err)
	}
	mustPoll(t, again)
	if sum := mustPoll(t, again); sum != nil {
		t.Fatalf("after a restart: %+v", sum)
	}
	// A file that changes is new again; the same activity is a duplicate.
	os.Chtimes(filepath.Join(dir, "run.gpx"), time.Now(), time.Now().Add(time.Minute))
	mustPoll(t, again)
	if sum := mustPoll(t, again); sum == nil || sum.Duplicates != 1 || sum.Imported != 0 {
		t.Fatalf("a touched file: %+v", sum)
	}

	// The imports are on ann's import page; the outside file never got in.
	var imports []importSummary
	ann.must(200, "GET", "/api/imports", nil).JSON(&imports)
	if len(imports) != 5 {
		t.Fatalf("%d imports listed, want 5", len(imports))
	}
	var page struct{ Items []Workout }
	ann.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 3 {
		t.Fatalf("%d workouts, want run, big and ok", len(page.Items))
	}
}

func TestWatchConfig(t *testing.T) {
	env := map[string]string{"FITCAST_WATCH": "ann=/srv/ann; bob=/srv/b=c"}
	cfg, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err = parseFlags("fitcast", cfg, []string{"-watch", "cy=/x", "-watch-interval", "30s"}, os.Stderr, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []watchSpec{{"ann", "/srv/ann"}, {"bob", "/srv/b=c"}, {"cy", "/x"}}
	if len(cfg.Watch) != 3 || cfg.Watch[0] != want[0] || cfg.Watch[1] != want[1] || cfg.Watch[2] != want[2] || cfg.WatchInterval != 30*time.Second {
		t.Fatalf("%+v", cfg.Watch)
	}
	for _, bad := range []string{"nodir", "=/x", "a b=/x"} {
		if _, _, err := parseFlags("fitcast", cfg, []string{"-watch", bad}, &bytes.Buffer{}, false); err == nil {
			t.Errorf("-watch %q accepted", bad)
		}
	}
	// A folder that is not there stops the server from starting.
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "x.db"), "-watch", "ann=/no/such/folder"},
		func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "/no/such/folder") {
		t.Fatalf("a missing folder: %v", err)
	}
}

// BenchmarkWatchPollIdle measures one look at a watched folder of 10,000
// files that were all imported before: the cost every -watch-interval
// pays when nothing is new.
func BenchmarkWatchPollIdle(b *testing.B) {
	dir := b.TempDir()
	ts := newTestServer(b, config{Watch: []watchSpec{{User: "ann", Dir: dir}}})
	c := newClient(b, ts.URL)
	c.signUp("ann", "password123")
	w := ts.srv.watchers[0]
	for i := 0; i < 100; i++ {
		os.MkdirAll(filepath.Join(dir, fmt.Sprintf("%02d", i)), 0o755)
	}
	for i := 0; i < 10_000; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d/run-%05d.fit", i%100, i)), []byte("x"), 0o644)
	}
	// Remember them all as done, as if imported before.
	found, err := w.scan()
	if err != nil || len(found) != 10_000 {
		b.Fatalf("%d files, %v", len(found), err)
	}
	u, _ := ts.store.UserByName(b.Context(), "ann")
	err = ts.store.Write(b.Context(), func(tx *Tx) error {
		for _, f := range found {
			if _, err := tx.Exec(`INSERT INTO watched_files (user_id, folder, path, size, mtime, status) VALUES (?, ?, ?, ?, ?, 'imported')`,
				u.ID, w.root, f.rel, f.stamp.size, f.stamp.mtime); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// CPU time as well as wall time: on a shared machine the wall time
	// mostly measures the wait for a core.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	start, n := cpu(), 0
	for b.Loop() {
		if sum, err := w.poll(b.Context()); err != nil || sum != nil {
			b.Fatalf("%v %v", sum, err)
		}
		n++
	}
	b.ReportMetric(float64((cpu()-start).Milliseconds())/float64(n), "cpu-ms/op")
}
