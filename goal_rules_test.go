package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fieldOf is the request field an invalid_field error names, "" for nil.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != codeInvalidField {
		t.Fatalf("error %v is not an invalid_field error", err)
	}
	return ae.Field
}

func TestGoalBasics(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	target := func(v float64) *float64 { return &v }
	volume := func(period string) goalInput {
		return goalInput{Kind: goalVolume, Metric: "distance", Target: target(1000), Period: period}
	}
	custom := func(from, to string) goalInput {
		in := volume(periodCustom)
		in.StartDate, in.EndDate = from, to
		return in
	}
	with := func(in goalInput, f func(*goalInput)) goalInput { f(&in); return in }
	for _, tc := range []struct {
		name      string
		in        goalInput
		wantField string  // the field refused, "" when accepted
		wantDays  float64 // when accepted
		check     func(t *testing.T, g Goal)
	}{
		{"a week", volume(periodWeek), "", 7, func(t *testing.T, g Goal) {
			if g.Status != "active" || g.Sports == nil || g.Target != 1000 {
				t.Errorf("defaults: status %q, sports %v, target %v", g.Status, g.Sports, g.Target)
			}
		}},
		{"a month counts its longest", volume(periodMonth), "", 31, nil},
		{"a year counts a leap year", volume(periodYear), "", 366, nil},
		{"paused", with(volume(periodWeek), func(in *goalInput) { in.Status = "paused" }), "", 7, nil},
		{"archived", with(volume(periodWeek), func(in *goalInput) { in.Status = "archived" }), "", 7, nil},
		{"unknown status", with(volume(periodWeek), func(in *goalInput) { in.Status = "done" }), "status", 0, nil},
		{"title too long", with(volume(periodWeek), func(in *goalInput) { in.Title = strings.Repeat("x", maxTitleLen+1) }), "title", 0, nil},
		{"no target", with(volume(periodWeek), func(in *goalInput) { in.Target = nil }), "target", 0, nil},
		{"zero target", with(volume(periodWeek), func(in *goalInput) { in.Target = target(0) }), "target", 0, nil},
		{"negative target", with(volume(periodWeek), func(in *goalInput) { in.Target = target(-5) }), "target", 0, nil},
		{"status is checked before target", with(volume(periodWeek), func(in *goalInput) { in.Status, in.Target = "x", nil }), "status", 0, nil},
		{"unknown period", volume("fortnight"), "period", 0, nil},
		{"a volume goal needs a period", volume(""), "period", 0, nil},
		{"a lift goal needs none", goalInput{Kind: goalLift, Target: target(100)}, "", 0, nil},
		{"dates dropped outside custom", with(volume(periodWeek), func(in *goalInput) { in.StartDate, in.EndDate = "2026-01-01", "2026-02-01" }), "", 7,
			func(t *testing.T, g Goal) {
				if g.StartDate != "" || g.EndDate != "" {
					t.Errorf("dates kept: %q..%q", g.StartDate, g.EndDate)
				}
			}},
		{"custom counts both ends", custom("2026-03-01", "2026-03-31"), "", 31, func(t *testing.T, g Goal) {
			if g.StartDate != "2026-03-01" || g.EndDate != "2026-03-31" {
				t.Errorf("dates %q..%q", g.StartDate, g.EndDate)
			}
		}},
		{"custom across a clock change", custom("2026-03-28", "2026-03-30"), "", 3, nil},
		{"custom of one day", custom("2026-03-01", "2026-03-01"), "", 1, nil},
		{"custom without a start", custom("", "2026-03-01"), "start_date", 0, nil},
		{"custom with a bad end", custom("2026-03-01", "March"), "end_date", 0, nil},
		{"custom ending before it starts", custom("2026-03-02", "2026-03-01"), "end_date", 0, nil},
		{"custom of ten years", custom("2026-01-01", "2035-12-31"), "", 3652, nil},
		{"custom of more than ten years", custom("2026-01-01", "2036-12-31"), "end_date", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, days, err := goalBasics(tc.in, loc)
			if got := fieldOf(t, err); got != tc.wantField {
				t.Fatalf("refused field %q (%v), want %q", got, err, tc.wantField)
			}
			if err == nil && days != tc.wantDays {
				t.Errorf("days %v, want %v", days, tc.wantDays)
			}
			if err == nil && tc.check != nil {
				tc.check(t, g)
			}
		})
	}
}

func TestVolumeGoalRule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		metric    string
		target    float64
		days      float64
		wantField string
	}{
		{"workouts a week", "workouts", 5, 7, ""},
		{"the most workouts a week", "workouts", 350, 7, ""},
		{"more workouts than a week holds", "workouts", 351, 7, "target"},
		{"a day's duration each day", "duration", 24 * 3600 * 31, 31, ""},
		{"more time than a month has", "duration", 24*3600*31 + 1, 31, "target"},
		{"distance", "distance", 100_000_000, 7, ""},
		{"elevation", "elevation", 1000, 7, ""},
		{"calories", "calories", 1000, 7, ""},
		{"unknown metric", "steps", 1, 7, "metric"},
		{"no metric", "", 1, 7, "metric"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Goal{Kind: goalVolume, Metric: tc.metric, Target: tc.target, Exercise: "bench_press", Basis: "e1rm", Sports: []string{"run"}}
			err := volumeGoalRule(&g, tc.days)
			if got := fieldOf(t, err); got != tc.wantField {
				t.Fatalf("refused field %q (%v), want %q", got, err, tc.wantField)
			}
			if err == nil && (g.Exercise != "" || g.Basis != "" || len(g.Sports) != 1) {
				t.Errorf("fields kept: exercise %q, basis %q, sports %v", g.Exercise, g.Basis, g.Sports)
			}
		})
	}
}

func TestLiftGoalRule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		basis     string
		target    float64
		wantField string
	}{
		{"weight", "weight", 100, ""},
		{"estimated 1RM", "e1rm", 100, ""},
		{"at the most", "weight", maxWeightKg, ""},
		{"over the most", "weight", maxWeightKg + 0.5, "target"},
		{"unknown basis", "volume", 100, "basis"},
		{"no basis", "", 100, "basis"},
		{"basis before target", "x", maxWeightKg + 1, "basis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Goal{Kind: goalLift, Basis: tc.basis, Target: tc.target, Metric: "distance", Sports: []string{"run"}, Exercise: "squat"}
			err := liftGoalRule(&g)
			if got := fieldOf(t, err); got != tc.wantField {
				t.Fatalf("refused field %q (%v), want %q", got, err, tc.wantField)
			}
			if err == nil && (g.Metric != "" || g.Sports == nil || len(g.Sports) != 0 || g.Exercise != "squat") {
				t.Errorf("fields: metric %q, sports %v, exercise %q", g.Metric, g.Sports, g.Exercise)
			}
		})
	}
}

func TestBodyWeightGoalRule(t *testing.T) {
	for _, tc := range []struct {
		target float64
		ok     bool
	}{{19.9, false}, {20, true}, {72.5, true}, {500, true}, {500.1, false}} {
		g := Goal{Kind: goalBodyWeight, Target: tc.target, Metric: "distance", Sports: []string{"run"}, Exercise: "squat", Basis: "weight"}
		err := bodyWeightGoalRule(&g)
		if (err == nil) != tc.ok || (err != nil && fieldOf(t, err) != "target") {
			t.Errorf("target %v: %v, want accepted %v", tc.target, err, tc.ok)
		}
		if err == nil && (g.Metric != "" || g.Sports == nil || len(g.Sports) != 0 || g.Exercise != "" || g.Basis != "") {
			t.Errorf("target %v: other kinds' fields kept: %+v", tc.target, g)
		}
	}
}
