package main

import (
	"reflect"
	"testing"
	"time"
)

func TestWorkoutCSVRow(t *testing.T) {
	start := time.Date(2026, 4, 5, 7, 30, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	rpe := 7
	for _, tc := range []struct {
		name string
		wo   Workout
		want []string
	}{
		{"every value", Workout{ID: "w1", Start: start, Sport: "run", Title: "Tempo, hilly", DurationS: 3600.5, DistanceM: f(10000),
			ElevationM: f(120.25), Calories: f(700), AvgHR: f(151), MaxHR: f(178), RPE: &rpe, Notes: "felt \"good\""},
			[]string{"w1", "2026-04-05T07:30:00Z", "run", "Tempo, hilly", "3600.5", "10000", "120.25", "700", "151", "178", "7", "0", "felt \"good\""}},
		{"unknown values are empty", Workout{ID: "w2", Start: start, Sport: "strength", DurationS: 0,
			Sets: []WorkoutSet{{}, {}, {}}},
			[]string{"w2", "2026-04-05T07:30:00Z", "strength", "", "0", "", "", "", "", "", "", "3", ""}},
		{"start in its own zone", Workout{ID: "w3", Start: start.In(time.FixedZone("CEST", 2*3600)), Sport: "ride", DurationS: 60, DistanceM: f(1e7)},
			[]string{"w3", "2026-04-05T09:30:00+02:00", "ride", "", "60", "10000000", "", "", "", "", "", "0", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workoutCSVRow(tc.wo)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("row\n got %q\nwant %q", got, tc.want)
			}
			if len(got) != len(workoutCSVHeader) {
				t.Errorf("%d cells under %d headings", len(got), len(workoutCSVHeader))
			}
		})
	}
}

func TestExportPaths(t *testing.T) {
	for _, tc := range []struct {
		name, id, file, want string
	}{
		{"a plain name", "w1", "morning.fit", "originals/w1/morning.fit"},
		{"directories are dropped", "w1", "exports/2026/morning.gpx", "originals/w1/morning.gpx"},
		{"no way out of the folder", "w1", "../../etc/passwd", "originals/w1/passwd"},
		{"an absolute name", "w1", "/tmp/x.tcx", "originals/w1/x.tcx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exportOriginalPath(tc.id, tc.file); got != tc.want {
				t.Errorf("exportOriginalPath(%q, %q) = %q, want %q", tc.id, tc.file, got, tc.want)
			}
		})
	}
	if got := exportSamplesPath("w1"); got != "samples/w1.json" {
		t.Errorf("exportSamplesPath = %q", got)
	}
}

func TestExportedRecordsLeaveServerRights(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"a workout loses its share token", exportedWorkout(Workout{ID: "w1", Title: "Run", ShareToken: "secret"}),
			exportWorkout{Workout: Workout{ID: "w1", Title: "Run"}}},
		{"a workout without one is unchanged", exportedWorkout(Workout{ID: "w2"}), exportWorkout{Workout: Workout{ID: "w2"}}},
		{"a game loses the reader's right to score", exportedGame(Game{ID: "g1", CanScore: true}, []GameEvent{{Kind: "score"}}),
			exportGame{Game: Game{ID: "g1"}, Events: []GameEvent{{Kind: "score"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %+v, want %+v", tc.got, tc.want)
			}
		})
	}
}

func TestNewExportDoc(t *testing.T) {
	now := time.Date(2026, 4, 5, 9, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))
	u := User{ID: 7, Username: "ada"}
	u.Timezone = "Europe/Berlin"
	d := newExportDoc(u, now)
	if d.Format != exportFormat || d.Version != exportVersion || d.Account.Username != "ada" || d.Account.Timezone != "Europe/Berlin" {
		t.Errorf("head %+v", d)
	}
	if want := time.Date(2026, 4, 5, 7, 30, 0, 123000000, time.UTC); !d.ExportedAt.Equal(want) || d.ExportedAt.Location() != time.UTC {
		t.Errorf("exported at %v, want %v in UTC", d.ExportedAt, want)
	}
}
