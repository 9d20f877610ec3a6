package main

import (
	"net/http"
	"regexp"
	"strings"
)

// Sport kinds decide which fields a workout of that sport uses.
const (
	kindDistance = "distance" // runs, rides, swims...: distance, pace, route
	kindDuration = "duration" // yoga, HIIT...: time and effort
	kindStrength = "strength" // sets of exercises
)

// How a distance sport's speed is shown: the one rule the UI and the
// splits follow. Runners think in minutes per kilometre, cyclists in
// km/h, swimmers per 100 m and rowers per 500 m.
const (
	measurePace    = "pace"      // time per km or mile: run, walk, hike
	measureSpeed   = "speed"     // km/h or mph: ride, ski
	measurePace100 = "pace_100m" // time per 100 m or 100 yd: swim
	measurePace500 = "pace_500m" // time per 500 m: row
)

// Sport is a kind of workout. Built-in sports have plain keys ("run");
// users may add their own. Measure is set for distance sports only;
// custom distance sports are shown in pace.
type Sport struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Measure string `json:"measure,omitempty"`
	Custom  bool   `json:"custom"`
}

var builtinSports = []Sport{
	{Key: "run", Name: "Run", Kind: kindDistance, Measure: measurePace},
	{Key: "trail_run", Name: "Trail run", Kind: kindDistance, Measure: measurePace},
	{Key: "walk", Name: "Walk", Kind: kindDistance, Measure: measurePace},
	{Key: "hike", Name: "Hike", Kind: kindDistance, Measure: measurePace},
	{Key: "ride", Name: "Ride", Kind: kindDistance, Measure: measureSpeed},
	{Key: "mtb", Name: "Mountain bike", Kind: kindDistance, Measure: measureSpeed},
	{Key: "swim", Name: "Swim", Kind: kindDistance, Measure: measurePace100},
	{Key: "row", Name: "Row", Kind: kindDistance, Measure: measurePace500},
	{Key: "ski", Name: "Ski", Kind: kindDistance, Measure: measureSpeed},
	{Key: "xc_ski", Name: "Cross-country ski", Kind: kindDistance, Measure: measurePace},
	{Key: "elliptical", Name: "Elliptical", Kind: kindDistance, Measure: measurePace},
	{Key: "strength", Name: "Strength training", Kind: kindStrength},
	{Key: "yoga", Name: "Yoga", Kind: kindDuration},
	{Key: "hiit", Name: "HIIT", Kind: kindDuration},
	{Key: "climbing", Name: "Climbing", Kind: kindDuration},
	{Key: "pilates", Name: "Pilates", Kind: kindDuration},
	{Key: "dance", Name: "Dance", Kind: kindDuration},
	{Key: "other", Name: "Other", Kind: kindDuration},
}

// runningSports are the sports whose best efforts (fastest 1 km, 5 km...)
// count as running records.
var runningSports = map[string]bool{"run": true, "trail_run": true}

// Exercise is a strength exercise. Built-in ones have plain keys; users
// may add their own.
type Exercise struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Custom bool   `json:"custom"`
}

var builtinExercises = []Exercise{
	{Key: "bench_press", Name: "Bench press"},
	{Key: "incline_bench_press", Name: "Incline bench press"},
	{Key: "squat", Name: "Back squat"},
	{Key: "front_squat", Name: "Front squat"},
	{Key: "deadlift", Name: "Deadlift"},
	{Key: "romanian_deadlift", Name: "Romanian deadlift"},
	{Key: "overhead_press", Name: "Overhead press"},
	{Key: "barbell_row", Name: "Barbell row"},
	{Key: "pull_up", Name: "Pull-up"},
	{Key: "chin_up", Name: "Chin-up"},
	{Key: "dip", Name: "Dip"},
	{Key: "push_up", Name: "Push-up"},
	{Key: "lat_pulldown", Name: "Lat pulldown"},
	{Key: "leg_press", Name: "Leg press"},
	{Key: "lunge", Name: "Lunge"},
	{Key: "hip_thrust", Name: "Hip thrust"},
	{Key: "bicep_curl", Name: "Biceps curl"},
	{Key: "tricep_extension", Name: "Triceps extension"},
	{Key: "face_pull", Name: "Face pull"},
	{Key: "calf_raise", Name: "Calf raise"},
}

func validSportKind(k string) bool {
	return k == kindDistance || k == kindDuration || k == kindStrength
}

var keyPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// keyFromName makes a key such as "sea_kayak" from "Sea kayak!".
func keyFromName(name string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		case b.Len() > 0 && !underscore:
			b.WriteByte('_')
			underscore = true
		}
	}
	key := strings.TrimSuffix(b.String(), "_")
	if len(key) > 40 {
		key = key[:40]
	}
	return key
}

func (s *server) listSports(w http.ResponseWriter, r *http.Request, p *principal) error {
	sports, err := s.store.Sports(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sports)
}

func (s *server) createSport(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	name, err := validateLabel("name", body.Name)
	if err != nil {
		return err
	}
	if !validSportKind(body.Kind) {
		return invalidField("kind", "must be distance, duration or strength")
	}
	sp := Sport{Key: keyFromName(name), Name: name, Kind: body.Kind, Custom: true}
	sp.Measure = measureFor(sp)
	if !keyPattern.MatchString(sp.Key) {
		return invalidField("name", "needs at least one letter or digit")
	}
	if err := s.store.CreateCustomSport(r.Context(), p.User.ID, sp); err != nil {
		if err == errConflict {
			return &apiError{Code: codeConflict, Field: "name", Message: "a sport with that name exists"}
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, sp)
}

func (s *server) listExercises(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.Exercises(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) createExercise(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	name, err := validateLabel("name", body.Name)
	if err != nil {
		return err
	}
	ex := Exercise{Key: keyFromName(name), Name: name, Custom: true}
	if !keyPattern.MatchString(ex.Key) {
		return invalidField("name", "needs at least one letter or digit")
	}
	if err := s.store.CreateCustomExercise(r.Context(), p.User.ID, ex); err != nil {
		if err == errConflict {
			return &apiError{Code: codeConflict, Field: "name", Message: "an exercise with that name exists"}
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, ex)
}

// measureFor is how a custom sport's speed is shown: pace for a distance
// sport, nothing for the others.
func measureFor(sp Sport) string {
	if sp.Kind != kindDistance {
		return ""
	}
	return measurePace
}

// splitUnit is the length of one split of a sport in metres: a kilometre
// or a mile, 100 m or 100 yd for swims, 500 m for rows.
func splitUnit(measure, units string) float64 {
	switch {
	case measure == measurePace100 && units == "imperial":
		return 91.44
	case measure == measurePace100:
		return 100
	case measure == measurePace500:
		return 500
	case units == "imperial":
		return 1609.344
	}
	return 1000
}
