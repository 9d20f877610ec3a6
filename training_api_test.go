package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// trainingDetail is the training part of GET /api/workouts/{id}.
type trainingDetail struct {
	ID           string     `json:"id"`
	HRZones      []float64  `json:"hr_zones"`
	HRZoneBounds []float64  `json:"hr_zone_bounds"`
	HRZonesEst   bool       `json:"hr_zones_estimated"`
	PowerZones   []float64  `json:"power_zones"`
	Load         *loadValue `json:"load"`
	NP           *float64   `json:"normalized_power"`
	Intensity    *float64   `json:"intensity"`
	PowerRecords []int      `json:"power_records"`
}

// steadySamples is n samples 10 s apart at a steady heart rate and power
// (0 for none): (n-1) × 10 seconds of effort.
func steadySamples(n int, hr, power float64) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		m := map[string]any{"t": float64(i * 10)}
		if hr > 0 {
			m["hr"] = hr
		}
		if power > 0 {
			m["power"] = power
		}
		out[i] = m
	}
	return out
}

// logWorkout creates a workout and posts its samples, returning its id.
func logWorkout(c *client, sport, start string, durationS float64, samples []map[string]any, extra map[string]any) string {
	c.t.Helper()
	body := map[string]any{"sport": sport, "start": start, "duration_s": durationS}
	for k, v := range extra {
		body[k] = v
	}
	var w Workout
	c.must(201, "POST", "/api/workouts", body).JSON(&w)
	if samples != nil {
		c.must(200, "POST", "/api/workouts/"+w.ID+"/samples", map[string]any{"samples": samples})
	}
	return w.ID
}

func (c *client) training(id string) trainingDetail {
	c.t.Helper()
	var d trainingDetail
	c.must(200, "GET", "/api/workouts/"+id, nil).JSON(&d)
	return d
}

func (c *client) setting(key string, value any, from string) {
	c.t.Helper()
	c.must(200, "POST", "/api/athlete/settings", map[string]any{"key": key, "value": value, "from": from})
}

// TestTrainingLoadAndZones follows one athlete: a first run with heart rate
// gets zones and a load from estimates; settings make them exact; a
// setting from a later day changes only the later workout; an edit moves a
// workout under other settings; a ride with power gets TSS; a workout
// without samples gets its load from RPE; deleting the workout the
// estimate rested on changes the estimate.
func TestTrainingLoadAndZones(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")

	// 3600 s at 120 bpm, then 600 s at 180 bpm (361 + 61 samples, 10 s apart).
	samples := append(steadySamples(361, 120, 0), steadySamples(61, 180, 0)...)
	for i := 361; i < len(samples); i++ {
		samples[i]["t"] = 3610 + float64(i-361)*10
	}
	run := logWorkout(c, "run", "2026-02-01T07:00:00Z", 4210, samples, nil)
	d := c.training(run)
	// Estimated maximum 180 (the highest heart rate seen), resting 60
	// (the default): zones from 50 % of 180 = 90, 108, 126, 144, 162 bpm.
	// 120 bpm is zone 2 for 3600 s (+10 s for the step's first sample);
	// 180 bpm is zone 5 for 600 s.
	if !equalFloats(d.HRZoneBounds, []float64{90, 108, 126, 144, 162}) || !equalFloats(d.HRZones, []float64{0, 3610, 0, 0, 600}) {
		t.Fatalf("estimated zones %v %v", d.HRZoneBounds, d.HRZones)
	}
	// TRIMP: 60.1667 min at HRr 0.5 → 60.1667 × 0.5 × 0.64 × e^0.96 =
	// 50.2839; 10 min at HRr 1 → 10 × 0.64 × e^1.92 = 43.6541; 93.9.
	if d.Load == nil || d.Load.Method != "trimp" || !d.Load.Estimated || d.Load.Value != 93.9 || !d.HRZonesEst {
		t.Fatalf("estimated load %+v", d.Load)
	}

	// The athlete's own values: the resting heart rate, first entered for
	// today, applies to earlier workouts too (a first entry covers the
	// time before it); the load is no longer an estimate.
	c.setting("max_hr", 200, "2026-01-15")
	c.setting("rest_hr", 50, "2026-03-01")
	d = c.training(run)
	// HRr: (120-50)/150 = 0.4667 and (180-50)/150 = 0.8667.
	want := 60.1667*0.46667*0.64*math.Exp(1.92*0.46667) + 10*0.86667*0.64*math.Exp(1.92*0.86667)
	if d.Load == nil || d.Load.Estimated || math.Abs(d.Load.Value-want) > 0.1 {
		t.Fatalf("load with settings %+v, want %.1f", d.Load, want)
	}
	if !equalFloats(d.HRZoneBounds, []float64{100, 120, 140, 160, 180}) || !equalFloats(d.HRZones, []float64{0, 3610, 0, 0, 600}) || d.HRZonesEst {
		t.Fatalf("zones with settings %v %v", d.HRZoneBounds, d.HRZones)
	}
	before := d.Load.Value

	// A later run, and a new maximum from 2026-02-15 on: only the later
	// run changes.
	later := logWorkout(c, "run", "2026-02-20T07:00:00Z", 3600, steadySamples(361, 120, 0), nil)
	laterLoad := c.training(later).Load.Value
	c.setting("max_hr", 190, "2026-02-15")
	if got := c.training(run).Load.Value; got != before {
		t.Fatalf("a setting from 15 Feb changed a 1 Feb workout: %v -> %v", before, got)
	}
	// 60 min at (120-50)/140 = 0.5: 60 × 0.5 × 0.64 × e^0.96 = 50.1.
	if got := c.training(later).Load.Value; got == laterLoad || got != 50.1 {
		t.Fatalf("later run %v (was %v), want 50.1", got, laterLoad)
	}
	// Moving the first run after 15 Feb puts it under the new maximum.
	c.must(200, "PUT", "/api/workouts/"+run, map[string]any{"sport": "run", "start": "2026-02-16T07:00:00Z", "duration_s": 4210})
	if got := c.training(run).Load.Value; got == before {
		t.Fatalf("edit to a later date left the load at %v", got)
	}
	// Removing the 15 Feb entry brings back 200 for the moved run.
	c.must(200, "DELETE", "/api/athlete/settings/max_hr/2026-02-15", nil)
	if got := c.training(run).Load.Value; got != before {
		t.Fatalf("after removing the setting: %v, want %v", got, before)
	}

	// A ride with power: TSS from an estimated FTP (95 % of the best 20
	// minutes: 0.95 × 200 = 190), then from the athlete's FTP 250. An hour
	// at a steady 200 W: NP 200, IF 0.8, TSS 64.
	ride := logWorkout(c, "ride", "2026-02-21T07:00:00Z", 3600, steadySamples(361, 140, 200), nil)
	d = c.training(ride)
	if d.Load == nil || d.Load.Method != "tss" || !d.Load.Estimated || d.NP == nil || *d.NP != 200 {
		t.Fatalf("ride with estimated FTP %+v np %v", d.Load, d.NP)
	}
	c.setting("ftp", 250, "2026-01-01")
	d = c.training(ride)
	if d.Load.Method != "tss" || d.Load.Estimated || d.Load.Value != 64 || *d.Intensity != 0.8 || len(d.PowerZones) != 7 {
		t.Fatalf("ride with FTP 250: %+v IF %v zones %v", d.Load, d.Intensity, d.PowerZones)
	}
	// It holds every power record.
	if len(d.PowerRecords) == 0 {
		t.Fatal("ride holds no power records")
	}
	var curve struct{ Curve []powerPoint }
	c.must(200, "GET", "/api/power-curve", nil).JSON(&curve)
	if len(curve.Curve) != len(powerCurveDurations) || curve.Curve[0].Watts != 200 || curve.Curve[0].WorkoutID != ride {
		t.Fatalf("power curve %+v", curve.Curve)
	}

	// No samples, no heart rate: the load comes from RPE. 45 min at RPE 4
	// is 45 × 4 / 6 = 30.
	gym := logWorkout(c, "strength", "2026-02-22T07:00:00Z", 2700, nil, map[string]any{"rpe": 4})
	if d := c.training(gym); d.Load == nil || d.Load.Method != "rpe" || !d.Load.Estimated || d.Load.Value != 30 || d.HRZones != nil {
		t.Fatalf("RPE workout %+v", d.Load)
	}
	// An edit of the RPE recomputes it: RPE 8 is 60.
	c.must(200, "PUT", "/api/workouts/"+gym, map[string]any{"sport": "strength", "start": "2026-02-22T07:00:00Z", "duration_s": 2700, "rpe": 8})
	if d := c.training(gym); d.Load.Value != 60 {
		t.Fatalf("RPE 8: %+v", d.Load)
	}

	// Deleting the only workout with power removes the FTP estimate and
	// the power curve.
	c.must(204, "DELETE", "/api/workouts/"+ride, nil)
	c.must(200, "GET", "/api/power-curve", nil).JSON(&curve)
	if len(curve.Curve) != 0 {
		t.Fatalf("power curve after delete %+v", curve.Curve)
	}
	var ath athleteReport
	c.must(200, "GET", "/api/athlete", nil).JSON(&ath)
	if _, ok := ath.Estimates["ftp"]; ok {
		t.Fatalf("FTP estimate after the only ride was deleted: %+v", ath.Estimates)
	}
	if ath.Estimates["max_hr"].Value != 180 || len(ath.Zones["hr"]) != 5 || ath.Zones["power"][6] != 378 {
		t.Fatalf("athlete %+v", ath)
	}

	// Bad settings are refused, with the field named.
	for _, bad := range []map[string]any{
		{"key": "max_hr", "value": 400, "from": "2026-01-01"},
		{"key": "max_hr", "value": "high", "from": "2026-01-01"},
		{"key": "ftp", "value": 250, "from": "yesterday"},
		{"key": "weight", "value": 70, "from": "2026-01-01"},
		{"key": "sex", "value": "other", "from": "2026-01-01"},
		{"key": "hr_zones", "value": []int{100, 90, 140, 160, 180}, "from": "2026-01-01"},
	} {
		if r := c.do("POST", "/api/athlete/settings", bad); r.Status != 400 {
			t.Errorf("%v: %d %s", bad, r.Status, r.Body)
		}
	}

	// Another user sees none of it and changes none of it.
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	bob.must(404, "GET", "/api/workouts/"+run, nil)
	var rep fitnessReport
	bob.must(200, "GET", "/api/fitness", nil).JSON(&rep)
	if len(rep.Workouts) != 0 {
		t.Fatalf("bob's fitness shows %+v", rep.Workouts)
	}
	bob.setting("max_hr", 150, "2000-01-01")
	if got := c.training(run).Load.Value; got != before {
		t.Fatalf("bob's setting changed ann's load: %v", got)
	}
}

// TestFitnessSeriesAPI checks GET /api/fitness against a hand computation
// and that saving a workout reaches the user's topic as training.updated.
func TestFitnessSeriesAPI(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	u := c.signUp("ann", "password123")
	// 60 min at RPE 10: load 100, on 2026-02-27 (the clock is 1 March).
	logWorkout(c, "strength", "2026-02-27T07:00:00Z", 3600, nil, map[string]any{"rpe": 10})
	var rep fitnessReport
	c.must(200, "GET", "/api/fitness?from=2026-02-26&to=2026-03-01", nil).JSON(&rep)
	if len(rep.Days) != 4 || rep.Days[0].Date != "2026-02-26" || len(rep.Workouts) != 1 || rep.Workouts[0].Load != 100 {
		t.Fatalf("fitness %+v", rep)
	}
	// 27 Feb: CTL = 100 × (1 - e^(-1/42)) = 2.35, ATL = 100 × (1 - e^(-1/7))
	// = 13.31; 28 Feb: each decays by e^(-1/τ): 2.30 and 11.54; form on
	// 28 Feb is yesterday's 2.35 - 13.31 = -10.96.
	d1, d2 := rep.Days[1], rep.Days[2]
	if d1.Load != 100 || d1.Fitness != 2.4 || d1.Fatigue != 13.3 || d2.Fitness != 2.3 || d2.Fatigue != 11.5 || d2.Form != -11 {
		t.Fatalf("days %+v %+v", d1, d2)
	}
	// Default range: 180 days to today.
	c.must(200, "GET", "/api/fitness", nil).JSON(&rep)
	if len(rep.Days) != 180 || rep.Days[179].Date != "2026-03-01" {
		t.Fatalf("default range %d days, last %v", len(rep.Days), rep.Days[len(rep.Days)-1])
	}
	for _, q := range []string{"from=2026-03-02&to=2026-03-01", "from=1990-01-01&to=2026-01-01", "from=march"} {
		if r := c.do("GET", "/api/fitness?"+q, nil); r.Status != 400 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	msgs, err := ts.store.MessagesAfter(context.Background(), userTopic(u.ID), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		var ev map[string]any
		json.Unmarshal(m.Data, &ev)
		found = found || ev["type"] == "training.updated"
	}
	if !found {
		t.Fatal("no training.updated on the user's topic")
	}
}

// TestTrainingOnImport imports a GPX run with heart rate: the first
// imported run already has zones and a load, marked estimated.
func TestTrainingOnImport(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	sum := c.upload(map[string][]byte{"run.gpx": gpxRun(600, importStart)})
	r := resultFor(t, sum, "run.gpx")
	if len(r.Workouts) != 1 {
		t.Fatalf("import %+v", sum)
	}
	d := c.training(r.Workouts[0])
	// gpxRun's heart rate is 120 + i%30: highest 149, so the estimated
	// zones start at 74.5 → 75 (rounded), 89, 104, 119, 134 bpm.
	if d.Load == nil || d.Load.Method != "trimp" || !d.Load.Estimated || len(d.HRZones) != 5 || !equalFloats(d.HRZoneBounds, []float64{75, 89, 104, 119, 134}) {
		t.Fatalf("imported run %+v zones %v %v", d.Load, d.HRZones, d.HRZoneBounds)
	}
	total := 0.0
	for _, s := range d.HRZones {
		total += s
	}
	if total != 599 || d.HRZones[3] == 0 || d.HRZones[4] == 0 {
		t.Fatalf("zone seconds %v", d.HRZones)
	}
	var rep fitnessReport
	c.must(200, "GET", "/api/fitness?from=2025-12-14&to=2025-12-14", nil).JSON(&rep)
	if len(rep.Workouts) != 1 || rep.Days[0].Load != d.Load.Value {
		t.Fatalf("fitness after import %+v", rep)
	}
}

// BenchmarkTenYearsSettingChange times the write that changes an athlete
// setting from before the first workout, which re-derives the zones and
// load of all 5,000 workouts of ten years from their stored summaries. It
// runs on a copy of the ten-year database, since it writes.
func BenchmarkTenYearsSettingChange(b *testing.B) {
	src, err := os.ReadFile(tenYears(b))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "copy.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		b.Fatal(err)
	}
	store, err := OpenStore(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	u, err := store.UserByName(context.Background(), "athlete")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := settingEntry{Key: "max_hr", From: "2016-01-01", Value: json.RawMessage(strconv.Itoa(185 + i%10))}
		if err := store.SetAthleteSetting(context.Background(), u.ID, e, false); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrainingOnLiveFinish: a live run carries the run's default shoes
// from its start, its snapshot for spectators carries the heart-rate
// zones, and finishing it computes its zones and load in the same write.
func TestTrainingOnLiveFinish(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.setting("max_hr", 200, "2020-01-01")
	c.setting("rest_hr", 50, "2020-01-01")
	var shoes Gear
	c.must(201, "POST", "/api/gear", map[string]any{"name": "Daily trainers", "kind": "shoes", "default_sport": "run"}).JSON(&shoes)
	var l LiveSession
	c.must(201, "POST", "/api/live", map[string]any{"sport": "run"}).JSON(&l)
	c.must(200, "POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": steadySamples(361, 125, 0)})
	var share struct{ Token string }
	c.must(200, "POST", "/api/live/"+l.ID+"/share", map[string]any{}).JSON(&share)
	var watch struct{ Session liveView }
	newClient(t, ts.URL).must(200, "GET", "/api/live/watch/"+share.Token, nil).JSON(&watch)
	if !equalFloats(watch.Session.HRZones, []float64{100, 120, 140, 160, 180}) {
		t.Fatalf("spectator snapshot zones %v", watch.Session.HRZones)
	}
	c.must(200, "POST", "/api/live/"+l.ID+"/finish", nil)
	d := c.training(l.ID)
	// 60 min at HRr (125-50)/150 = 0.5: 60 × 0.5 × 0.64 × e^0.96 = 50.1.
	if d.Load == nil || d.Load.Method != "trimp" || d.Load.Value != 50.1 || !equalFloats(d.HRZones, []float64{0, 3600, 0, 0, 0}) {
		t.Fatalf("finished live run %+v zones %v", d.Load, d.HRZones)
	}
	if g := c.gearByName()["Daily trainers"]; g.Workouts != 1 || g.DurationS != 3600 {
		t.Fatalf("shoes after the live run %+v", g)
	}
}

// TestTSSNotEstimatedByHeartRate: a ride with the athlete's FTP but only
// estimated heart-rate settings has a TSS that is not an estimate, while
// its heart-rate zones are marked estimated.
func TestTSSNotEstimatedByHeartRate(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.setting("ftp", 250, "2020-01-01")
	ride := logWorkout(c, "ride", "2026-02-21T07:00:00Z", 3600, steadySamples(361, 140, 250), nil)
	d := c.training(ride)
	if d.Load == nil || d.Load.Method != "tss" || d.Load.Estimated || d.Load.Value != 100 || !d.HRZonesEst || len(d.HRZones) != 5 {
		t.Fatalf("ride %+v zones estimated %v", d.Load, d.HRZonesEst)
	}
}
