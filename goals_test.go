package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPeriodStartAcrossZonesAndDST(t *testing.T) {
	cases := []struct {
		zone, weekStart, at, want string
	}{
		// Monday weeks; Wednesday noon UTC.
		{"UTC", "monday", "2026-03-04T12:00:00Z", "2026-03-02T00:00:00Z"},
		{"UTC", "sunday", "2026-03-04T12:00:00Z", "2026-03-01T00:00:00Z"},
		// Sunday 23:30 in Berlin is still the week that began Monday the 23rd.
		{"Europe/Berlin", "monday", "2026-03-01T22:30:00Z", "2026-02-23T00:00:00+01:00"},
		// ...but in a Sunday-first week it is the first half hour of a new one.
		{"Europe/Berlin", "sunday", "2026-03-01T22:30:00Z", "2026-03-01T00:00:00+01:00"},
		// Monday 02:00 UTC is still Sunday in New York.
		{"America/New_York", "monday", "2026-03-09T02:00:00Z", "2026-03-02T00:00:00-05:00"},
		// The week holding the US spring-forward (Sunday 8 March 2026) starts
		// at EST midnight; the next one at EDT midnight, 167 hours later.
		{"America/New_York", "monday", "2026-03-10T12:00:00Z", "2026-03-09T00:00:00-04:00"},
		// Tokyo is ahead: Sunday 20:00 UTC is Monday 05:00 there.
		{"Asia/Tokyo", "monday", "2026-03-01T20:00:00Z", "2026-03-02T00:00:00+09:00"},
	}
	for _, tc := range cases {
		loc, _ := time.LoadLocation(tc.zone)
		at, _ := time.Parse(time.RFC3339, tc.at)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := periodStart(periodWeek, at, loc, tc.weekStart); !got.Equal(want) {
			t.Errorf("%s %s week of %s: %s, want %s", tc.zone, tc.weekStart, tc.at, got, want)
		}
	}
	ny, _ := time.LoadLocation("America/New_York")
	dstWeek := periodStart(periodWeek, time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), ny, "monday")
	if got := periodNext(periodWeek, dstWeek).Sub(dstWeek); got != 167*time.Hour {
		t.Errorf("the spring-forward week lasts %s, want 167h", got)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if got := periodStart(periodMonth, time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC), berlin, "monday"); got.Month() != 3 {
		t.Errorf("23:30 UTC on 28 Feb is March in Berlin, got %s", got)
	}
	if got := periodStart(periodYear, time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), berlin, "monday"); got.Year() != 2026 {
		t.Errorf("year start %s", got)
	}
}

// goalUser signs up with a zone and week start; the test clock is
// Sunday 1 March 2026, 12:00 UTC.
func goalUser(t *testing.T, zone, weekStart string) (*testServer, *client) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.must(200, "PUT", "/api/settings", map[string]string{"timezone": zone, "units": "metric", "week_start": weekStart})
	return ts, c
}

func logRun(t *testing.T, c *client, start string, meters float64) {
	t.Helper()
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": start, "duration_s": 1800, "distance_m": meters})
}

func TestWeeklyGoalBoundariesAndWeekStart(t *testing.T) {
	for _, tc := range []struct {
		weekStart string
		want      float64 // metres counted this week
	}{
		{"monday", 5000 + 3000}, // week of Mon 23 Feb: the late-Sunday run and Wednesday's
		{"sunday", 4000},        // week of Sun 1 Mar: only the run at its very first second
	} {
		t.Run(tc.weekStart, func(t *testing.T) {
			ts, c := goalUser(t, "Europe/Berlin", tc.weekStart)
			ts.clock.Advance(-14 * 24 * time.Hour) // create the goal two weeks back
			var g Goal
			c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "distance", "sports": []string{"run"}, "target": 10000, "period": "week"}).JSON(&g)
			ts.clock.Advance(14 * 24 * time.Hour)
			logRun(t, c, "2026-02-25T10:00:00+01:00", 3000) // Wednesday
			logRun(t, c, "2026-02-28T23:59:00+01:00", 5000) // Saturday, crossing midnight into Sunday
			logRun(t, c, "2026-03-01T00:00:00+01:00", 4000) // exactly Sunday 00:00
			logRun(t, c, "2026-02-22T23:30:00+01:00", 9000) // the Sunday before: last week for Monday weeks
			c.must(201, "POST", "/api/workouts", map[string]any{"sport": "ride", "start": "2026-02-26T10:00:00+01:00", "duration_s": 3600, "distance_m": 40000})

			c.must(200, "GET", fmt.Sprintf("/api/goals/%d", g.ID), nil).JSON(&g)
			want := tc.want
			if tc.weekStart == "monday" {
				want = 3000 + 5000 + 4000 // Sunday 00:00 still belongs to the Monday week
			}
			if g.Progress.Value != want {
				t.Fatalf("this week %.0f m, want %.0f", g.Progress.Value, want)
			}
		})
	}
}

func TestGoalPaceStreakAndHistory(t *testing.T) {
	ts, c := goalUser(t, "UTC", "monday")
	// Created on Monday 2 February; four weekly periods complete by Sunday 1 March.
	ts.clock.Advance(-27*24*time.Hour - 12*time.Hour) // Mon 2 Feb 00:00
	var g Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "workouts", "target": 2, "period": "week"}).JSON(&g)
	ts.clock.Advance(27*24*time.Hour + 12*time.Hour)
	// Week 1 (2 Feb): one workout, missed. Weeks 2-3: met. Week 4 (23 Feb): met.
	for _, day := range []string{"2026-02-03", "2026-02-10", "2026-02-11", "2026-02-17", "2026-02-19", "2026-02-24", "2026-02-28"} {
		logRun(t, c, day+"T07:00:00Z", 5000)
	}
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", g.ID), nil).JSON(&g)
	p := g.Progress
	if p.Value != 2 || !p.Achieved || p.Streak != 3 {
		t.Fatalf("progress %+v, want 2 of 2 this week and a 3-week streak", p)
	}
	var hist []PeriodResult
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d/history", g.ID), nil).JSON(&hist)
	if len(hist) != 4 || !hist[0].Met || !hist[1].Met || !hist[2].Met || hist[3].Met || hist[3].Value != 1 {
		t.Fatalf("history %+v", hist)
	}

	// Pace: a 30 km month goal with 12 km by noon on the 1st of a 31-day... use March.
	ts.clock.Advance(15*24*time.Hour + 12*time.Hour) // Tue 17 March 00:00: 16 of 31 days gone
	var month Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "distance", "target": 31000, "period": "month"}).JSON(&month)
	logRun(t, c, "2026-03-02T07:00:00Z", 12000)
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", month.ID), nil).JSON(&month)
	if math.Abs(*month.Progress.Expected-16000) > 1 || *month.Progress.OnTrack {
		t.Fatalf("12 km of 31 with 16 days of 31 gone: %+v (want expected 16000, behind)", month.Progress)
	}
	logRun(t, c, "2026-03-10T07:00:00Z", 5000)
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", month.ID), nil).JSON(&month)
	if !*month.Progress.OnTrack || month.Progress.Fraction != 17000.0/31000 {
		t.Fatalf("17 km: %+v, want on track", month.Progress)
	}
}

func TestLiftAndBodyWeightGoals(t *testing.T) {
	ts, c := goalUser(t, "UTC", "monday")
	var lift Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "lift", "exercise": "bench_press", "basis": "e1rm", "target": 110}).JSON(&lift)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "strength", "start": "2026-02-20T18:00:00Z", "duration_s": 3600,
		"sets": []map[string]any{{"exercise": "bench_press", "reps": 5, "weight_kg": 90}}})
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", lift.ID), nil).JSON(&lift)
	if lift.Progress.Value != 105 || lift.Progress.Achieved {
		t.Fatalf("lift at 90x5: %+v", lift.Progress)
	}
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "strength", "start": "2026-02-27T18:00:00Z", "duration_s": 3600,
		"sets": []map[string]any{{"exercise": "bench_press", "reps": 3, "weight_kg": 102}}})
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", lift.ID), nil).JSON(&lift)
	if !lift.Progress.Achieved || lift.Progress.AchievedAt.Format(time.DateOnly) != "2026-02-27" {
		t.Fatalf("lift at 102x3 (e1RM 112.2): %+v", lift.Progress)
	}

	c.must(201, "POST", "/api/weights", map[string]any{"kg": 82, "at": "2026-02-01T07:00:00Z"})
	var body Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "body_weight", "target": 78}).JSON(&body)
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 80})
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", body.ID), nil).JSON(&body)
	if body.Progress.Value != 80 || *body.Progress.StartValue != 82 || body.Progress.Fraction != 0.5 || body.Progress.Achieved {
		t.Fatalf("body weight 82 → 80 of 78: %+v", body.Progress)
	}
	var weights []Weight
	c.must(200, "GET", "/api/weights", nil).JSON(&weights)
	if len(weights) != 2 || weights[0].KG != 82 {
		t.Fatalf("weights %+v", weights)
	}
	_ = ts
}

func TestGoalBadInputAndCrossUser(t *testing.T) {
	ts, c := goalUser(t, "UTC", "monday")
	cases := []map[string]any{
		{"kind": "volume", "metric": "distance", "target": 0, "period": "week"},
		{"kind": "volume", "metric": "distance", "target": -5, "period": "week"},
		{"kind": "volume", "metric": "distance", "target": 100_000_001_000.0, "period": "week"}, // over 100,000 km
		{"kind": "volume", "metric": "distance", "period": "week"},
		{"kind": "volume", "metric": "happiness", "target": 5, "period": "week"},
		{"kind": "volume", "metric": "distance", "target": 5, "period": "fortnight"},
		{"kind": "volume", "metric": "distance", "target": 5, "period": "week", "sports": []string{"curling"}},
		{"kind": "volume", "metric": "distance", "target": 5, "period": "custom", "start_date": "2026-03-10", "end_date": "2026-03-01"},
		{"kind": "volume", "metric": "distance", "target": 5, "period": "custom", "start_date": "soon", "end_date": "2026-03-01"},
		{"kind": "lift", "exercise": "juggling", "basis": "weight", "target": 100},
		{"kind": "lift", "exercise": "squat", "basis": "vibes", "target": 100},
		{"kind": "body_weight", "target": 5},
		{"kind": "mood", "target": 5},
		{"kind": "volume", "metric": "workouts", "target": 3, "period": "week", "status": "sleeping"},
	}
	for _, body := range cases {
		if r := c.do("POST", "/api/goals", body); r.Status != 400 || r.ErrorCode() != "invalid_field" {
			t.Errorf("goal %v: %d %s", body, r.Status, r.Body)
		}
	}
	if r := c.do("POST", "/api/goals", `{"kind":"volume","metric":"distance","target":1e999,"period":"week"}`); r.Status != 400 {
		t.Errorf("infinite target: %d", r.Status)
	}
	var goals []Goal
	c.must(200, "GET", "/api/goals", nil).JSON(&goals)
	if len(goals) != 0 {
		t.Fatalf("refused goals were stored: %d", len(goals))
	}
	var g Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "workouts", "target": 3, "period": "week"}).JSON(&g)
	upd := map[string]any{"kind": "volume", "metric": "workouts", "target": 4, "period": "week", "status": "paused", "title": "Four a week"}
	c.must(200, "PUT", fmt.Sprintf("/api/goals/%d", g.ID), upd).JSON(&g)
	if g.Target != 4 || g.Status != "paused" || g.Title != "Four a week" {
		t.Fatalf("updated %+v", g)
	}

	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	for _, tc := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/goals/%d", g.ID)},
		{"PUT", fmt.Sprintf("/api/goals/%d", g.ID)},
		{"DELETE", fmt.Sprintf("/api/goals/%d", g.ID)},
		{"GET", fmt.Sprintf("/api/goals/%d/history", g.ID)},
	} {
		if r := bob.do(tc.method, tc.path, upd); r.Status != 404 {
			t.Errorf("bob %s %s: %d", tc.method, tc.path, r.Status)
		}
	}
	bob.must(200, "GET", "/api/goals", nil).JSON(&goals)
	if len(goals) != 0 {
		t.Fatal("bob lists ann's goals")
	}
	var w []Weight
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 70})
	bob.must(200, "GET", "/api/weights", nil).JSON(&w)
	if len(w) != 0 {
		t.Fatal("bob sees ann's weights")
	}
	c.must(204, "DELETE", fmt.Sprintf("/api/goals/%d", g.ID), nil)
}

func TestStatsAndDashboard(t *testing.T) {
	_, c := goalUser(t, "America/New_York", "sunday")
	logRun(t, c, "2026-02-15T12:00:00-05:00", 5000)
	logRun(t, c, "2026-02-16T12:00:00-05:00", 7000)
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "ride", "start": "2026-02-17T12:00:00-05:00", "duration_s": 3600, "distance_m": 30000})
	logRun(t, c, "2026-03-01T06:00:00-05:00", 10000) // this week (Sunday first)

	var st struct {
		Buckets []StatsBucket
	}
	c.must(200, "GET", "/api/stats?bucket=week&from=2026-02-15&to=2026-03-01", nil).JSON(&st)
	if len(st.Buckets) != 2 || st.Buckets[0].Totals.Count != 3 || st.Buckets[0].Sports["run"].DistanceM != 12000 || st.Buckets[0].Sports["ride"].Count != 1 {
		t.Fatalf("weekly stats %+v", st.Buckets)
	}
	c.must(200, "GET", "/api/stats?bucket=month&sport=run", nil).JSON(&st)
	last := st.Buckets[len(st.Buckets)-1]
	if len(st.Buckets) != 12 || last.Totals.DistanceM != 10000 || st.Buckets[len(st.Buckets)-2].Totals.DistanceM != 12000 {
		t.Fatalf("monthly run stats: %d buckets, last %+v", len(st.Buckets), last.Totals)
	}
	for _, q := range []string{"bucket=day", "sport=curling", "from=2026-03-01&to=2026-01-01", "bucket=week&from=1950-01-01"} {
		if r := c.do("GET", "/api/stats?"+q, nil); r.Status != 400 {
			t.Errorf("stats ?%s: %d", q, r.Status)
		}
	}

	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "distance", "target": 20000, "period": "week"})
	var dash struct {
		Week       StatsBucket
		Goals      []Goal
		Recent     []Workout
		NewRecords []map[string]any `json:"new_records"`
	}
	c.must(200, "GET", "/api/dashboard", nil).JSON(&dash)
	if dash.Week.Totals.DistanceM != 10000 || len(dash.Goals) != 1 || dash.Goals[0].Progress.Fraction != 0.5 || len(dash.Recent) != 4 {
		t.Fatalf("dashboard %+v", dash)
	}
	if len(dash.NewRecords) == 0 {
		t.Fatal("no records just set")
	}
}

// TestLongStreak needs more than the first eight periods read to count.
func TestLongStreak(t *testing.T) {
	ts, c := goalUser(t, "UTC", "monday")
	ts.clock.Advance(-20 * 7 * 24 * time.Hour)
	var g Goal
	c.must(201, "POST", "/api/goals", map[string]any{"kind": "volume", "metric": "workouts", "target": 1, "period": "week"}).JSON(&g)
	for i := 0; i < 20; i++ {
		logRun(t, c, ts.clock.Now().Add(time.Hour).Format(time.RFC3339), 3000)
		ts.clock.Advance(7 * 24 * time.Hour)
	}
	c.must(200, "GET", fmt.Sprintf("/api/goals/%d", g.ID), nil).JSON(&g)
	// 20 or 21 periods exist (the creation week and this one); this week has no workout yet.
	if g.Progress.Streak != 20 || g.Progress.Value != 0 {
		t.Fatalf("streak %d (value %.0f), want 20", g.Progress.Streak, g.Progress.Value)
	}
}

// TestWeighInEditAndDelete corrects a weigh-in's weight and date, refuses
// bad values and another user's edit, and deletes it.
func TestWeighInEditAndDelete(t *testing.T) {
	ts, c := goalUser(t, "UTC", "monday")
	var wt Weight
	c.must(201, "POST", "/api/weights", map[string]any{"kg": 81.4, "at": "2026-02-01T07:00:00Z"}).JSON(&wt)
	var got Weight
	c.must(200, "PUT", fmt.Sprintf("/api/weights/%d", wt.ID), map[string]any{"kg": 80.9, "at": "2026-01-31T07:30:00Z"}).JSON(&got)
	if got.ID != wt.ID || got.KG != 80.9 || got.At.Format(time.RFC3339) != "2026-01-31T07:30:00Z" {
		t.Fatalf("edited weigh-in %+v", got)
	}
	var list []Weight
	c.must(200, "GET", "/api/weights", nil).JSON(&list)
	if len(list) != 1 || list[0].KG != 80.9 || !list[0].At.Equal(got.At) {
		t.Fatalf("weights after edit %+v", list)
	}
	for _, body := range []map[string]any{{"kg": 5}, {"kg": 80, "at": "tomorrow"}, {"kg": 80, "at": ts.clock.Now().AddDate(0, 0, 3).Format(time.RFC3339)}, {}} {
		if r := c.do("PUT", fmt.Sprintf("/api/weights/%d", wt.ID), body); r.Status != 400 {
			t.Errorf("PUT %v: %d", body, r.Status)
		}
	}
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	if r := bob.do("PUT", fmt.Sprintf("/api/weights/%d", wt.ID), map[string]any{"kg": 120}); r.Status != 404 {
		t.Errorf("bob edits ann's weigh-in: %d", r.Status)
	}
	if r := bob.do("DELETE", fmt.Sprintf("/api/weights/%d", wt.ID), nil); r.Status != 404 {
		t.Errorf("bob deletes ann's weigh-in: %d", r.Status)
	}
	c.must(204, "DELETE", fmt.Sprintf("/api/weights/%d", wt.ID), nil)
	c.must(200, "GET", "/api/weights", nil).JSON(&list)
	if len(list) != 0 {
		t.Fatalf("weights after delete %+v", list)
	}
}

// TestGoalTitlesUseNames: a goal left untitled is named in words.
func TestGoalTitlesUseNames(t *testing.T) {
	_, c := goalUser(t, "UTC", "monday")
	for body, want := range map[string]string{
		`{"kind":"lift","exercise":"bench_press","basis":"weight","target":100}`:    "Bench press goal",
		`{"kind":"volume","metric":"distance","period":"week","target":20000}`:      "Distance per week",
		`{"kind":"volume","metric":"duration","period":"month","target":36000}`:     "Time per month",
		`{"kind":"lift","exercise":"romanian_deadlift","basis":"e1rm","target":90}`: "Romanian deadlift goal",
	} {
		var g Goal
		c.must(201, "POST", "/api/goals", json.RawMessage(body)).JSON(&g)
		if g.Title != want {
			t.Errorf("%s: title %q, want %q", body, g.Title, want)
		}
	}
}

// TestFirstStrengthSessionHoldsNoBadges: a first session of each exercise
// sets no records worth a badge; a later, lighter one makes the first
// session's lifts records.
func TestFirstStrengthSessionHoldsNoBadges(t *testing.T) {
	_, c := goalUser(t, "UTC", "monday")
	session := func(start string, kg float64) workoutDetail {
		var w Workout
		c.must(201, "POST", "/api/workouts", map[string]any{"sport": "strength", "start": start, "duration_s": 3600,
			"sets": []map[string]any{{"exercise": "bench_press", "reps": 5, "weight_kg": kg}, {"exercise": "squat", "reps": 5, "weight_kg": kg + 20},
				{"exercise": "deadlift", "reps": 5, "weight_kg": kg + 40}}}).JSON(&w)
		var d workoutDetail
		c.must(200, "GET", "/api/workouts/"+w.ID, nil).JSON(&d)
		return d
	}
	first := session("2026-02-02T18:00:00Z", 80)
	if len(first.Records) != 0 {
		t.Fatalf("a first strength session holds %v", first.Records)
	}
	second := session("2026-02-04T18:00:00Z", 70)
	if len(second.Records) != 0 {
		t.Fatalf("a lighter second session holds %v", second.Records)
	}
	c.must(200, "GET", "/api/workouts/"+first.ID, nil).JSON(&first)
	if got := strings.Join(first.Records, ","); !strings.Contains(got, "Heaviest Bench press") || !strings.Contains(got, "Best e1RM Back squat") {
		t.Fatalf("after a lighter session the first holds %q", got)
	}
}
