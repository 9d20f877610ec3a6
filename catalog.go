package main

import (
	"context"
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
			return &apiError{Status: http.StatusConflict, Code: "conflict", Field: "name", Message: "a sport with that name exists"}
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
			return &apiError{Status: http.StatusConflict, Code: "conflict", Field: "name", Message: "an exercise with that name exists"}
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, ex)
}

// Sports lists the built-in sports and the user's own.
func (s *Store) Sports(ctx context.Context, userID int64) ([]Sport, error) {
	list := append([]Sport(nil), builtinSports...)
	rows, err := s.reader.QueryContext(ctx, "SELECT key, name, kind FROM custom_sports WHERE user_id = ? ORDER BY name", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sp := Sport{Custom: true}
		if err := rows.Scan(&sp.Key, &sp.Name, &sp.Kind); err != nil {
			return nil, err
		}
		sp.Measure = measureFor(sp)
		list = append(list, sp)
	}
	return list, rows.Err()
}

// Sport finds one of the user's sports by key.
func (s *Store) Sport(ctx context.Context, q querier, userID int64, key string) (Sport, error) {
	for _, sp := range builtinSports {
		if sp.Key == key {
			return sp, nil
		}
	}
	sp := Sport{Key: key, Custom: true}
	err := q.QueryRowContext(ctx, "SELECT name, kind FROM custom_sports WHERE user_id = ? AND key = ?", userID, key).Scan(&sp.Name, &sp.Kind)
	if err != nil {
		return sp, errNotFound
	}
	sp.Measure = measureFor(sp)
	return sp, nil
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

// CreateCustomSport adds a sport of the user's own.
func (s *Store) CreateCustomSport(ctx context.Context, userID int64, sp Sport) error {
	for _, b := range builtinSports {
		if b.Key == sp.Key {
			return errConflict
		}
	}
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO custom_sports (user_id, key, name, kind) VALUES (?, ?, ?, ?)", userID, sp.Key, sp.Name, sp.Kind)
		if isUniqueViolation(err) {
			return errConflict
		}
		if err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventSportCreated, "sport": sp})
	})
}

// Exercises lists the built-in exercises and the user's own.
func (s *Store) Exercises(ctx context.Context, userID int64) ([]Exercise, error) {
	list := append([]Exercise(nil), builtinExercises...)
	rows, err := s.reader.QueryContext(ctx, "SELECT key, name FROM custom_exercises WHERE user_id = ? ORDER BY name", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		ex := Exercise{Custom: true}
		if err := rows.Scan(&ex.Key, &ex.Name); err != nil {
			return nil, err
		}
		list = append(list, ex)
	}
	return list, rows.Err()
}

// exerciseKnown reports whether key is a built-in exercise or the user's.
func exerciseKnown(ctx context.Context, q querier, userID int64, key string) (bool, error) {
	for _, ex := range builtinExercises {
		if ex.Key == key {
			return true, nil
		}
	}
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM custom_exercises WHERE user_id = ? AND key = ?", userID, key).Scan(&n)
	return n > 0, err
}

// CreateCustomExercise adds an exercise of the user's own.
func (s *Store) CreateCustomExercise(ctx context.Context, userID int64, ex Exercise) error {
	for _, b := range builtinExercises {
		if b.Key == ex.Key {
			return errConflict
		}
	}
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO custom_exercises (user_id, key, name) VALUES (?, ?, ?)", userID, ex.Key, ex.Name)
		if isUniqueViolation(err) {
			return errConflict
		}
		if err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventExerciseCreated, "exercise": ex})
	})
}
