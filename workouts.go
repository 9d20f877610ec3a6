package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits on what a workout may say; anything outside is a typo or an
// attack, and is refused with the field named.
const (
	maxDuration   = 7 * 24 * time.Hour
	maxDistanceM  = 2_000_000 // 2,000 km
	maxElevationM = 50_000
	maxCalories   = 50_000
	minHR, maxHR  = 20, 250
	maxWeightKg   = 1000
	maxReps       = 1000
	maxSets       = 500
	maxTitleLen   = 200
	maxNotesLen   = 10_000
	maxPageSize   = 200
)

// WorkoutSet is one set of a strength exercise.
type WorkoutSet struct {
	Exercise string   `json:"exercise"`
	Reps     *int     `json:"reps,omitempty"`
	WeightKg *float64 `json:"weight_kg,omitempty"`
	RPE      *float64 `json:"rpe,omitempty"` // rate of perceived exertion, 1-10
	RIR      *int     `json:"rir,omitempty"` // reps in reserve, 0-10
	Warmup   bool     `json:"warmup"`
	RestS    *float64 `json:"rest_s,omitempty"`
	E1RMKg   *float64 `json:"e1rm_kg,omitempty"` // estimated one-rep max (Epley), set by the server
}

// Workout is one session. Distances are metres, durations seconds, and
// times UTC: units and time zones are the UI's business.
type Workout struct {
	ID         string       `json:"id"`
	Sport      string       `json:"sport"`
	Start      time.Time    `json:"start"`
	DurationS  float64      `json:"duration_s"` // elapsed: from start to end, pauses included
	MovingS    *float64     `json:"moving_s"`   // moving time (see movingTime); null when unknown
	DistanceM  *float64     `json:"distance_m"`
	ElevationM *float64     `json:"elevation_m"`
	Calories   *float64     `json:"calories"`
	AvgHR      *float64     `json:"avg_hr"`
	MaxHR      *float64     `json:"max_hr"`
	RPE        *int         `json:"rpe"`
	Title      string       `json:"title"`
	Notes      string       `json:"notes"`
	Sets       []WorkoutSet `json:"sets"`
	SetCount   int          `json:"set_count"`
	Samples    int          `json:"samples"`
	Gear       []int64      `json:"gear,omitempty"` // ids of the gear it carried; read with one workout, not in lists
	ShareToken string       `json:"share_token,omitempty"`
	ShareMap   bool         `json:"share_map"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// workoutInput is a workout as a client sends it, before validation.
type workoutInput struct {
	ID         string       `json:"id"`
	Sport      string       `json:"sport"`
	Start      string       `json:"start"`
	DurationS  *float64     `json:"duration_s"`
	MovingS    *float64     `json:"moving_s"`
	DistanceM  *float64     `json:"distance_m"`
	ElevationM *float64     `json:"elevation_m"`
	Calories   *float64     `json:"calories"`
	AvgHR      *float64     `json:"avg_hr"`
	MaxHR      *float64     `json:"max_hr"`
	RPE        *int         `json:"rpe"`
	Title      string       `json:"title"`
	Notes      string       `json:"notes"`
	Sets       []WorkoutSet `json:"sets"`
	Gear       []int64      `json:"gear"` // absent: the sport's default gear (on create) or unchanged (on edit)
}

func checkRange(field string, v *float64, lo, hi float64) error {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) {
		return invalidField(field, "must be a finite number")
	}
	if *v < lo || *v > hi {
		return invalidField(field, "must be between %g and %g", lo, hi)
	}
	return nil
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalidField(field, "must be UTF-8 text")
	}
	if utf8.RuneCountInString(s) > max {
		return invalidField(field, "must be at most %d characters", max)
	}
	return nil
}

// validate checks what only a client's input can get wrong (an id that is
// not a UUID, a start that is not an RFC 3339 time, a missing sport or
// duration) and turns the input into a Workout, which Workout.Validate then
// checks. now bounds the start time; the sport and exercises are checked
// against the user's catalogue by the caller.
func (in workoutInput) validate(now time.Time) (Workout, error) {
	var w Workout
	if in.ID != "" {
		id, err := uuid.Parse(in.ID)
		if err != nil || len(in.ID) != 36 {
			return w, invalidField("id", "must be a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427")
		}
		w.ID = id.String()
	}
	if in.Sport == "" {
		return w, invalidField("sport", "is required")
	}
	start, err := time.Parse(time.RFC3339, in.Start)
	if err != nil {
		return w, invalidField("start", "must be an RFC 3339 time such as 2026-11-23T07:30:00+01:00")
	}
	if err := checkStart(start, now); err != nil {
		return w, err
	}
	if in.DurationS == nil {
		return w, invalidField("duration_s", "is required")
	}
	w.Gear = in.Gear
	w.Sport, w.Start, w.DurationS = in.Sport, start, *in.DurationS
	w.MovingS = in.MovingS
	w.DistanceM, w.ElevationM, w.Calories, w.AvgHR, w.MaxHR, w.RPE = in.DistanceM, in.ElevationM, in.Calories, in.AvgHR, in.MaxHR, in.RPE
	w.Title, w.Notes = in.Title, in.Notes
	w.Sets = in.Sets
	return w, w.Validate(now)
}

func checkStart(start, now time.Time) error {
	if start.Year() < 1900 || start.After(now.Add(24*time.Hour)) {
		return invalidField("start", "must be after 1900 and not more than a day in the future")
	}
	return nil
}

// Validate checks a workout, whether a client sent it or a file was read
// into it, with the same rules, field names and messages either way, and
// normalises it: the start in UTC to the millisecond, the title trimmed,
// the sets never nil. now bounds the start time; the sport and exercises
// are checked against the user's catalogue by the store.
func (w *Workout) Validate(now time.Time) error {
	if w.Sport == "" {
		return invalidField("sport", "is required")
	}
	if err := checkStart(w.Start, now); err != nil {
		return err
	}
	for _, err := range []error{
		checkRange("duration_s", &w.DurationS, 1, maxDuration.Seconds()),
		checkRange("moving_s", w.MovingS, 0, maxDuration.Seconds()),
		checkRange("distance_m", w.DistanceM, 0, maxDistanceM),
		checkRange("elevation_m", w.ElevationM, 0, maxElevationM),
		checkRange("calories", w.Calories, 0, maxCalories),
		checkRange("avg_hr", w.AvgHR, minHR, maxHR),
		checkRange("max_hr", w.MaxHR, minHR, maxHR),
		checkText("title", w.Title, maxTitleLen),
		checkText("notes", w.Notes, maxNotesLen),
	} {
		if err != nil {
			return err
		}
	}
	if w.AvgHR != nil && w.MaxHR != nil && *w.AvgHR > *w.MaxHR {
		return invalidField("avg_hr", "cannot be above max_hr")
	}
	if w.MovingS != nil && *w.MovingS > w.DurationS {
		return invalidField("moving_s", "cannot be above duration_s")
	}
	if w.RPE != nil && (*w.RPE < 1 || *w.RPE > 10) {
		return invalidField("rpe", "must be between 1 and 10")
	}
	if err := validateSets(w.Sets); err != nil {
		return err
	}
	if len(w.Gear) > maxGearPerWorkout {
		return invalidField("gear", "at most %d items", maxGearPerWorkout)
	}
	w.Start = w.Start.UTC().Truncate(time.Millisecond)
	w.Title = strings.TrimSpace(w.Title)
	if w.Sets == nil {
		w.Sets = []WorkoutSet{}
	}
	w.SetCount = len(w.Sets)
	return nil
}

func (s *server) createWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in workoutInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	wo, err := in.validate(s.now())
	if err != nil {
		return err
	}
	if wo.ID == "" {
		wo.ID = uuid.NewString()
	}
	stored, created, err := s.store.CreateWorkout(r.Context(), p.User.ID, wo)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // a retry of a create that already happened
	}
	return writeJSON(w, status, stored)
}

func (s *server) updateWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in workoutInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.ID = ""
	wo, err := in.validate(s.now())
	if err != nil {
		return err
	}
	wo.ID = r.PathValue("id")
	stored, err := s.store.UpdateWorkout(r.Context(), p.User.ID, wo)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, stored)
}

func (s *server) deleteWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.store.DeleteWorkout(r.Context(), p.User.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// workoutDetail is a workout with what its page shows beyond the list row.
type workoutDetail struct {
	Workout
	Splits      []Split  `json:"splits"`
	Records     []string `json:"records"`      // records this workout holds, e.g. "5 km"
	HasOriginal bool     `json:"has_original"` // imported from a file, downloadable as it was
	workoutTraining
}

func (s *server) getWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	wo, err := s.store.Workout(r.Context(), p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := workoutDetail{Workout: wo, Splits: []Split{}, Records: []string{}}
	if wo.Samples > 0 {
		samples, err := s.store.Samples(r.Context(), wo.ID)
		if err != nil {
			return err
		}
		sport, _ := s.store.Sport(r.Context(), p.User.ID, wo.Sport)
		if sp := splits(samples, splitUnit(sport.Measure, p.User.Units)); sp != nil {
			d.Splits = sp
		}
	}
	if d.Records, err = s.store.RecordsHeldBy(r.Context(), p.User.ID, wo); err != nil {
		return err
	}
	if d.HasOriginal, err = s.store.HasOriginal(r.Context(), wo.ID); err != nil {
		return err
	}
	if d.workoutTraining, err = s.store.WorkoutTraining(r.Context(), p.User, wo.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// workoutCursor is the opaque position after the last row of a page.
func encodeCursor(w Workout) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ms(w.Start), 10) + ":" + w.ID))
}

func decodeCursor(c string) (int64, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", err
	}
	startS, id, ok := strings.Cut(string(raw), ":")
	start, err := strconv.ParseInt(startS, 10, 64)
	if !ok || err != nil {
		return 0, "", errors.New("bad cursor")
	}
	return start, id, nil
}

// workoutFilter narrows the history list.
type workoutFilter struct {
	Sport      string
	From, To   time.Time // zero means open
	Text       string
	Limit      int
	AfterStart int64 // cursor: continue after this start (ms) and id
	AfterID    string
	HasAfter   bool
}

// parseTimeParam reads a query parameter that is an RFC 3339 time, or a
// date meaning that day's local midnight in loc.
func parseTimeParam(field, v string, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, invalidField(field, "must be a date (2026-11-23) or an RFC 3339 time")
}

func (s *server) listWorkouts(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	f := workoutFilter{Sport: q.Get("sport"), Text: strings.TrimSpace(q.Get("q")), Limit: 50}
	var err error
	loc := userLocation(p.User)
	if f.From, err = parseTimeParam("from", q.Get("from"), loc); err != nil {
		return err
	}
	if f.To, err = parseTimeParam("to", q.Get("to"), loc); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > maxPageSize {
			return invalidField("limit", "must be between 1 and %d", maxPageSize)
		}
	}
	if len(f.Text) > maxTitleLen {
		return invalidField("q", "must be at most %d characters", maxTitleLen)
	}
	if c := q.Get("cursor"); c != "" {
		if f.AfterStart, f.AfterID, err = decodeCursor(c); err != nil {
			return invalidField("cursor", "is not a cursor this server gave out")
		}
		f.HasAfter = true
	}
	items, err := s.store.Workouts(r.Context(), p.User.ID, f)
	if err != nil {
		return err
	}
	page := struct {
		Items      []Workout `json:"items"`
		NextCursor string    `json:"next_cursor,omitempty"`
	}{Items: items}
	if len(items) == f.Limit {
		page.NextCursor = encodeCursor(items[len(items)-1])
	}
	return writeJSON(w, http.StatusOK, page)
}

// validateSets checks strength sets and fills in each one's estimated
// one-rep maximum.
func validateSets(sets []WorkoutSet) error {
	if len(sets) > maxSets {
		return invalidField("sets", "at most %d sets", maxSets)
	}
	for i, set := range sets {
		f := fmt.Sprintf("sets[%d].", i)
		if set.Exercise == "" {
			return invalidField(f+"exercise", "is required")
		}
		if set.Reps != nil && (*set.Reps < 0 || *set.Reps > maxReps) {
			return invalidField(f+"reps", "must be between 0 and %d", maxReps)
		}
		if set.RIR != nil && (*set.RIR < 0 || *set.RIR > 10) {
			return invalidField(f+"rir", "must be between 0 and 10")
		}
		for _, err := range []error{
			checkRange(f+"weight_kg", set.WeightKg, 0, maxWeightKg),
			checkRange(f+"rpe", set.RPE, 1, 10),
			checkRange(f+"rest_s", set.RestS, 0, 3600),
		} {
			if err != nil {
				return err
			}
		}
		sets[i].E1RMKg = nil
		if set.WeightKg != nil && set.Reps != nil && *set.Reps > 0 && !set.Warmup {
			e := math.Round(epley(*set.WeightKg, *set.Reps)*10) / 10
			sets[i].E1RMKg = &e
		}
	}
	return nil
}
