package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"mime/multipart"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muktihari/fit/profile/filedef"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"
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
	// In name order, as an archiver writes a folder: a test that puts a
	// size limit's worth of files beside others must get the same archive
	// every run.
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
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

	// Garmin's example: an hour at 1 m/s, 3,601 records with heart rate.
	w, cols := workout2(t, c, sum, "Activity.fit")
	if len(cols.T) != 3601 || w.DurationS != 3601 || !near(w.DistanceM, 3600, 1) || w.AvgHR == nil || cols.HR[100] == nil || *cols.HR[100] != 126 {
		t.Fatalf("Activity.fit: %d samples, %v s, %v m, hr[100] %v", len(cols.T), w.DurationS, w.DistanceM, cols.HR[100])
	}
	// 1,200 steps of 3 m north, 20 minutes; heart rate 120 to 149 evenly.
	w, cols = workout2(t, c, sum, "loop.gpx.gz")
	if w.Sport != "run" || w.Title != "Morning loop" || len(cols.T) != 1201 || w.DurationS != 1200 || !near(w.DistanceM, 3600, 0.5) ||
		!near(w.MaxHR, 149, 0) || !near(w.AvgHR, 134.4, 0.1) || *cols.Cadence[5] != 85 || !w.Start.Equal(importStart) {
		t.Fatalf("GPX: %+v with %d samples", w, len(cols.T))
	}
	if w.ElevationM == nil || *w.ElevationM != 9*120 {
		t.Fatalf("GPX climb %v, want 1080 (9 m up in every 10 points)", w.ElevationM)
	}
	w, cols = workout2(t, c, sum, "ride.tcx")
	if w.Sport != "ride" || len(cols.T) != 601 || w.DurationS != 1200 || !near(w.DistanceM, 6000, 0) || !near(w.Calories, 321, 0) ||
		*cols.Power[600] != 800 || !near(w.MaxHR, 149, 0) {
		t.Fatalf("TCX: %+v with %d samples", w, len(cols.T))
	}
	if r := resultFor(t, sum, "mislabelled.fit"); r.Status != "imported" {
		t.Fatalf("a GPX named .fit: %+v", r)
	}

	// GPX 1.0; GPX 1.1 with power in a plain extension element; and a FIT
	// strength session, whose active sets become sets (a category with no
	// built-in exercise becomes the user's own "Exercise").
	gpx10 := `<?xml version="1.0"?><gpx version="1.0" creator="old" xmlns="http://www.topografix.com/GPX/1/0"><trk><type>cycling</type><trkseg>` +
		`<trkpt lat="46.0" lon="8.0"><ele>400</ele><time>2025-12-20T10:00:00Z</time></trkpt>` +
		`<trkpt lat="46.001" lon="8.0"><ele>410</ele><time>2025-12-20T10:00:20Z</time></trkpt>` +
		`</trkseg></trk></gpx>`
	power := strings.NewReplacer("1/0", "1/1", `gpx version="1.0"`, `gpx version="1.1"`, "2025-12-20", "2025-12-21",
		"</ele>", "</ele><extensions><power>250</power></extensions>").Replace(gpx10)
	strength, err := writeFIT(Workout{Sport: "strength", Start: importStart.Add(72 * time.Hour), DurationS: 1800, Sets: []WorkoutSet{
		{Exercise: "bench_press", Reps: new(5), WeightKg: new(82.5)}, {Exercise: "zercher_squat", Reps: new(8), WeightKg: new(60.0)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	more := c.upload(map[string][]byte{"old.gpx": []byte(gpx10), "power.gpx": []byte(power), "gym.fit": strength})
	w, cols = workout2(t, c, more, "old.gpx")
	if w.Sport != "ride" || len(cols.T) != 2 || w.DurationS != 20 || !near(w.DistanceM, 111.2, 0.5) || !near(w.ElevationM, 10, 0) {
		t.Fatalf("GPX 1.0: %+v", w)
	}
	if _, cols = workout2(t, c, more, "power.gpx"); cols.Power[1] == nil || *cols.Power[1] != 250 {
		t.Fatalf("GPX power: %v", cols.Power)
	}
	w, _ = workout2(t, c, more, "gym.fit")
	if w.Sport != "strength" || w.DurationS != 1800 || len(w.Sets) != 2 || w.Sets[0].Exercise != "bench_press" || *w.Sets[0].Reps != 5 ||
		*w.Sets[0].WeightKg != 82.5 || w.Sets[1].Exercise != "exercise" || *w.Sets[1].WeightKg != 60 {
		t.Fatalf("FIT strength session: %+v", w)
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
	w2, _ := workout2(t, bob, again, "export.gpx")
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
	w2, _ = workout2(t, cy, cy.upload(map[string][]byte{"export.fit": exported["export.fit"]}), "export.fit")
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

// workout2 reads the workout a file in an import created, with its samples.
func workout2(t *testing.T, c *client, sum importSummary, name string) (Workout, sampleColumns) {
	t.Helper()
	r := resultFor(t, sum, name)
	if len(r.Workouts) != 1 {
		t.Fatalf("%s: %+v", name, r)
	}
	var w Workout
	var cols sampleColumns
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0], nil).JSON(&w)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0]+"/samples", nil).JSON(&cols)
	return w, cols
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
		"truncated.fit": garmin[:100], // the first records start further in
		"noise.fit":     []byte("this is not an activity at all"),
		"empty.gpx":     []byte(`<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg></trkseg></trk></gpx>`),
		"broken.gpx.gz": gz(gpxRun(10, importStart))[:40],
		"future.gpx":    future,
		"plan.fit":      plan,
		"archive.zip": zipOf(t, map[string][]byte{
			"../escape.gpx": gpxRun(10, importStart.Add(time.Hour)),
			"bomb.gpx":      bomb,
			"inner.zip": zipOf(t, map[string][]byte{"a.gpx": gpxRun(10, importStart.Add(2*time.Hour)),
				"deeper.zip": zipOf(t, map[string][]byte{"b.gpx": gpxRun(10, importStart.Add(4*time.Hour))})}),
			"good/run.gpx":   gpxRun(10, importStart.Add(3*time.Hour)),
			"__MACOSX/._run": []byte("resource fork"),
		}),
	})
	want := map[string]string{
		"truncated.fit":        "nothing could be read before the damage",
		"noise.fit":            "not a FIT, GPX or TCX file",
		"empty.gpx":            "no track points",
		"broken.gpx.gz":        "gzip",
		"future.gpx":           "future",
		"../escape.gpx":        "unsafe path",
		"bomb.gpx":             "larger than 1 MB",
		"inner.zip/deeper.zip": "nested two levels deep",
		"plan.fit":             "not an activity",
	}
	for name, reason := range want {
		r := resultFor(t, sum, name)
		if r.Status != "failed" || !strings.Contains(r.Reason, reason) || len(r.Workouts) != 0 {
			t.Errorf("%s: %+v, want failed with %q", name, r, reason)
		}
	}
	for _, good := range []string{"good/run.gpx", "inner.zip/a.gpx"} { // a zip in a zip is read, one level deep
		if r := resultFor(t, sum, good); r.Status != "imported" {
			t.Errorf("the good file %s in the archive: %+v", good, r)
		}
	}
	if len(sum.Results) != 11 { // the resource fork is skipped silently
		t.Errorf("%d results: %+v", len(sum.Results), sum.Results)
	}
	var page struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 2 {
		t.Fatalf("%d workouts stored; want only the good two", len(page.Items))
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

// TestImportStravaExport imports a Strava account export: activities.csv
// names each activity's file and gives its name, sport and description,
// which win over the file's; an activity entered by hand on Strava has no
// file and is imported from the CSV alone; other files are ignored.
func TestImportStravaExport(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	csv := "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,Filename,Moving Time,Distance\n" +
		`101,"Dec 14, 2025, 7:30:00 AM",Sunday long run,Run,"Legs felt good, windy",1200,3.6,activities/101.gpx.gz,1190,3600.5` + "\n" +
		`102,"Dec 16, 2025, 7:30:00 AM",Commute,Ride,,1200,6.0,activities/102.tcx,1200,6000.0` + "\n" +
		`103,"Dec 17, 2025, 6:00:00 PM",Treadmill,Run,Entered by hand,1800,5.0,,1750,5000.0` + "\n" +
		`104,"Dec 18, 2025, 6:00:00 PM",Lost,Run,,600,1.0,activities/104.fit,600,1000.0` + "\n"
	archive := zipOf(t, map[string][]byte{
		"activities.csv":        []byte(csv),
		"activities/101.gpx.gz": gz(gpxRun(1201, importStart)),
		"activities/102.tcx":    tcxRide(601, importStart.Add(48*time.Hour)),
		"profile.csv":           []byte("Athlete ID\n1\n"),
		"media/photo.jpg":       []byte("\xff\xd8\xff"),
	})
	sum := c.upload(map[string][]byte{"export_12345.zip": archive})
	if sum.Imported != 3 || sum.Failed != 1 || sum.Total != 4 {
		t.Fatalf("summary %+v", sum)
	}
	if r := resultFor(t, sum, "activities/104.fit"); !strings.Contains(r.Reason, "not in the archive") {
		t.Fatalf("a missing file: %+v", r)
	}
	var w Workout
	c.must(200, "GET", "/api/workouts/"+resultFor(t, sum, "activities/101.gpx.gz").Workouts[0], nil).JSON(&w)
	if w.Title != "Sunday long run" || w.Notes != "Legs felt good, windy" || w.Sport != "run" || w.Samples != 1201 {
		t.Fatalf("the run: %+v", w)
	}
	c.must(200, "GET", "/api/workouts/"+resultFor(t, sum, "Treadmill (2025-12-17, entered by hand)").Workouts[0], nil).JSON(&w)
	if w.DurationS != 1800 || !near(w.MovingS, 1750, 0) || !near(w.DistanceM, 5000, 0) || w.Notes != "Entered by hand" ||
		!w.Start.Equal(time.Date(2025, 12, 17, 18, 0, 0, 0, time.UTC)) {
		t.Fatalf("the manual activity: %+v", w)
	}
}

// TestImportStrengthCSV imports Strong's and Hevy's exports: rows become
// sets grouped into workouts, pounds become kilograms, warm-ups are
// marked, names map to built-in exercises where they can and to new ones
// of the user's where they cannot.
func TestImportStrengthCSV(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.must(200, "PUT", "/api/settings", UserSettings{Timezone: "Europe/Berlin", Units: "metric", WeekStart: "monday"})
	strong := "Date;Workout Name;Duration;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes\n" +
		"2025-12-01 18:00:00;Push day;1h 5m;Bench Press (Barbell);W;40;kg;10;;;;;;Felt strong\n" +
		"2025-12-01 18:00:00;Push day;1h 5m;Bench Press (Barbell);1;80;kg;5;8;;;;;Felt strong\n" +
		"2025-12-01 18:00:00;Push day;1h 5m;Cable Crossover;1;20;kg;12;;;;;;Felt strong\n" +
		"2025-12-03 18:00:00;Leg day;50m;Squat (Barbell);1;220.5;lbs;5;;;;;;\n"
	hevy := `"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes","set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"` + "\n" +
		`"Pull","5 Dec 2025, 07:00","5 Dec 2025, 08:10","","Deadlift (Barbell)","","",0,"warmup",60,5,,,` + "\n" +
		`"Pull","5 Dec 2025, 07:00","5 Dec 2025, 08:10","","Deadlift (Barbell)","","",1,"normal",140,3,,,9` + "\n" +
		`"Pull","5 Dec 2025, 07:00","5 Dec 2025, 08:10","","Pull Up","","",0,"normal",,8,,,` + "\n"
	sum := c.upload(map[string][]byte{"strong.csv": []byte(strong), "hevy_workouts.csv": []byte(hevy)})
	if sum.Imported != 3 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	byTitle := map[string]Workout{}
	for _, name := range []string{"strong.csv", "hevy_workouts.csv"} {
		for _, id := range resultFor(t, sum, name).Workouts {
			var w Workout
			c.must(200, "GET", "/api/workouts/"+id, nil).JSON(&w)
			byTitle[w.Title] = w
		}
	}
	push, legs, pull := byTitle["Push day"], byTitle["Leg day"], byTitle["Pull"]
	if len(push.Sets) != 3 || !push.Sets[0].Warmup || push.Sets[1].Exercise != "bench_press" || *push.Sets[1].WeightKg != 80 ||
		*push.Sets[1].RPE != 8 || push.Sets[2].Exercise != "cable_crossover" || push.DurationS != 3900 || push.Notes != "Felt strong" {
		t.Fatalf("Strong's push day: %+v", push)
	}
	if !push.Start.Equal(time.Date(2025, 12, 1, 17, 0, 0, 0, time.UTC)) { // 18:00 in Berlin
		t.Fatalf("push day starts %v", push.Start)
	}
	if legs.Sets[0].Exercise != "squat" || *legs.Sets[0].WeightKg != 100.02 || legs.DurationS != 3000 {
		t.Fatalf("Strong's leg day in pounds: %+v", legs)
	}
	if len(pull.Sets) != 3 || !pull.Sets[0].Warmup || pull.Sets[1].Exercise != "deadlift" || *pull.Sets[1].WeightKg != 140 ||
		pull.Sets[2].Exercise != "pull_up" || pull.Sets[2].WeightKg != nil || pull.DurationS != 4200 {
		t.Fatalf("Hevy's pull day: %+v", pull)
	}
	var exercises []Exercise
	c.must(200, "GET", "/api/exercises", nil).JSON(&exercises)
	if ex := exercises[len(exercises)-1]; !ex.Custom || ex.Name != "Cable Crossover" {
		t.Fatalf("the unknown exercise became %+v", ex)
	}
	// The same export again adds nothing.
	if again := c.upload(map[string][]byte{"strong.csv": []byte(strong)}); again.Imported != 0 || again.Duplicates != 2 {
		t.Fatalf("re-import %+v", again)
	}
	bad := c.upload(map[string][]byte{"bad.csv": []byte("Date,Exercise Name,Reps\nyesterday,Squat,5\n"), "other.csv": []byte("a,b\n1,2\n")})
	if bad.Failed != 2 || !strings.Contains(resultFor(t, bad, "bad.csv").Reason, "line 2") {
		t.Fatalf("bad CSVs: %+v", bad.Results)
	}
}

// TestExportImportRoundTrip fills an account with one of everything,
// exports it, imports the archive into an empty account of another
// fitcast, and exports that: the two archives hold the same data, file
// for file, but for when they were made and the user's name.
func TestExportImportRoundTrip(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.must(200, "PUT", "/api/settings", UserSettings{Timezone: "America/New_York", Units: "imperial", WeekStart: "sunday"})
	c.must(201, "POST", "/api/sports", map[string]string{"name": "Sea kayak", "kind": "distance"})
	c.must(201, "POST", "/api/exercises", map[string]string{"name": "Zercher squat"})
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "strength", "start": "2026-02-01T18:00:00Z", "duration_s": 3600, "title": "Legs", "rpe": 8,
		"sets": []map[string]any{{"exercise": "zercher_squat", "weight_kg": 90, "reps": 5}, {"exercise": "squat", "weight_kg": 40, "reps": 10, "warmup": true}}})
	var kayak Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "sea_kayak", "start": "2026-02-02T09:00:00Z", "duration_s": 1800, "distance_m": 4000, "notes": "calm sea"}).JSON(&kayak)
	c.must(200, "POST", "/api/workouts/"+kayak.ID+"/samples", map[string]any{"samples": runSeries()[:300]})
	c.must(200, "POST", "/api/workouts/"+kayak.ID+"/share", map[string]any{"map": false})
	imported := c.upload(map[string][]byte{"loop.gpx": gpxRun(600, importStart), "Activity.fit": mustReadFile(t, "testdata/import/Activity.fit")})
	if imported.Imported != 2 {
		t.Fatalf("setting up: %+v", imported.Results)
	}
	c.must(201, "POST", "/api/templates", map[string]any{"name": "Leg day", "sets": []map[string]any{{"exercise": "zercher_squat", "reps": 5}}})
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "distance", "sports": []string{"run", "sea_kayak"}, "target": 20000, "period": "week"})
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "lift", "exercise": "zercher_squat", "basis": "e1rm", "target": 120, "period": "year"})
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 81.5, "at": "2026-02-01T07:00:00Z"})
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 80.9, "at": "2026-02-08T07:00:00Z"})
	var g Game
	c.must(201, "POST", "/api/games", map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "unlisted"}).JSON(&g)
	for _, ev := range []map[string]any{{"kind": "score", "team": "home", "points": 3}, {"kind": "score", "team": "away", "points": 2}} {
		c.must(201, "POST", "/api/games/"+g.ID+"/events", ev)
	}
	c.must(201, "POST", "/api/games/"+g.ID+"/undo", nil)
	ts.clock.Advance(time.Hour)

	first := c.must(200, "GET", "/api/export", nil)
	if first.Header.Get("Content-Type") != "application/zip" || !strings.Contains(first.Header.Get("Content-Disposition"), "fitcast-ann-") {
		t.Fatalf("export headers %v", first.Header)
	}

	other := newTestServer(t, config{})
	other.clock.Advance(48 * time.Hour)
	bob := newClient(t, other.URL)
	bob.signUp("bob", "password123")
	restored := bob.upload(map[string][]byte{"fitcast-ann.zip": first.Body})
	if restored.Imported != 4 || restored.Failed != 0 {
		t.Fatalf("restore: %+v", restored.Results)
	}
	second := bob.must(200, "GET", "/api/export", nil)

	a, b := unzipAll(t, first.Body), unzipAll(t, second.Body)
	if len(a) != len(b) || len(a) != 7 { // the document, the sheet, 3 time series, 2 originals
		t.Fatalf("archives hold %d and %d files", len(a), len(b))
	}
	for name, data := range a {
		if name == exportDocName {
			continue
		}
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs after the round trip", name)
		}
	}
	var docA, docB map[string]any
	json.Unmarshal(a[exportDocName], &docA)
	json.Unmarshal(b[exportDocName], &docB)
	for _, d := range []map[string]any{docA, docB} {
		delete(d, "exported_at")
		delete(d["account"].(map[string]any), "username")
	}
	ja, _ := json.MarshalIndent(docA, "", " ")
	jb, _ := json.MarshalIndent(docB, "", " ")
	if !bytes.Equal(ja, jb) {
		t.Fatalf("fitcast.json differs after the round trip:\n%s\n----\n%s", ja, jb)
	}
	var doc exportDoc
	json.Unmarshal(a[exportDocName], &doc)
	if len(doc.Workouts) != 4 || len(doc.Goals) != 2 || len(doc.Weights) != 2 || len(doc.Games) != 1 || len(doc.Games[0].Events) != 3 ||
		len(doc.Templates) != 1 || len(doc.Sports) != 1 || len(doc.Exercises) != 1 || doc.Account.Units != "imperial" {
		t.Fatalf("the export misses something: %s", a[exportDocName])
	}
	// A second restore of the same archive adds nothing.
	if again := bob.upload(map[string][]byte{"fitcast-ann.zip": first.Body}); again.Imported != 0 || again.Duplicates != 4 {
		t.Fatalf("restoring twice: %+v", again.Results)
	}
	var goals []Goal
	bob.must(200, "GET", "/api/goals", nil).JSON(&goals)
	if len(goals) != 2 {
		t.Fatalf("%d goals after restoring twice", len(goals))
	}
}

func mustReadFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func unzipAll(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// TestImportCommand imports a folder and a file from the command line
// into a named account, then again to see duplicates skipped and a bad
// file reported with a failing exit.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	cli := func(stdin string, args ...string) (string, error) {
		var stdout, stderr syncBuffer
		err := run(context.Background(), append([]string{"-db", db}, args...), envMap(nil), strings.NewReader(stdin), &stdout, &stderr)
		return stdout.String(), err
	}
	if _, err := cli("password123\n", "user", "add", "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli("password123\n", "user", "add", "bob"); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(dir, "runs")
	os.MkdirAll(filepath.Join(runs, "2025"), 0o755)
	os.WriteFile(filepath.Join(runs, "2025", "a.gpx"), gpxRun(60, importStart), 0o644)
	os.WriteFile(filepath.Join(runs, "b.tcx"), tcxRide(60, importStart.Add(time.Hour)), 0o644)
	os.WriteFile(filepath.Join(runs, ".DS_Store"), []byte("junk"), 0o644)
	single := filepath.Join(dir, "Activity.fit")
	os.WriteFile(single, mustReadFile(t, "testdata/import/Activity.fit"), 0o644)

	if _, err := cli("", "import", runs); err == nil || !strings.Contains(err.Error(), "-user") {
		t.Fatalf("with two accounts and no -user: %v", err)
	}
	out, err := cli("", "import", "-user", "ann", runs, single)
	if err != nil || !strings.Contains(out, "3 files: 3 workouts imported, 0 duplicates skipped, 0 failed") {
		t.Fatalf("import: %q %v", out, err)
	}
	os.WriteFile(filepath.Join(runs, "bad.gpx"), []byte("<gpx"), 0o644)
	out, err = cli("", "import", "-user", "ann", runs)
	if err == nil || !strings.Contains(out, "bad.gpx") || !strings.Contains(out, "0 workouts imported, 2 duplicates skipped, 1 failed") {
		t.Fatalf("second import: %q %v", out, err)
	}
	store, err := OpenStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ann, _ := store.UserByName(context.Background(), "ann")
	list, err := store.Workouts(context.Background(), ann.ID, workoutFilter{Limit: 10})
	if err != nil || len(list) != 3 {
		t.Fatalf("ann has %d workouts, %v", len(list), err)
	}
}

// benchArchive is a zip of n activities as a Strava export holds them,
// alternating gzipped FIT and gzipped GPX, each a 1,000-point run on its
// own day: n×1,000 samples in all.
func benchArchive(b *testing.B, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		start := importStart.AddDate(0, 0, -i)
		var name string
		var data []byte
		if i%2 == 0 {
			name, data = fmt.Sprintf("activities/%d.gpx.gz", i), gz(gpxRun(1000, start))
		} else {
			samples := make([]Sample, 1000)
			for j := range samples {
				lat, hr := 45+float64(j)*3/earthRadiusM*180/math.Pi, float64(120+j%30)
				samples[j] = Sample{T: float64(j), Lat: &lat, Lon: new(7.0), HR: &hr}
			}
			fit, err := writeFIT(Workout{Sport: "run", Start: start, DurationS: 999}, samples)
			if err != nil {
				b.Fatal(err)
			}
			name, data = fmt.Sprintf("activities/%d.fit.gz", i), gz(fit)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

// BenchmarkImportArchive uploads a 1,000-activity archive and waits for
// the background import, while another client of the same user loads the
// dashboard over and over: files/s and samples/s for the import, and the
// dashboard's latency while it runs (the server must stay responsive).
func BenchmarkImportArchive(b *testing.B) {
	archive := benchArchive(b, 1000)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ts := newTestServer(b, config{})
		c := newClient(b, ts.URL)
		c.signUp("ann", "password123")
		other := newClient(b, ts.URL)
		other.logIn("ann", "password123")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("file", "export.zip")
		w.Write(archive)
		mw.Close()
		b.StartTimer()
		began := time.Now()
		var sum importSummary
		c.must202(body.String(), mw.FormDataContentType()).JSON(&sum)
		var lat []time.Duration
		for sum.FinishedAt == nil {
			t0 := time.Now()
			other.must(200, "GET", "/api/dashboard", nil)
			lat = append(lat, time.Since(t0))
			c.must(200, "GET", fmt.Sprintf("/api/imports/%d", sum.ID), nil).JSON(&sum)
			time.Sleep(50 * time.Millisecond)
		}
		elapsed := time.Since(began)
		b.StopTimer()
		if sum.Imported != 1000 {
			b.Fatalf("imported %d of 1000: %+v", sum.Imported, sum.Results[:min(3, len(sum.Results))])
		}
		slices.Sort(lat)
		b.ReportMetric(float64(len(archive))/(1<<20), "archive_MB")
		b.ReportMetric(1000/elapsed.Seconds(), "files/s")
		b.ReportMetric(1000*1000/elapsed.Seconds(), "samples/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "dashboard_p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "dashboard_p99_ms")
		b.StartTimer()
	}
}

// BenchmarkExportTenYears writes the export of ten years of one athlete's
// data (see tenYears): 5,000 workouts, 5 M samples.
func BenchmarkExportTenYears(b *testing.B) {
	store, err := OpenStore(tenYears(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	u, err := store.UserByName(context.Background(), "athlete")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		var n countingWriter
		if err := store.writeExport(context.Background(), u, &n); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/(1<<20), "zip_MB")
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

// multisportFIT is a FIT file as a watch records a duathlon: a 600 s run,
// a 60 s transition and a 600 s ride, one record a second, with distance
// running on across the parts (3 m/s running, 8 m/s riding).
func multisportFIT(t *testing.T, start time.Time) []byte {
	t.Helper()
	act := filedef.NewActivity()
	act.FileId.SetType(typedef.FileActivity).SetTimeCreated(start).SetManufacturer(typedef.ManufacturerDevelopment).SetProduct(1)
	dist := 0.0
	for i := 0; i <= 1260; i++ {
		switch {
		case i < 600:
			dist += 3
		case i >= 660:
			dist += 8
		}
		lat := 45 + dist/earthRadiusM*180/math.Pi
		act.Records = append(act.Records, mesgdef.NewRecord(nil).SetTimestamp(start.Add(time.Duration(i)*time.Second)).
			SetPositionLatDegrees(lat).SetPositionLongDegrees(7).SetDistanceScaled(dist).SetHeartRate(uint8(120+i%40)))
	}
	part := func(from, to int, sport typedef.Sport) *mesgdef.Session {
		return mesgdef.NewSession(nil).SetStartTime(start.Add(time.Duration(from) * time.Second)).SetTimestamp(start.Add(time.Duration(to) * time.Second)).
			SetSport(sport).SetTotalElapsedTimeScaled(float64(to - from)).SetTotalTimerTimeScaled(float64(to - from)).
			SetEvent(typedef.EventSession).SetEventType(typedef.EventTypeStop)
	}
	act.Sessions = append(act.Sessions, part(0, 600, typedef.SportRunning), part(600, 660, typedef.SportTransition), part(660, 1260, typedef.SportCycling))
	act.Activity = mesgdef.NewActivity(nil).SetTimestamp(start.Add(1260 * time.Second)).SetNumSessions(3)
	return encodeFIT(t, act)
}

// TestImportMultisportFIT imports a duathlon recorded as one FIT file: it
// becomes a run and a ride, each with its own records and distance from
// zero, and the transition is left out.
func TestImportMultisportFIT(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	sum := c.upload(map[string][]byte{"duathlon.fit": multisportFIT(t, importStart)})
	r := resultFor(t, sum, "duathlon.fit")
	if sum.Imported != 2 || len(r.Workouts) != 2 {
		t.Fatalf("duathlon: %+v", r)
	}
	var run, ride Workout
	var runCols, rideCols sampleColumns
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0], nil).JSON(&run)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[1], nil).JSON(&ride)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0]+"/samples", nil).JSON(&runCols)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[1]+"/samples", nil).JSON(&rideCols)
	if run.Sport != "run" || run.DurationS != 600 || len(runCols.T) != 600 || !near(run.DistanceM, 1797, 0.5) || !run.Start.Equal(importStart) {
		t.Fatalf("the run: %+v, %d samples", run, len(runCols.T))
	}
	if ride.Sport != "ride" || ride.DurationS != 600 || len(rideCols.T) != 601 || *rideCols.Dist[0] != 0 || !near(ride.DistanceM, 4800, 0.5) ||
		!ride.Start.Equal(importStart.Add(660*time.Second)) {
		t.Fatalf("the ride: %+v, %d samples from %v m", ride, len(rideCols.T), *rideCols.Dist[0])
	}
}
