package main

import (
	"context"
	"database/sql"
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

// Records computes the user's personal bests. Each one is an index probe,
// so it stays fast with years of history.
func (s *Store) Records(ctx context.Context, userID int64) (Records, error) {
	rec := Records{Efforts: []EffortRecord{}, LongestDistance: []LongestRecord{}, LongestDuration: []LongestRecord{}, Lifts: []LiftRecord{}, Formula: epleyFormula}
	for _, e := range effortDistances {
		var r EffortRecord
		var start int64
		err := s.reader.QueryRowContext(ctx, `SELECT b.seconds, b.workout_id, w.start_at FROM best_efforts b JOIN workouts w ON w.id = b.workout_id
			WHERE b.user_id = ? AND b.distance_m = ? ORDER BY b.seconds, w.start_at LIMIT 1`, userID, e.Meters).Scan(&r.Seconds, &r.WorkoutID, &start)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return rec, err
		}
		r.Name, r.DistanceM, r.Start = e.Name, e.Meters, fromMS(start)
		rec.Efforts = append(rec.Efforts, r)
	}
	sports, err := s.distinctKeys(ctx, "workouts", "sport", "user_id = ?1", userID)
	if err != nil {
		return rec, err
	}
	// One index probe per sport and column (see the workouts_user_sport_*
	// indexes): years of history cost no more than a week of it.
	for _, sport := range sports {
		for _, c := range []struct {
			column string
			list   *[]LongestRecord
		}{{"distance_m", &rec.LongestDistance}, {"duration_s", &rec.LongestDuration}} {
			r := LongestRecord{Sport: sport}
			var start int64
			err := s.reader.QueryRowContext(ctx, `SELECT `+c.column+`, id, start_at FROM workouts
				WHERE user_id = ? AND sport = ? AND `+c.column+` > 0 ORDER BY `+c.column+` DESC LIMIT 1`, userID, sport).Scan(&r.Value, &r.WorkoutID, &start)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return rec, err
			}
			r.Start = fromMS(start)
			*c.list = append(*c.list, r)
		}
	}
	exercises, err := s.distinctKeys(ctx, "workout_sets", "exercise", "user_id = ?1 AND warmup = 0 AND reps > 0", userID)
	if err != nil {
		return rec, err
	}
	for _, ex := range exercises {
		l := LiftRecord{Exercise: ex}
		var start int64
		err := s.reader.QueryRowContext(ctx, `SELECT s.weight_kg, s.workout_id, w.start_at FROM workout_sets s JOIN workouts w ON w.id = s.workout_id
			WHERE s.user_id = ? AND s.exercise = ? AND s.warmup = 0 AND s.reps > 0 AND s.weight_kg IS NOT NULL
			ORDER BY s.weight_kg DESC LIMIT 1`, userID, ex).Scan(&l.HeaviestKg, &l.HeaviestWorkout, &start)
		if errors.Is(err, sql.ErrNoRows) {
			continue // sets without weights (body-weight reps)
		}
		if err != nil {
			return rec, err
		}
		l.HeaviestStart = fromMS(start)
		err = s.reader.QueryRowContext(ctx, `SELECT s.e1rm_kg, s.workout_id, w.start_at FROM workout_sets s JOIN workouts w ON w.id = s.workout_id
			WHERE s.user_id = ? AND s.exercise = ? AND s.warmup = 0 AND s.reps > 0 AND s.e1rm_kg IS NOT NULL
			ORDER BY s.e1rm_kg DESC LIMIT 1`, userID, ex).Scan(&l.E1RMKg, &l.E1RMWorkout, &start)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return rec, err
		}
		l.E1RMStart = fromMS(start)
		rec.Lifts = append(rec.Lifts, l)
	}
	return rec, nil
}

// distinctKeys lists the distinct values of column among table's rows that
// match where, in order. It hops from one value to the next through the
// index that starts with where's columns and then column (a skip scan), so
// it costs one index seek per value rather than a pass over every row.
// table, column and where are constants of the caller's, never input.
func (s *Store) distinctKeys(ctx context.Context, table, column, where string, args ...any) ([]string, error) {
	query := `WITH RECURSIVE k(v) AS (
		SELECT min(` + column + `) FROM ` + table + ` WHERE ` + where + `
		UNION ALL
		SELECT (SELECT min(` + column + `) FROM ` + table + ` WHERE ` + where + ` AND ` + column + ` > k.v) FROM k WHERE k.v IS NOT NULL)
		SELECT v FROM k WHERE v IS NOT NULL`
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RecordsHeldBy names the records w currently holds, such as "5 km",
// "Longest run" or "Bench press e1RM", so its page can show them. A first
// is not a record worth a badge: a record counts once another workout has
// competed for it.
func (s *Store) RecordsHeldBy(ctx context.Context, userID int64, w Workout) ([]string, error) {
	rec, err := s.Records(ctx, userID)
	if err != nil {
		return nil, err
	}
	held := []string{}
	for _, r := range s.beaten(ctx, userID, rec) {
		if r.WorkoutID == w.ID {
			held = append(held, r.Name)
		}
	}
	return held, ctx.Err()
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

// beaten lists the records of rec that beat another workout: some other
// workout did worse. Firsts (the only run with a 5 km in it, the first
// session of an exercise) and ties are left out. Each check is one index
// probe.
func (s *Store) beaten(ctx context.Context, userID int64, rec Records) []heldRecord {
	rival := func(query string, args ...any) bool {
		var one int
		return s.reader.QueryRowContext(ctx, query+" LIMIT 1", args...).Scan(&one) == nil
	}
	var out []heldRecord
	for _, e := range rec.Efforts {
		if rival("SELECT 1 FROM best_efforts WHERE user_id = ? AND distance_m = ? AND workout_id != ? AND seconds > ?", userID, e.DistanceM, e.WorkoutID, e.Seconds) {
			out = append(out, heldRecord{"Fastest " + e.Name, e.Seconds, "s", e.WorkoutID, e.Start, ""})
		}
	}
	names, _ := s.exerciseNames(ctx, userID)
	for _, l := range rec.Lifts {
		name := names[l.Exercise]
		if name == "" {
			name = l.Exercise
		}
		for _, r := range []struct {
			heldRecord
			column string
			best   float64
		}{
			{heldRecord{"Heaviest " + name, l.HeaviestKg, "kg", l.HeaviestWorkout, l.HeaviestStart, ""}, "weight_kg", l.HeaviestKg},
			{heldRecord{"Best e1RM " + name, math.Round(l.E1RMKg*10) / 10, "kg", l.E1RMWorkout, l.E1RMStart, ""}, "e1rm_kg", l.E1RMKg},
		} {
			if r.WorkoutID != "" && r.Value > 0 && rival(`SELECT 1 FROM workout_sets WHERE user_id = ? AND exercise = ? AND warmup = 0 AND reps > 0
				AND workout_id != ? AND `+r.column+` < ?`, userID, l.Exercise, r.WorkoutID, r.best) {
				out = append(out, r.heldRecord)
			}
		}
	}
	for _, c := range []struct {
		list   []LongestRecord
		column string
		name   string
		unit   string
	}{{rec.LongestDistance, "distance_m", "Longest distance", "m"}, {rec.LongestDuration, "duration_s", "Longest duration", "s"}} {
		for _, l := range c.list {
			if rival("SELECT 1 FROM workouts WHERE user_id = ? AND sport = ? AND "+c.column+" > 0 AND id != ? AND "+c.column+" < ?", userID, l.Sport, l.WorkoutID, l.Value) {
				out = append(out, heldRecord{c.name, l.Value, c.unit, l.WorkoutID, l.Start, l.Sport})
			}
		}
	}
	return out
}

// exerciseNames maps every exercise key the user has to its name.
func (s *Store) exerciseNames(ctx context.Context, userID int64) (map[string]string, error) {
	list, err := s.Exercises(ctx, userID)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(list))
	for _, ex := range list {
		names[ex.Key] = ex.Name
	}
	return names, nil
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
		return nil, errorf(http.StatusBadRequest, "invalid_json", `send {"samples": [{"t": 0, "lat": ..., "hr": ...}, ...]}: %v`, err)
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
