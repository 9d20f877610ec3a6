package main

import (
	"encoding/json"
	"testing"
	"time"
)

// TestWorkoutValidateMatchesInput checks that a workout read from a file
// (Workout.Validate) and the same workout sent over HTTP
// (workoutInput.validate) are refused with the same field and message, and
// accepted as the same workout.
func TestWorkoutValidateMatchesInput(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	i := func(v int) *int { return &v }
	good := Workout{Sport: "run", Start: now.Add(-time.Hour), DurationS: 1800, DistanceM: f(5000), AvgHR: f(150), MaxHR: f(170), Title: "  Morning run  "}
	cases := map[string]func(w *Workout){
		"valid":           func(w *Workout) {},
		"no sport":        func(w *Workout) { w.Sport = "" },
		"future start":    func(w *Workout) { w.Start = now.Add(48 * time.Hour) },
		"ancient start":   func(w *Workout) { w.Start = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC) },
		"zero duration":   func(w *Workout) { w.DurationS = 0 },
		"long distance":   func(w *Workout) { w.DistanceM = f(maxDistanceM + 1) },
		"avg above max":   func(w *Workout) { w.AvgHR = f(180) },
		"moving too long": func(w *Workout) { w.MovingS = f(1801) },
		"bad rpe":         func(w *Workout) { w.RPE = i(11) },
		"bad set":         func(w *Workout) { w.Sets = []WorkoutSet{{Exercise: ""}} },
		"too much gear":   func(w *Workout) { w.Gear = make([]int64, maxGearPerWorkout+1) },
		"long title":      func(w *Workout) { w.Title = string(make([]byte, maxTitleLen+1)) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			w := good
			change(&w)
			raw, _ := json.Marshal(w)
			var in workoutInput
			if err := json.Unmarshal(raw, &in); err != nil {
				t.Fatal(err)
			}
			in.ID = ""
			viaInput, inErr := in.validate(now)
			fromFile := w
			fromFile.ID = ""
			fileErr := fromFile.Validate(now)
			if (inErr == nil) != (fileErr == nil) || (inErr != nil && inErr.Error() != fileErr.Error()) {
				t.Fatalf("HTTP input says %v, Workout.Validate says %v", inErr, fileErr)
			}
			if inErr != nil {
				if ae, ok := fileErr.(*apiError); !ok || ae.Code != codeInvalidField {
					t.Fatalf("Workout.Validate returned %#v, want an invalid_field apiError", fileErr)
				}
				return
			}
			a, _ := json.Marshal(viaInput)
			b, _ := json.Marshal(fromFile)
			if string(a) != string(b) {
				t.Fatalf("accepted differently:\n HTTP %s\n file %s", a, b)
			}
		})
	}
}
