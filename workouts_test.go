package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func run30min(start string) map[string]any {
	return map[string]any{"sport": "run", "start": start, "duration_s": 1800, "distance_m": 6000, "title": "Morning run", "notes": "easy"}
}

func TestWorkoutCRUD(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	events := c.mustDialWS("/ws")
	events.subscribe(userTopic(ann.ID), nil)

	var w Workout
	c.must(201, "POST", "/api/workouts", run30min("2026-02-20T07:00:00+01:00")).JSON(&w)
	if w.ID == "" || w.Sport != "run" || !w.Start.Equal(time.Date(2026, 2, 20, 6, 0, 0, 0, time.UTC)) || w.DurationS != 1800 || *w.DistanceM != 6000 {
		t.Fatalf("created %+v", w)
	}
	if m := events.expect(opMsg); !strings.Contains(string(m.Data), `"workout.created"`) {
		t.Fatalf("other screens not told: %s", m.Data)
	}

	// A client-chosen id makes a retry harmless.
	id := "0b8e5f4a-3c1d-4e2f-9a7b-6c5d4e3f2a1b"
	body := run30min("2026-02-21T07:00:00Z")
	body["id"] = id
	c.must(201, "POST", "/api/workouts", body)
	var again Workout
	c.must(200, "POST", "/api/workouts", body).JSON(&again)
	if again.ID != id {
		t.Fatalf("retry returned %s", again.ID)
	}
	var page struct {
		Items []Workout
	}
	c.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 2 || page.Items[0].ID != id {
		t.Fatalf("list after retry: %+v", page.Items)
	}

	upd := run30min("2026-02-21T07:00:00Z")
	upd["title"] = "Tempo"
	upd["distance_m"] = 7000.0
	var updated Workout
	c.must(200, "PUT", "/api/workouts/"+id, upd).JSON(&updated)
	if updated.Title != "Tempo" || *updated.DistanceM != 7000 {
		t.Fatalf("updated %+v", updated)
	}
	c.must(204, "DELETE", "/api/workouts/"+id, nil)
	if r := c.do("GET", "/api/workouts/"+id, nil); r.Status != 404 {
		t.Fatalf("deleted workout: %d", r.Status)
	}
}

func TestStrengthWorkoutAndLiftRecords(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var ex Exercise
	c.must(201, "POST", "/api/exercises", map[string]string{"name": "Zercher squat"}).JSON(&ex)
	if ex.Key != "zercher_squat" || !ex.Custom {
		t.Fatalf("custom exercise %+v", ex)
	}
	session := func(start string, sets ...map[string]any) Workout {
		var w Workout
		c.must(201, "POST", "/api/workouts", map[string]any{"sport": "strength", "start": start, "duration_s": 3600, "sets": sets}).JSON(&w)
		return w
	}
	w1 := session("2026-02-01T18:00:00Z",
		map[string]any{"exercise": "bench_press", "reps": 10, "weight_kg": 60, "warmup": true},
		map[string]any{"exercise": "bench_press", "reps": 5, "weight_kg": 100, "rpe": 8.5, "rest_s": 180},
		map[string]any{"exercise": "zercher_squat", "reps": 3, "weight_kg": 90})
	if len(w1.Sets) != 3 || w1.Sets[0].E1RMKg != nil || *w1.Sets[1].E1RMKg != 116.7 {
		t.Fatalf("sets %+v", w1.Sets)
	}
	w2 := session("2026-02-08T18:00:00Z", map[string]any{"exercise": "bench_press", "reps": 1, "weight_kg": 110})

	var rec Records
	c.must(200, "GET", "/api/records", nil).JSON(&rec)
	var bench LiftRecord
	for _, l := range rec.Lifts {
		if l.Exercise == "bench_press" {
			bench = l
		}
	}
	// Heaviest is the 110 kg single; the best estimate is 100 × (1 + 5/30).
	if bench.HeaviestKg != 110 || bench.HeaviestWorkout != w2.ID || bench.E1RMKg != 116.7 || bench.E1RMWorkout != w1.ID || rec.Formula == "" {
		t.Fatalf("bench record %+v", bench)
	}
	var d workoutDetail
	c.must(200, "GET", "/api/workouts/"+w1.ID, nil).JSON(&d)
	if !strings.Contains(strings.Join(d.Records, ","), "Best e1RM Bench press") {
		t.Fatalf("records held by w1: %v", d.Records)
	}
}

func TestWorkoutBadInput(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	future := ts.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
	base := func(k string, v any) map[string]any {
		m := run30min("2026-02-20T07:00:00Z")
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"unknown sport", base("sport", "curling"), "sport"},
		{"no sport", base("sport", nil), "sport"},
		{"bad start", base("start", "yesterday"), "start"},
		{"start before 1900", base("start", "1899-12-31T00:00:00Z"), "start"},
		{"start in the future", base("start", future), "start"},
		{"no duration", base("duration_s", nil), "duration_s"},
		{"negative duration", base("duration_s", -5), "duration_s"},
		{"over a week", base("duration_s", 8*24*3600), "duration_s"},
		{"negative distance", base("distance_m", -1), "distance_m"},
		{"huge number", `{"sport":"run","start":"2026-02-20T07:00:00Z","duration_s":1e400}`, "duration_s"},
		{"heart rate too low", base("avg_hr", 5), "avg_hr"},
		{"heart rate too high", base("max_hr", 300), "max_hr"},
		{"rpe", base("rpe", 11), "rpe"},
		{"title too long", base("title", strings.Repeat("t", 201)), "title"},
		{"notes too long", base("notes", strings.Repeat("n", 10_001)), "notes"},
		{"bad id", base("id", "not-a-uuid"), "id"},
		{"unknown exercise", map[string]any{"sport": "strength", "start": "2026-02-20T07:00:00Z", "duration_s": 60,
			"sets": []map[string]any{{"exercise": "juggling", "reps": 5}}}, "sets[0].exercise"},
		{"too heavy", map[string]any{"sport": "strength", "start": "2026-02-20T07:00:00Z", "duration_s": 60,
			"sets": []map[string]any{{"exercise": "squat", "reps": 5, "weight_kg": 1200}}}, "sets[0].weight_kg"},
		{"negative reps", map[string]any{"sport": "strength", "start": "2026-02-20T07:00:00Z", "duration_s": 60,
			"sets": []map[string]any{{"exercise": "squat", "reps": -1}}}, "sets[0].reps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/api/workouts", tc.body)
			var e errorBody
			r.JSON(&e)
			if r.Status != 400 || e.Error.Field != tc.field {
				t.Fatalf("got %d %s, want 400 naming %s", r.Status, r.Body, tc.field)
			}
		})
	}
	var page struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 0 {
		t.Fatalf("rejected workouts were stored: %d", len(page.Items))
	}
	var w Workout
	c.must(201, "POST", "/api/workouts", run30min("2026-02-20T07:00:00Z")).JSON(&w)
	for _, bad := range []string{`{"samples":[{"t":-1}]}`, `{"samples":[{"t":1,"hr":400}]}`, `{"samples":[{"t":1,"lat":91,"lon":0}]}`,
		`{"samples":[{"t":1,"lat":50}]}`, `{"samples":[]}`, `{"samples":[{"t":"x"}]}`} {
		if r := c.do("POST", "/api/workouts/"+w.ID+"/samples", bad); r.Status != 400 {
			t.Errorf("samples %s: %d %s", bad, r.Status, r.Body)
		}
	}
	for _, q := range []string{"limit=0", "limit=1000", "cursor=!!!", "from=tomorrow", "q=" + strings.Repeat("q", 300)} {
		if r := c.do("GET", "/api/workouts?"+q, nil); r.Status != 400 {
			t.Errorf("list ?%s: %d", q, r.Status)
		}
	}
}

// TestWorkoutsCrossUser: bob tries everything on ann's workout.
func TestWorkoutsCrossUser(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	var w Workout
	ann.must(201, "POST", "/api/workouts", run30min("2026-02-20T07:00:00Z")).JSON(&w)
	ann.must(201, "POST", "/api/sports", map[string]string{"name": "Sea kayak", "kind": "distance"})

	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/workouts/" + w.ID, nil},
		{"PUT", "/api/workouts/" + w.ID, run30min("2026-02-20T07:00:00Z")},
		{"DELETE", "/api/workouts/" + w.ID, nil},
		{"GET", "/api/workouts/" + w.ID + "/samples", nil},
		{"POST", "/api/workouts/" + w.ID + "/samples", map[string]any{"samples": []map[string]any{{"t": 1, "hr": 120}}}},
		{"POST", "/api/workouts/" + w.ID + "/share", map[string]any{}},
		{"DELETE", "/api/workouts/" + w.ID + "/share", nil},
	} {
		if r := bob.do(tc.method, tc.path, tc.body); r.Status != 404 {
			t.Errorf("bob %s %s: %d", tc.method, tc.path, r.Status)
		}
	}
	// Reusing ann's id does not touch ann's workout.
	steal := run30min("2026-02-20T07:00:00Z")
	steal["id"] = w.ID
	if r := bob.do("POST", "/api/workouts", steal); r.Status != 409 {
		t.Errorf("bob reusing ann's id: %d", r.Status)
	}
	var page struct{ Items []Workout }
	bob.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 0 {
		t.Fatalf("bob lists ann's workouts")
	}
	var rec Records
	bob.must(200, "GET", "/api/records", nil).JSON(&rec)
	if len(rec.LongestDistance) != 0 {
		t.Fatalf("bob sees ann's records")
	}
	if r := bob.do("POST", "/api/workouts", map[string]any{"sport": "sea_kayak", "start": "2026-02-20T07:00:00Z", "duration_s": 60}); r.Status != 400 {
		t.Fatalf("bob used ann's custom sport: %d", r.Status)
	}
	var got Workout
	ann.must(200, "GET", "/api/workouts/"+w.ID, nil).JSON(&got)
	if got.Title != "Morning run" {
		t.Fatalf("ann's workout changed: %+v", got)
	}
}

// synthRun makes a run of n seconds at speed m/s, with one faster stretch,
// sampled every second along a meridian, so distances come from positions.
func synthRun(n int, speed float64, fastFrom, fastTo int, fastSpeed float64) []map[string]any {
	var out []map[string]any
	dist := 0.0
	for i := 0; i <= n; i++ {
		if i > 0 {
			if i > fastFrom && i <= fastTo {
				dist += fastSpeed
			} else {
				dist += speed
			}
		}
		lat := 45 + dist/earthRadiusM*180/math.Pi
		out = append(out, map[string]any{"t": i, "lat": lat, "lon": 7.0, "hr": 150})
	}
	return out
}

func TestRunRecordsFromSamples(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	// 3,000 s at 4 m/s, with 400 s at 5 m/s from t=1000: 12,400 m in all.
	var w Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-01T08:00:00Z", "duration_s": 3000, "distance_m": 12400}).JSON(&w)
	samples := synthRun(3000, 4, 1000, 1400, 5)
	c.must(200, "POST", "/api/workouts/"+w.ID+"/samples", map[string]any{"samples": samples})

	var rec Records
	c.must(200, "GET", "/api/records", nil).JSON(&rec)
	got := map[string]float64{}
	for _, e := range rec.Efforts {
		got[e.Name] = e.Seconds
	}
	// Fastest 1 km: inside the fast stretch, 1000/5 = 200 s. Fastest 5 km:
	// the 2,000 m fast stretch plus 3,000 m at 4 m/s = 400 + 750 = 1150 s.
	// 10 km: 2000 fast + 8000 slow = 400 + 2000 = 2400 s.
	want := map[string]float64{"1 km": 200, "5 km": 1150, "10 km": 2400}
	for name, secs := range want {
		if math.Abs(got[name]-secs) > 0.5 {
			t.Errorf("%s: %.2f s, want %.0f", name, got[name], secs)
		}
	}
	if _, ok := got["Half marathon"]; ok {
		t.Error("a 12.4 km run holds a half-marathon record")
	}
	var d workoutDetail
	c.must(200, "GET", "/api/workouts/"+w.ID, nil).JSON(&d)
	if len(d.Splits) != 13 || math.Abs(d.Splits[0].Seconds-250) > 0.5 || math.Abs(d.Splits[12].Meters-400) > 1 {
		t.Fatalf("splits %+v", d.Splits)
	}
	// Kilometre 2 (1000-2000 m) is 250 s; kilometre 5 (4000-5000 m) lies inside the fast part.
	if math.Abs(d.Splits[4].Seconds-200) > 0.5 {
		t.Errorf("split 5: %.1f s, want 200", d.Splits[4].Seconds)
	}
	for i, sp := range d.Splits {
		if sp.Partial != (i == 12) {
			t.Errorf("split %d (%.0f m) partial = %v", sp.Index, sp.Meters, sp.Partial)
		}
	}
	// The first run with a 5 km in it holds no badge: a first is not a record.
	if len(d.Records) != 0 {
		t.Errorf("the first run holds records %v", d.Records)
	}
	// A slower second run makes the first one's 5 km a record worth showing.
	var w2 Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-02T08:00:00Z", "duration_s": 1500, "distance_m": 5400}).JSON(&w2)
	c.must(200, "POST", "/api/workouts/"+w2.ID+"/samples", map[string]any{"samples": synthRun(1500, 3.6, 0, 0, 3.6)})
	c.must(200, "GET", "/api/workouts/"+w.ID, nil).JSON(&d)
	if !strings.Contains(strings.Join(d.Records, ","), "Fastest 5 km") {
		t.Errorf("records held: %v", d.Records)
	}
	var d2 workoutDetail
	c.must(200, "GET", "/api/workouts/"+w2.ID, nil).JSON(&d2)
	if len(d2.Records) != 0 {
		t.Errorf("the slower, shorter run holds %v", d2.Records)
	}
	var cols sampleColumns
	c.must(200, "GET", "/api/workouts/"+w.ID+"/samples", nil).JSON(&cols)
	if len(cols.T) != 3001 || *cols.HR[10] != 150 || math.Abs(*cols.Dist[3000]-12400) > 1 {
		t.Fatalf("sample columns: %d points, last dist %v", len(cols.T), *cols.Dist[3000])
	}
	// Re-sending the same samples changes nothing.
	c.must(200, "POST", "/api/workouts/"+w.ID+"/samples", map[string]any{"samples": samples[:10]})
	c.must(200, "GET", "/api/workouts/"+w.ID+"/samples", nil).JSON(&cols)
	if len(cols.T) != 3001 {
		t.Fatalf("re-sent samples duplicated: %d", len(cols.T))
	}
}

func TestHistoryPagingFiltersCalendar(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.must(200, "PUT", "/api/settings", map[string]string{"timezone": "America/New_York", "units": "imperial"})
	for i := 0; i < 25; i++ {
		sport := "run"
		if i%5 == 0 {
			sport = "ride"
		}
		start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, i*2)
		c.must(201, "POST", "/api/workouts", map[string]any{"sport": sport, "start": start.Format(time.RFC3339), "duration_s": 600, "distance_m": 2000, "title": fmt.Sprintf("w%02d", i)})
	}
	// 02:30 UTC on 1 Feb is still 31 January in New York.
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-02-01T02:30:00Z", "duration_s": 600, "title": "late"})

	var all []Workout
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Items      []Workout
			NextCursor string `json:"next_cursor"`
		}
		c.must(200, "GET", "/api/workouts?limit=10&cursor="+cursor, nil).JSON(&page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 26 {
		t.Fatalf("paged through %d workouts, want 26", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Start.After(all[i-1].Start) {
			t.Fatal("not newest first")
		}
	}
	var rides struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts?sport=ride", nil).JSON(&rides)
	if len(rides.Items) != 5 {
		t.Fatalf("%d rides", len(rides.Items))
	}
	var found struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts?q=w1&from=2026-01-01&to=2026-02-01", nil).JSON(&found)
	if len(found.Items) != 6 { // w10..w15; w16 on 2 February is past the range
		t.Fatalf("text+date filter: %d", len(found.Items))
	}

	var cal struct {
		Days []dayEntry
	}
	c.must(200, "GET", "/api/calendar?month=2026-01", nil).JSON(&cal)
	last := cal.Days[len(cal.Days)-1]
	if last.Date != "2026-01-31" || last.Workouts[len(last.Workouts)-1].Title != "late" {
		t.Fatalf("calendar's last day %+v", last)
	}
	var heat struct {
		Days []dayEntry
	}
	c.must(200, "GET", "/api/heatmap?year=2026", nil).JSON(&heat)
	total := 0
	for _, d := range heat.Days {
		total += d.Count
	}
	if total != 26 {
		t.Fatalf("heatmap counts %d workouts", total)
	}
	for _, q := range []string{"/api/calendar?month=2026-13", "/api/heatmap?year=abc"} {
		if r := c.do("GET", q, nil); r.Status != 400 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	if r := c.do("PUT", "/api/settings", map[string]string{"timezone": "Mars/Olympus", "units": "metric"}); r.Status != 400 {
		t.Errorf("unknown time zone: %d", r.Status)
	}
}

func TestWorkoutShareLink(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var w Workout
	c.must(201, "POST", "/api/workouts", run30min("2026-03-01T08:00:00Z")).JSON(&w)
	c.must(200, "POST", "/api/workouts/"+w.ID+"/samples", map[string]any{"samples": synthRun(60, 4, 0, 0, 4)})

	var share struct {
		Token string
		Path  string
	}
	c.must(200, "POST", "/api/workouts/"+w.ID+"/share", map[string]any{"show_map": false}).JSON(&share)
	if len(share.Token) < 40 || share.Path != "/w/"+share.Token {
		t.Fatalf("share %+v", share)
	}
	anon := newClient(t, ts.URL)
	var pub map[string]any
	r := anon.must(200, "GET", "/api/public/workouts/"+share.Token, nil)
	r.JSON(&pub)
	if pub["title"] != "Morning run" || pub["notes"] != nil || strings.Contains(string(r.Body), `"lat":[45`) {
		t.Fatalf("public view leaks: %s", r.Body[:min(len(r.Body), 400)])
	}
	c.must(204, "DELETE", "/api/workouts/"+w.ID+"/share", nil)
	if r := anon.do("GET", "/api/public/workouts/"+share.Token, nil); r.Status != 404 {
		t.Fatalf("revoked link: %d", r.Status)
	}
}

// tenYears builds (once, then reuses) a database holding ten years of one
// athlete: 5,000 workouts, 4,000 of them runs with 1,250 GPS, heart-rate
// and power samples each (5 million samples), and 1,000 strength sessions.
func tenYears(b *testing.B) string {
	// Named by a hash of the whole schema, not only its version: branches
	// that each append a migration share a version number, not a schema.
	schema := crc32.ChecksumIEEE([]byte(strings.Join(migrations, "")))
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fitcast-bench-10y-v%d-%08x.db", schemaVersion, schema))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	b.Logf("building %s (once)", path)
	s, err := OpenStore(path+".tmp", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "athlete", hashPassword("password123"), false, false, false)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2016, 11, 1, 6, 0, 0, 0, time.UTC)
	const workouts, perRun = 5000, 1250
	for i := 0; i < workouts; i++ {
		w := Workout{ID: uuid.NewString(), Sport: "run", Start: start.Add(time.Duration(i) * 17 * time.Hour), DurationS: perRun * 2, Title: fmt.Sprintf("Workout %d", i)}
		var samples []Sample
		if i%5 == 4 {
			w.Sport = "strength"
			for k := 0; k < 12; k++ {
				reps, kg := 5, 60+float64(i%40)
				e := epley(kg, reps)
				w.Sets = append(w.Sets, WorkoutSet{Exercise: builtinExercises[k%4].Key, Reps: &reps, WeightKg: &kg, E1RMKg: &e})
			}
		} else {
			speed := 3 + float64(i%7)*0.2
			d := speed * perRun * 2
			w.DistanceM = &d
			for k := 0; k < perRun; k++ {
				lat, lon, hr, dist := 52+float64(k)*speed*2/111_000, 13.0, 130+float64(k%30), float64(k)*speed*2
				power := 200 + float64((k+i)%40) // a running power meter, for the power curve
				samples = append(samples, Sample{T: float64(k * 2), Lat: &lat, Lon: &lon, HR: &hr, Dist: &dist, Power: &power})
			}
		}
		if _, _, err := s.CreateWorkout(ctx, u.ID, w); err != nil {
			b.Fatal(err)
		}
		if samples != nil {
			if err := s.AddSamples(ctx, u.ID, w.ID, samples); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Goals as a keen athlete keeps them, created at the start of the ten years.
	for _, g := range []Goal{
		{Title: "40 km a week", Kind: goalVolume, Metric: "distance", Sports: []string{"run"}, Target: 40000, Period: periodWeek, Status: "active"},
		{Title: "12 sessions a month", Kind: goalVolume, Metric: "workouts", Sports: []string{}, Target: 12, Period: periodMonth, Status: "active"},
		{Title: "Bench 100", Kind: goalLift, Exercise: "bench_press", Basis: "weight", Sports: []string{}, Target: 100, Period: "", Status: "active"},
	} {
		if _, err := s.SaveGoal(ctx, u.ID, g); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.writer.Exec("UPDATE goals SET created_at = ?", ms(start)); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkTenYearsOfHistory times the history pages against ten years of
// data, through the HTTP API. Target: each under 50 ms.
func BenchmarkTenYearsOfHistory(b *testing.B) {
	path := tenYears(b)
	store, err := OpenStore(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	srv, err := newServer(config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer func() { srv.hub.Close(context.Background()); ts.Close() }()
	c := newClient(b, ts.URL)
	c.logIn("athlete", "password123")

	var page struct {
		Items      []Workout
		NextCursor string `json:"next_cursor"`
	}
	c.must(200, "GET", "/api/workouts?limit=50", nil).JSON(&page)
	var runID string
	for _, w := range page.Items {
		if w.Sport == "run" {
			runID = w.ID
			break
		}
	}
	// A cursor deep in the history: page 60 of 100.
	deep := ""
	for i := 0; i < 60; i++ {
		var p struct {
			NextCursor string `json:"next_cursor"`
		}
		c.must(200, "GET", "/api/workouts?limit=50&cursor="+deep, nil).JSON(&p)
		deep = p.NextCursor
	}
	for _, q := range []struct{ name, path string }{
		{"history_first_page", "/api/workouts?limit=50"},
		{"history_page_60", "/api/workouts?limit=50&cursor=" + deep},
		{"history_filtered", "/api/workouts?limit=50&sport=strength&q=Workout%2012"},
		{"calendar_month", "/api/calendar?month=2021-06"},
		{"heatmap_year", "/api/heatmap?year=2021"},
		{"detail", "/api/workouts/" + runID},
		{"detail_samples", "/api/workouts/" + runID + "/samples"},
		{"records", "/api/records"},
		{"dashboard", "/api/dashboard"},
		{"goals_with_progress", "/api/goals"},
		{"stats_weeks_10y", "/api/stats?bucket=week&from=2016-11-01"},
		{"stats_months_10y", "/api/stats?bucket=month&from=2016-11-01"},
		{"stats_default", "/api/stats"},
		{"fitness_10y", "/api/fitness?from=2016-11-01&to=2026-11-01"},
		{"fitness_default", "/api/fitness"},
		{"power_curve", "/api/power-curve"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.must(200, "GET", q.path, nil)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var tpl Template
	c.must(201, "POST", "/api/templates", map[string]any{"name": "Push day", "sets": []map[string]any{
		{"exercise": "bench_press", "reps": 5, "weight_kg": 80}, {"exercise": "overhead_press", "reps": 8, "weight_kg": 40}}}).JSON(&tpl)
	if tpl.ID == 0 || len(tpl.Sets) != 2 || *tpl.Sets[0].E1RMKg != 93.3 {
		t.Fatalf("template %+v", tpl)
	}
	for _, bad := range []map[string]any{
		{"name": "", "sets": []map[string]any{{"exercise": "squat"}}},
		{"name": "Empty", "sets": []map[string]any{}},
		{"name": "Unknown", "sets": []map[string]any{{"exercise": "juggling"}}},
		{"name": "Heavy", "sets": []map[string]any{{"exercise": "squat", "weight_kg": 5000}}},
	} {
		if r := c.do("POST", "/api/templates", bad); r.Status != 400 {
			t.Errorf("template %v: %d %s", bad, r.Status, r.Body)
		}
	}
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	var list []Template
	bob.must(200, "GET", "/api/templates", nil).JSON(&list)
	if len(list) != 0 {
		t.Fatal("bob sees ann's templates")
	}
	if r := bob.do("DELETE", fmt.Sprintf("/api/templates/%d", tpl.ID), nil); r.Status != 404 {
		t.Fatalf("bob deleting ann's template: %d", r.Status)
	}
	c.must(200, "GET", "/api/templates", nil).JSON(&list)
	if len(list) != 1 || list[0].Name != "Push day" {
		t.Fatalf("ann's templates %+v", list)
	}
	c.must(204, "DELETE", fmt.Sprintf("/api/templates/%d", tpl.ID), nil)
}

func TestCustomSportsAndExercises(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var sp Sport
	c.must(201, "POST", "/api/sports", map[string]string{"name": "Sea kayak!", "kind": "distance"}).JSON(&sp)
	if sp.Key != "sea_kayak" || sp.Kind != "distance" || !sp.Custom {
		t.Fatalf("sport %+v", sp)
	}
	for _, bad := range []map[string]string{
		{"name": "Sea kayak", "kind": "distance"}, // taken
		{"name": "Run", "kind": "distance"},       // a built-in
		{"name": "Tai chi", "kind": "mindful"},
		{"name": "", "kind": "duration"},
		{"name": "!!!", "kind": "duration"},
		{"name": strings.Repeat("x", 101), "kind": "duration"},
	} {
		if r := c.do("POST", "/api/sports", bad); r.Status != 400 && r.Status != 409 {
			t.Errorf("sport %v: %d", bad, r.Status)
		}
	}
	var sports []Sport
	c.must(200, "GET", "/api/sports", nil).JSON(&sports)
	if len(sports) != len(builtinSports)+1 || sports[len(sports)-1].Key != "sea_kayak" {
		t.Fatalf("%d sports", len(sports))
	}
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "sea_kayak", "start": "2026-02-20T07:00:00Z", "duration_s": 3600, "distance_m": 9000})
	if r := c.do("POST", "/api/exercises", map[string]string{"name": "Bench press"}); r.Status != 409 {
		t.Errorf("exercise clashing with a built-in: %d", r.Status)
	}
}
