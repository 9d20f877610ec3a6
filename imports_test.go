package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"mime/multipart"
	"os"
	"strings"
	"testing"
	"time"
)

// upload sends files to POST /api/imports as a browser's file picker does
// and waits for the import to end.
func (c *client) upload(files map[string][]byte) importSummary {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, data := range files {
		w, _ := mw.CreateFormFile("file", name)
		w.Write(data)
	}
	mw.Close()
	var sum importSummary
	c.must202(body.String(), mw.FormDataContentType()).JSON(&sum)
	deadline := time.Now().Add(30 * time.Second)
	for sum.FinishedAt == nil {
		if time.Now().After(deadline) {
			c.t.Fatalf("import %d still %s after 30 s", sum.ID, sum.Status)
		}
		time.Sleep(20 * time.Millisecond)
		c.must(200, "GET", fmt.Sprintf("/api/imports/%d", sum.ID), nil).JSON(&sum)
	}
	return sum
}

func (c *client) must202(body, contentType string) response {
	c.t.Helper()
	r := c.do("POST", "/api/imports", body, "Content-Type", contentType)
	if r.Status != 202 {
		c.t.Fatalf("POST /api/imports: %d %s", r.Status, r.Body)
	}
	return r
}

// resultFor finds a file's result in a summary.
func resultFor(t *testing.T, sum importSummary, name string) importResult {
	t.Helper()
	for _, r := range sum.Results {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", name, sum.Results)
	return importResult{}
}

var importStart = time.Date(2025, 12, 14, 7, 30, 0, 0, time.UTC) // before the test clock

// gpxRun is a GPX 1.1 run of n points a second apart heading north at
// 3 m/s, heart rate 120 + i%30 and cadence 170 in Garmin's extension.
func gpxRun(n int, start time.Time) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
<trk><name>Morning loop</name><type>running</type><trkseg>`)
	for i := 0; i < n; i++ {
		lat := 45 + float64(i)*3/earthRadiusM*180/math.Pi
		fmt.Fprintf(&b, `<trkpt lat="%.9f" lon="7.0"><ele>%d</ele><time>%s</time><extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>%d</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>`,
			lat, 200+i%10, start.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 120+i%30)
	}
	b.WriteString(`</trkseg></trk></gpx>`)
	return []byte(b.String())
}

// tcxRide is a TCX ride of n points 2 s apart, 10 m a point, with the
// lap's own totals.
func tcxRide(n int, start time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Biking"><Id>%s</Id><Lap StartTime="%s"><TotalTimeSeconds>%d</TotalTimeSeconds><DistanceMeters>%d</DistanceMeters><Calories>321</Calories><Track>`,
		start.Format(time.RFC3339), start.Format(time.RFC3339), 2*(n-1), 10*(n-1))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<Trackpoint><Time>%s</Time><Position><LatitudeDegrees>46.0</LatitudeDegrees><LongitudeDegrees>%.7f</LongitudeDegrees></Position><AltitudeMeters>300</AltitudeMeters><DistanceMeters>%d</DistanceMeters><HeartRateBpm><Value>%d</Value></HeartRateBpm><Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Watts>%d</Watts></TPX></Extensions></Trackpoint>`,
			start.Add(time.Duration(2*i)*time.Second).Format(time.RFC3339), 8+float64(i)*0.0001, 10*i, 130+i%20, 200+i)
	}
	b.WriteString(`</Track></Lap></Activity></Activities></TrainingCenterDatabase>`)
	return []byte(b.String())
}

func gz(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func near(got *float64, want, tolerance float64) bool {
	return got != nil && math.Abs(*got-want) <= tolerance
}

// TestImportFormats imports a real FIT file from Garmin's SDK, a GPX run
// (plain and gzipped, one under a wrong extension), and a TCX ride, and
// checks each workout's totals and samples against what the files hold.
// The originals download byte for byte, and the GPX and FIT a workout
// exports import again to the same totals.
func TestImportFormats(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	garmin, err := os.ReadFile("testdata/import/Activity.fit")
	if err != nil {
		t.Fatal(err)
	}
	run := gpxRun(1201, importStart)
	sum := c.upload(map[string][]byte{
		"Activity.fit":    garmin,
		"loop.gpx.gz":     gz(run),
		"ride.tcx":        tcxRide(601, importStart.Add(48*time.Hour)),
		"mislabelled.fit": gpxRun(61, importStart.Add(24*time.Hour)),
	})
	if sum.Status != "done" || sum.Total != 4 || sum.Imported != 4 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	workout := func(name string) (Workout, sampleColumns) {
		r := resultFor(t, sum, name)
		var w Workout
		var cols sampleColumns
		c.must(200, "GET", "/api/workouts/"+r.Workouts[0], nil).JSON(&w)
		c.must(200, "GET", "/api/workouts/"+r.Workouts[0]+"/samples", nil).JSON(&cols)
		return w, cols
	}

	// Garmin's example: an hour at 1 m/s, 3,601 records with heart rate.
	w, cols := workout("Activity.fit")
	if len(cols.T) != 3601 || w.DurationS != 3601 || !near(w.DistanceM, 3600, 1) || w.AvgHR == nil || cols.HR[100] == nil || *cols.HR[100] != 126 {
		t.Fatalf("Activity.fit: %d samples, %v s, %v m, hr[100] %v", len(cols.T), w.DurationS, w.DistanceM, cols.HR[100])
	}
	// 1,200 steps of 3 m north, 20 minutes; heart rate 120 to 149 evenly.
	w, cols = workout("loop.gpx.gz")
	if w.Sport != "run" || w.Title != "Morning loop" || len(cols.T) != 1201 || w.DurationS != 1200 || !near(w.DistanceM, 3600, 0.5) ||
		!near(w.MaxHR, 149, 0) || !near(w.AvgHR, 134.4, 0.1) || *cols.Cadence[5] != 85 || !w.Start.Equal(importStart) {
		t.Fatalf("GPX: %+v with %d samples", w, len(cols.T))
	}
	if w.ElevationM == nil || *w.ElevationM != 9*120 {
		t.Fatalf("GPX climb %v, want 1080 (9 m up in every 10 points)", w.ElevationM)
	}
	w, cols = workout("ride.tcx")
	if w.Sport != "ride" || len(cols.T) != 601 || w.DurationS != 1200 || !near(w.DistanceM, 6000, 0) || !near(w.Calories, 321, 0) ||
		*cols.Power[600] != 800 || !near(w.MaxHR, 149, 0) {
		t.Fatalf("TCX: %+v with %d samples", w, len(cols.T))
	}
	if r := resultFor(t, sum, "mislabelled.fit"); r.Status != "imported" {
		t.Fatalf("a GPX named .fit: %+v", r)
	}

	// The original downloads as it was uploaded.
	id := resultFor(t, sum, "loop.gpx.gz").Workouts[0]
	if r := c.must(200, "GET", "/api/workouts/"+id+"/original", nil); !bytes.Equal(r.Body, gz(run)) ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "loop.gpx.gz") {
		t.Fatal("the original file did not come back as uploaded")
	}
	fitID := resultFor(t, sum, "Activity.fit").Workouts[0]
	if r := c.must(200, "GET", "/api/workouts/"+fitID+"/original", nil); !bytes.Equal(r.Body, garmin) {
		t.Fatal("the FIT original changed")
	}

	// What a workout exports as GPX and FIT imports into another account
	// with the same totals.
	exported := map[string][]byte{
		"export.gpx": c.must(200, "GET", "/api/workouts/"+id+"/gpx", nil).Body,
		"export.fit": c.must(200, "GET", "/api/workouts/"+id+"/fit", nil).Body,
	}
	ts.srv.cfg.SignupOpen = true
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	again := bob.upload(map[string][]byte{"export.gpx": exported["export.gpx"]})
	if again.Imported != 1 {
		t.Fatalf("re-importing the GPX export: %+v", again.Results)
	}
	var w2 Workout
	bob.must(200, "GET", "/api/workouts/"+again.Results[0].Workouts[0], nil).JSON(&w2)
	if w2.Sport != "run" || w2.DurationS != 1200 || !near(w2.DistanceM, 3600, 1) || !near(w2.MaxHR, 149, 0) || !w2.Start.Equal(importStart) {
		t.Fatalf("the GPX export came back as %+v", w2)
	}
	// The same run as FIT is the same activity: a duplicate.
	if s := bob.upload(map[string][]byte{"export.fit": exported["export.fit"]}); s.Duplicates != 1 || s.Imported != 0 {
		t.Fatalf("the FIT export after the GPX one: %+v", s.Results)
	}
	// In an empty account, the FIT export has the same totals.
	ts.srv.cfg.SignupOpen = true
	cy := newClient(t, ts.URL)
	cy.signUp("cy", "password123")
	fromFIT := cy.upload(map[string][]byte{"export.fit": exported["export.fit"]})
	if fromFIT.Imported != 1 {
		t.Fatalf("importing the FIT export: %+v", fromFIT.Results)
	}
	cy.must(200, "GET", "/api/workouts/"+fromFIT.Results[0].Workouts[0], nil).JSON(&w2)
	if w2.Sport != "run" || w2.DurationS != 1200 || !near(w2.DistanceM, 3600, 1) || !near(w2.MaxHR, 149, 0) || !w2.Start.Equal(importStart) {
		t.Fatalf("the FIT export came back as %+v", w2)
	}

	// Nobody else can read the original, the export or the import.
	if r := bob.do("GET", "/api/workouts/"+id+"/original", nil); r.Status != 404 {
		t.Fatalf("another user's original: %d", r.Status)
	}
	if r := bob.do("GET", "/api/workouts/"+id+"/gpx", nil); r.Status != 404 {
		t.Fatalf("another user's GPX: %d", r.Status)
	}
	if r := bob.do("GET", fmt.Sprintf("/api/imports/%d", sum.ID), nil); r.Status != 404 {
		t.Fatalf("another user's import: %d", r.Status)
	}
}

// TestImportDuplicatesAndProgress imports the same run twice: the second
// time it is a duplicate and no workout is added. Progress reaches the
// user's socket as the import runs.
func TestImportDuplicatesAndProgress(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	u := c.signUp("ann", "password123")
	sock := c.mustDialWS("/ws")
	sock.subscribe(userTopic(u.ID), nil)
	files := map[string][]byte{}
	for i := range 20 {
		files[fmt.Sprintf("run%02d.gpx", i)] = gpxRun(30, importStart.Add(time.Duration(i)*24*time.Hour))
	}
	first := c.upload(files)
	if first.Imported != 20 || first.Duplicates != 0 {
		t.Fatalf("first import %+v", first)
	}
	var last struct {
		Type         string
		Status       string
		Done, Total  int
		ID, Imported int64
	}
	for last.Status != "done" {
		f := sock.read()
		if f.Op == opMsg {
			json.Unmarshal(f.Data, &last)
		}
	}
	if last.Type != "import.progress" || last.Done != 20 || last.Total != 20 || last.Imported != 20 || last.ID != first.ID {
		t.Fatalf("last progress event %+v", last)
	}
	second := c.upload(map[string][]byte{"run03.gpx": files["run03.gpx"], "new.gpx": gpxRun(30, importStart.Add(-24*time.Hour))})
	if second.Imported != 1 || second.Duplicates != 1 || resultFor(t, second, "run03.gpx").Status != "duplicate" {
		t.Fatalf("second import %+v", second)
	}
	var page struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts?limit=100", nil).JSON(&page)
	if len(page.Items) != 21 {
		t.Fatalf("%d workouts after importing 21 distinct runs", len(page.Items))
	}
}

// TestImportHostileFiles feeds the importer broken and hostile input:
// every bad file fails on its own with a reason, nothing of it is stored,
// and the good file beside it is imported.
func TestImportHostileFiles(t *testing.T) {
	ts := newTestServer(t, config{ImportMaxFile: 1 << 20, ImportMaxArchive: 4 << 20})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	garmin, _ := os.ReadFile("testdata/import/Activity.fit")
	plan, _ := os.ReadFile("testdata/import/WorkoutRepeatSteps.fit")
	bomb := bytes.Repeat([]byte{0}, 3<<20) // 3 MB of zeros: a few KB zipped
	future := gpxRun(10, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	sum := c.upload(map[string][]byte{
		"truncated.fit": garmin[:len(garmin)/2],
		"noise.fit":     []byte("this is not an activity at all"),
		"empty.gpx":     []byte(`<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg></trkseg></trk></gpx>`),
		"broken.gpx.gz": gz(gpxRun(10, importStart))[:40],
		"future.gpx":    future,
		"plan.fit":      plan,
		"archive.zip": zipOf(t, map[string][]byte{
			"../escape.gpx":  gpxRun(10, importStart.Add(time.Hour)),
			"bomb.gpx":       bomb,
			"inner.zip":      zipOf(t, map[string][]byte{"a.gpx": gpxRun(10, importStart.Add(2*time.Hour))}),
			"good/run.gpx":   gpxRun(10, importStart.Add(3*time.Hour)),
			"__MACOSX/._run": []byte("resource fork"),
		}),
	})
	want := map[string]string{
		"truncated.fit":       "FIT",
		"noise.fit":           "not a FIT, GPX or TCX file",
		"empty.gpx":           "no track points",
		"broken.gpx.gz":       "gzip",
		"future.gpx":          "future",
		"../escape.gpx":       "unsafe path",
		"bomb.gpx":            "larger than 1 MB",
		"inner.zip":           "archive inside an archive",
		"plan.fit":            "not an activity",
	}
	for name, reason := range want {
		r := resultFor(t, sum, name)
		if r.Status != "failed" || !strings.Contains(r.Reason, reason) || len(r.Workouts) != 0 {
			t.Errorf("%s: %+v, want failed with %q", name, r, reason)
		}
	}
	if r := resultFor(t, sum, "good/run.gpx"); r.Status != "imported" {
		t.Errorf("the good file in the archive: %+v", r)
	}
	if len(sum.Results) != 10 { // the resource fork is skipped silently
		t.Errorf("%d results: %+v", len(sum.Results), sum.Results)
	}
	var page struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 1 {
		t.Fatalf("%d workouts stored; want only the good one", len(page.Items))
	}

	// An upload over the archive limit is refused whole.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "huge.gpx")
	w.Write(bytes.Repeat([]byte("x"), 6<<20))
	mw.Close()
	if r := c.do("POST", "/api/imports", body.String(), "Content-Type", mw.FormDataContentType()); r.Status != 413 || r.ErrorCode() != "too_large" {
		t.Fatalf("an upload over the limit: %d %s", r.Status, r.Body)
	}
	if r := c.do("POST", "/api/imports", `{"not":"multipart"}`); r.Status != 400 {
		t.Fatalf("a JSON body: %d", r.Status)
	}
}
