package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestCrashDuringImportReportsEveryWorkout kills the server with SIGKILL
// in the middle of a large import and restarts it: the interrupted
// import's results must name every workout it committed, no more and no
// fewer, and its count must match. (Progress is saved at most four times
// a second; each file's result is written with its workouts.)
func TestCrashDuringImportReportsEveryWorkout(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crash.db")
	srv := startServerProcess(t, db)
	c := newClient(t, srv.URL)
	ann := c.signUp("ann", "password123")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	const files = 300
	for i := range files {
		w, _ := mw.CreateFormFile("file", fmt.Sprintf("run-%03d.gpx", i))
		w.Write(gpxRun(200, importStart.Add(time.Duration(-i)*24*time.Hour)))
	}
	mw.Close()
	var sum importSummary
	c.must202(body.String(), mw.FormDataContentType()).JSON(&sum)

	file := openReadOnly(t, db)
	for {
		var n int
		file.QueryRow("SELECT count(*) FROM workouts WHERE user_id = ?", ann.ID).Scan(&n)
		if n >= 30 {
			break
		}
		var status string
		file.QueryRow("SELECT status FROM imports WHERE id = ?", sum.ID).Scan(&status)
		if status == "done" {
			t.Fatal("the import finished before the kill; make it larger")
		}
		time.Sleep(time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	c.hc.CloseIdleConnections()

	srv2 := startServerProcess(t, db)
	c2 := newClient(t, srv2.URL)
	c2.logIn("ann", "password123")
	var after importSummary
	c2.must(200, "GET", fmt.Sprintf("/api/imports/%d", sum.ID), nil).JSON(&after)
	if after.Status != "interrupted" {
		t.Fatalf("import after the crash: %s", after.Status)
	}
	stored := map[string]bool{}
	rows, err := file.Query("SELECT id FROM workouts WHERE user_id = ?", ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		stored[id] = true
	}
	rows.Close()
	reported := map[string]bool{}
	for _, r := range after.Results {
		for _, id := range r.Workouts {
			reported[id] = true
			if !stored[id] {
				t.Errorf("%s reports workout %s, which is not stored", r.Name, id)
			}
		}
	}
	for id := range stored {
		if !reported[id] {
			t.Errorf("workout %s was committed but the import's results do not name it", id)
		}
	}
	if after.Imported != len(stored) || after.Done != len(after.Results) {
		t.Fatalf("imported %d, done %d with %d results; %d workouts stored", after.Imported, after.Done, len(after.Results), len(stored))
	}
	t.Logf("%d of %d files imported before SIGKILL", len(stored), files)
}
