package main

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"
)

// epleyFormula is shown with strength records, so people know what the
// estimate means.
const epleyFormula = "Epley: e1RM = weight × (1 + reps / 30); a single counts as its weight; warm-up sets do not count"

// EffortRecord is the fastest time over one distance.
type EffortRecord struct {
	Name      string    `json:"name"`
	DistanceM float64   `json:"distance_m"`
	Seconds   float64   `json:"seconds"`
	WorkoutID string    `json:"workout_id"`
	Start     time.Time `json:"start"`
}

// LongestRecord is a sport's longest workout by distance or duration.
type LongestRecord struct {
	Sport     string    `json:"sport"`
	Value     float64   `json:"value"` // metres or seconds
	WorkoutID string    `json:"workout_id"`
	Start     time.Time `json:"start"`
}

// LiftRecord is an exercise's heaviest set and best estimated 1RM.
type LiftRecord struct {
	Exercise        string    `json:"exercise"`
	HeaviestKg      float64   `json:"heaviest_kg"`
	HeaviestWorkout string    `json:"heaviest_workout_id"`
	HeaviestStart   time.Time `json:"heaviest_start"`
	E1RMKg          float64   `json:"e1rm_kg"`
	E1RMWorkout     string    `json:"e1rm_workout_id"`
	E1RMStart       time.Time `json:"e1rm_start"`
}

// Records are a user's personal bests.
type Records struct {
	Efforts         []EffortRecord  `json:"efforts"`
	LongestDistance []LongestRecord `json:"longest_distance"`
	LongestDuration []LongestRecord `json:"longest_duration"`
	Lifts           []LiftRecord    `json:"lifts"`
	Formula         string          `json:"e1rm_formula"`
}

// heldRecord is one record with the workout that holds it.
type heldRecord struct {
	Name      string
	Value     float64
	Unit      string // "s", "kg" or "m"
	WorkoutID string
	Start     time.Time
	Sport     string // for the longest ones
}

func (s *server) records(w http.ResponseWriter, r *http.Request, p *principal) error {
	rec, err := s.store.Records(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// userLocation is the user's time zone, for cutting days.
func userLocation(u User) *time.Location {
	if loc, err := time.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// dayEntry is one local day of activity.
type dayEntry struct {
	Date      string    `json:"date"` // YYYY-MM-DD in the user's time zone
	Count     int       `json:"count"`
	DurationS float64   `json:"duration_s"`
	DistanceM float64   `json:"distance_m"`
	Workouts  []Workout `json:"workouts,omitempty"`
}

// activityByDay buckets the user's workouts in [from, to) by local day.
func (s *server) activityByDay(ctx context.Context, u User, from, to time.Time, withWorkouts bool) ([]dayEntry, error) {
	list, err := s.store.workoutsBetween(ctx, u.ID, from, to)
	if err != nil {
		return nil, err
	}
	loc := userLocation(u)
	days := []dayEntry{}
	for _, w := range list {
		date := w.Start.In(loc).Format(time.DateOnly)
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, dayEntry{Date: date})
		}
		d := &days[len(days)-1]
		d.Count++
		d.DurationS += w.DurationS
		if w.DistanceM != nil {
			d.DistanceM += *w.DistanceM
		}
		if withWorkouts {
			w.Sets = nil
			d.Workouts = append(d.Workouts, w)
		}
	}
	return days, nil
}

// calendar answers one month of the user's days: GET /api/calendar?month=2026-11.
func (s *server) calendar(w http.ResponseWriter, r *http.Request, p *principal) error {
	loc := userLocation(p.User)
	month := r.URL.Query().Get("month")
	if month == "" {
		month = s.now().In(loc).Format("2006-01")
	}
	first, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil || first.Year() < 1900 || first.Year() > 3000 {
		return invalidField("month", "must look like 2026-11")
	}
	days, err := s.activityByDay(r.Context(), p.User, first, first.AddDate(0, 1, 0), true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"month": month, "timezone": loc.String(), "days": days})
}

// heatmap answers a year of daily totals: GET /api/heatmap?year=2026.
func (s *server) heatmap(w http.ResponseWriter, r *http.Request, p *principal) error {
	loc := userLocation(p.User)
	year := s.now().In(loc).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		t, err := time.Parse("2006", v)
		if err != nil || t.Year() < 1900 || t.Year() > 3000 {
			return invalidField("year", "must be a year such as 2026")
		}
		year = t.Year()
	}
	first := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	days, err := s.activityByDay(r.Context(), p.User, first, first.AddDate(1, 0, 0), false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"year": year, "timezone": loc.String(), "days": days})
}

// maxSamplesPerRequest bounds one upload; longer series come in batches.
const maxSamplesPerRequest = 100_000

// sampleBodyLimit is the body limit for sample uploads. Defaults to 16 MiB.
const sampleBodyLimit = 16 << 20

func validateSample(i int, sm Sample) error {
	f := func(name string) string { return "samples[" + strconv.Itoa(i) + "]." + name }
	if math.IsNaN(sm.T) || math.IsInf(sm.T, 0) || sm.T < 0 || sm.T > maxDuration.Seconds() {
		return invalidField(f("t"), "must be seconds since the start, 0 to %g", maxDuration.Seconds())
	}
	if (sm.Lat == nil) != (sm.Lon == nil) {
		return invalidField(f("lat"), "lat and lon come together")
	}
	for _, c := range []struct {
		name   string
		v      *float64
		lo, hi float64
	}{
		{"lat", sm.Lat, -90, 90}, {"lon", sm.Lon, -180, 180}, {"alt", sm.Alt, -500, 9000},
		{"dist", sm.Dist, 0, maxDistanceM}, {"hr", sm.HR, minHR, maxHR}, {"cadence", sm.Cadence, 0, 300},
		{"power", sm.Power, 0, 3000}, {"speed", sm.Speed, 0, 100},
	} {
		if err := checkRange(f(c.name), c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	return nil
}

// sampleInput is a Sample as a client sends it. Its T shadows Sample.T
// as a pointer, so that a sample without "t" is told apart from one at
// t=0: stored as 0, it would overwrite the workout's first sample.
type sampleInput struct {
	Sample
	T *float64 `json:"t"`
}

// checkSamples accepts 1 to max samples, each checked by validateSample.
func checkSamples(samples []Sample, max int) error {
	if len(samples) == 0 || len(samples) > max {
		return invalidField("samples", "send 1 to %d samples per request", max)
	}
	for i, sm := range samples {
		if err := validateSample(i, sm); err != nil {
			return err
		}
	}
	return nil
}

// samplesFromInput turns what a client sent into Samples, refusing the
// whole batch, naming the sample, when one lacks its t or fails
// checkSamples.
func samplesFromInput(in []sampleInput, max int) ([]Sample, error) {
	if len(in) == 0 || len(in) > max {
		return nil, invalidField("samples", "send 1 to %d samples per request", max)
	}
	samples := make([]Sample, len(in))
	for i, si := range in {
		if si.T == nil {
			return nil, invalidField("samples["+strconv.Itoa(i)+"].t", "is required: seconds since the start")
		}
		samples[i] = si.Sample
		samples[i].T = *si.T
	}
	return samples, checkSamples(samples, max)
}

// decodeSamples reads a {"samples": [...]} body of up to sampleBodyLimit
// bytes holding 1 to max valid samples.
func decodeSamples(w http.ResponseWriter, r *http.Request, max int) ([]Sample, error) {
	r.Body = http.MaxBytesReader(w, r.Body, sampleBodyLimit)
	var body struct {
		Samples []sampleInput `json:"samples"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, errorf(codeInvalidJSON, `send {"samples": [{"t": 0, "lat": ..., "hr": ...}, ...]}: %v`, err)
	}
	return samplesFromInput(body.Samples, max)
}

func (s *server) addSamples(w http.ResponseWriter, r *http.Request, p *principal) error {
	samples, err := decodeSamples(w, r, maxSamplesPerRequest)
	if err != nil {
		return err
	}
	if err := s.store.AddSamples(r.Context(), p.User.ID, r.PathValue("id"), samples); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"stored": len(samples)})
}

// sampleColumns is a time series as columns, the shape charts take.
type sampleColumns struct {
	T       []float64  `json:"t"`
	Lat     []*float64 `json:"lat"`
	Lon     []*float64 `json:"lon"`
	Alt     []*float64 `json:"alt"`
	Dist    []*float64 `json:"dist"`
	HR      []*float64 `json:"hr"`
	Cadence []*float64 `json:"cadence"`
	Power   []*float64 `json:"power"`
	Speed   []*float64 `json:"speed"`
}

func columns(samples []Sample, withPosition bool) sampleColumns {
	n := len(samples)
	c := sampleColumns{T: make([]float64, n), Lat: make([]*float64, n), Lon: make([]*float64, n), Alt: make([]*float64, n),
		Dist: make([]*float64, n), HR: make([]*float64, n), Cadence: make([]*float64, n), Power: make([]*float64, n), Speed: make([]*float64, n)}
	dist, haveDist := cumulativeDistance(samples)
	for i, sm := range samples {
		c.T[i], c.Alt[i], c.HR[i], c.Cadence[i], c.Power[i], c.Speed[i] = sm.T, sm.Alt, sm.HR, sm.Cadence, sm.Power, sm.Speed
		if withPosition {
			c.Lat[i], c.Lon[i] = sm.Lat, sm.Lon
		}
		if haveDist {
			d := dist[i]
			c.Dist[i] = &d
		}
	}
	return c
}

func (s *server) getSamples(w http.ResponseWriter, r *http.Request, p *principal) error {
	wo, err := s.store.Workout(r.Context(), p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	samples, err := s.store.Samples(r.Context(), wo.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, columns(samples, true))
}
