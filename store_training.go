package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strings"
	"time"
)

// athleteKeys are the athlete settings with a dated history.
var athleteKeys = map[string]bool{"max_hr": true, "rest_hr": true, "lthr": true, "ftp": true, "threshold_pace": true, "sex": true, "hr_zones": true}

// settingRanges bound each numeric athlete setting: heart rates in bpm,
// FTP in watts, threshold pace in seconds per km (2:00 to 15:00).
var settingRanges = map[string][2]float64{"max_hr": {100, maxHR}, "rest_hr": {25, 120}, "lthr": {80, maxHR}, "ftp": {30, 700},
	"threshold_pace": {120, 900}}

// defaultRestHR is the resting heart rate assumed until the athlete gives
// theirs: workouts cannot show it, and 60 bpm is the textbook adult
// figure. A load computed with it is marked estimated.
const defaultRestHR = 60

// settingEntry is one dated value of an athlete setting.
type settingEntry struct {
	Key   string          `json:"key"`
	From  string          `json:"from"` // first local day it applies to
	Value json.RawMessage `json:"value"`
}

// athleteValues are the settings in force on one day, with which of them
// are estimates rather than the athlete's own.
type athleteValues struct {
	MaxHR, RestHR, LTHR, FTP, ThresholdPace float64
	Female                                  bool
	HRZones                                 []float64
	EstMaxHR, EstRestHR, EstFTP             bool
}

// trainingEstimates are what the athlete's own workouts suggest.
type trainingEstimates struct {
	MaxHR sql.NullFloat64
	FTP   sql.NullFloat64
}

func settingHistory(ctx context.Context, q querier, userID int64) ([]settingEntry, error) {
	return queryList(ctx, q, "SELECT key, from_date, value FROM athlete_settings WHERE user_id = ? ORDER BY key, from_date", []any{userID},
		func(r rowScanner) (settingEntry, error) {
			var e settingEntry
			var v string
			err := r.Scan(&e.Key, &e.From, &v)
			e.Value = json.RawMessage(v)
			return e, err
		})
}

// resolveSettings picks, for each setting, the entry in force on day: the
// latest one from day or before. Before the first entry of a setting that
// first entry applies, so a value entered today also covers the workouts
// imported from before it; later entries apply from their date on. A
// setting never entered falls back to the estimate, or the default.
func resolveSettings(hist []settingEntry, day string, est trainingEstimates) athleteValues {
	var v athleteValues
	found := map[string]json.RawMessage{}
	for _, e := range hist { // ordered by key, then date
		if _, ok := found[e.Key]; !ok || e.From <= day {
			found[e.Key] = e.Value
		}
	}
	num := func(key string) float64 {
		var f float64
		json.Unmarshal(found[key], &f)
		return f
	}
	v.MaxHR, v.RestHR, v.LTHR, v.FTP, v.ThresholdPace = num("max_hr"), num("rest_hr"), num("lthr"), num("ftp"), num("threshold_pace")
	var sex string
	json.Unmarshal(found["sex"], &sex)
	v.Female = sex == "female"
	json.Unmarshal(found["hr_zones"], &v.HRZones)
	if v.MaxHR == 0 && est.MaxHR.Valid {
		v.MaxHR, v.EstMaxHR = est.MaxHR.Float64, true
	}
	if v.RestHR == 0 {
		v.RestHR, v.EstRestHR = defaultRestHR, true
	}
	if v.FTP == 0 && est.FTP.Valid {
		v.FTP, v.EstFTP = est.FTP.Float64, true
	}
	return v
}

// trainingResult is what a workout's page and the fitness series show.
type trainingResult struct {
	Load       *float64
	Method     string
	Estimated  bool // the load rests on an estimated input (for TRIMP: maximum or resting heart rate)
	HRZones    []float64
	PowerZones []float64
	NP         *float64
	Intensity  *float64
}

// deriveTraining turns a workout's summary and the settings of its day
// into zones and a load. Power wins over heart rate where both exist,
// because TSS measures the work itself and heart rate lags and drifts;
// heart rate (Banister TRIMP) comes next, from the samples or, for a
// workout logged by hand, from its average (Banister's original form);
// duration and RPE last.
func deriveTraining(sum trainingSummary, durationS float64, avgHR *float64, rpe *float64, v athleteValues) trainingResult {
	var r trainingResult
	round := func(x float64) *float64 { x = math.Round(x*10) / 10; return &x }
	hrEstimated := v.EstRestHR || (v.EstMaxHR && v.LTHR == 0 && len(v.HRZones) != 5)
	if bounds := hrZoneBounds(v.MaxHR, v.LTHR, v.HRZones); len(sum.HRHist) > 0 && bounds != nil {
		r.HRZones = zoneSeconds(sum.HRHist, 1, bounds)
	}
	if sum.PowerS > 0 && v.FTP > 0 {
		r.PowerZones = zoneSeconds(sum.PowerHist, powerBin, powerZoneBounds(v.FTP))
	}
	if sum.NP > 0 {
		r.NP = round(sum.NP)
		if v.FTP > 0 {
			i := math.Round(sum.NP/v.FTP*100) / 100
			r.Intensity = &i
		}
	}
	switch {
	case sum.NP > 0 && v.FTP > 0:
		r.Load, r.Method, r.Estimated = round(powerTSS(sum.PowerS, sum.NP, v.FTP)), "tss", v.EstFTP
	case len(sum.HRHist) > 0 && v.MaxHR > 0:
		r.Load, r.Method, r.Estimated = round(banisterTRIMP(sum.HRHist, v.RestHR, v.MaxHR, v.Female)), "trimp", hrEstimated
	case avgHR != nil && v.MaxHR > 0:
		hist := map[int]float64{int(math.Round(*avgHR)): durationS}
		r.Load, r.Method, r.Estimated = round(banisterTRIMP(hist, v.RestHR, v.MaxHR, v.Female)), "trimp", hrEstimated
	case rpe != nil:
		r.Load, r.Method, r.Estimated = round(rpeLoad(durationS, *rpe)), "rpe", true
	}
	return r
}

// currentEstimates reads what the athlete's workouts suggest now: the
// highest heart rate in any workout, and 95 % of the best 20-minute power
// (Coggan's field test). Both are index lookups.
func currentEstimates(ctx context.Context, q querier, userID int64) (trainingEstimates, error) {
	var e trainingEstimates
	var best20 sql.NullFloat64
	err := q.QueryRowContext(ctx, `SELECT (SELECT max(max_hr) FROM workout_training WHERE user_id = ?1),
		(SELECT max(best20_w) FROM workout_training WHERE user_id = ?1)`, userID).Scan(&e.MaxHR, &best20)
	if best20.Valid {
		e.FTP = sql.NullFloat64{Float64: math.Round(best20.Float64 * 0.95), Valid: true}
	}
	return e, err
}

func storedEstimates(tx *Tx, userID int64) (trainingEstimates, error) {
	var e trainingEstimates
	err := tx.QueryRow("SELECT max_hr, ftp FROM athlete_estimates WHERE user_id = ?", userID).Scan(&e.MaxHR, &e.FTP)
	if errors.Is(err, sql.ErrNoRows) {
		return e, nil
	}
	return e, err
}

// refreshTraining recomputes a workout's training summary from its samples
// (or, when the workout is gone, only what its absence changes), then its
// zones and load. It runs inside the write that stored or changed the
// workout, so nothing reads samples when a page is asked for. When the
// workout moves the athlete's estimates (a new highest heart rate, a
// better 20 minutes), every workout that rests on estimates is derived
// again, from the stored summaries.
func (s *Store) refreshTraining(tx *Tx, userID int64, workoutID string) error {
	ctx := context.Background()
	var startAt int64
	var sport string
	var maxHR sql.NullFloat64
	err := tx.QueryRow("SELECT start_at, sport, max_hr FROM workouts WHERE id = ? AND user_id = ?", workoutID, userID).Scan(&startAt, &sport, &maxHR)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if exists {
		samples, err := samplesOf(ctx, tx, workoutID)
		if err != nil {
			return err
		}
		sum := summarize(samples)
		var best20 any
		if b, ok := sum.Bests[1200]; ok {
			best20 = b
		}
		seen := any(nil)
		if sum.MaxHR > 0 || maxHR.Valid {
			seen = math.Max(sum.MaxHR, maxHR.Float64)
		}
		raw, _ := json.Marshal(sum)
		if _, err := tx.Exec(`INSERT INTO workout_training (workout_id, user_id, start_at, sport, max_hr, best20_w) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (workout_id) DO UPDATE SET start_at = excluded.start_at, sport = excluded.sport,
			max_hr = excluded.max_hr, best20_w = excluded.best20_w`,
			workoutID, userID, startAt, sport, seen, best20); err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT OR REPLACE INTO workout_summaries (workout_id, summary) VALUES (?, ?)", workoutID, string(raw)); err != nil {
			return err
		}
		if _, err := tx.Exec("DELETE FROM power_bests WHERE workout_id = ?", workoutID); err != nil {
			return err
		}
		for d, w := range sum.Bests {
			if _, err := tx.Exec("INSERT INTO power_bests (workout_id, user_id, duration_s, watts, start_at) VALUES (?, ?, ?, ?, ?)", workoutID, userID, d, math.Round(w), startAt); err != nil {
				return err
			}
		}
	}
	old, err := storedEstimates(tx, userID)
	if err != nil {
		return err
	}
	est, err := currentEstimates(ctx, tx, userID)
	if err != nil {
		return err
	}
	if est != old {
		if _, err := tx.Exec(`INSERT INTO athlete_estimates (user_id, max_hr, ftp) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET max_hr = excluded.max_hr, ftp = excluded.ftp`, userID, est.MaxHR, est.FTP); err != nil {
			return err
		}
		err = s.rederive(tx, userID, "(t.estimated = 1 OR t.workout_id = ?)", workoutID)
	} else if exists {
		err = s.rederive(tx, userID, "t.workout_id = ?", workoutID)
	}
	if err != nil {
		return err
	}
	return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventTrainingUpdated, "id": workoutID})
}

// rederive recomputes zones and loads of the user's workouts matching
// where (on workout_training t and workouts w) from their stored summaries
// and the settings of each one's day. It reads no samples: a workout costs
// one row of a few hundred numbers, so even all of ten years (5,000
// workouts) is one pass over 5,000 small rows.
func (s *Store) rederive(tx *Tx, userID int64, where string, args ...any) error {
	ctx := context.Background()
	hist, err := settingHistory(ctx, tx, userID)
	if err != nil {
		return err
	}
	est, err := storedEstimates(tx, userID)
	if err != nil {
		return err
	}
	var tz string
	if err := tx.QueryRow("SELECT timezone FROM users WHERE id = ?", userID).Scan(&tz); err != nil {
		return err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	type row struct {
		id       string
		start    int64
		duration float64
		avgHR    *float64
		rpe      *float64
		summary  string
	}
	rows, err := queryList(ctx, tx, `SELECT t.workout_id, w.start_at, w.duration_s, w.avg_hr,
		coalesce(w.rpe, (SELECT avg(s.rpe) FROM workout_sets s WHERE s.workout_id = w.id AND s.rpe IS NOT NULL)), m.summary
		FROM workout_training t JOIN workouts w ON w.id = t.workout_id JOIN workout_summaries m ON m.workout_id = t.workout_id
		WHERE t.user_id = ? AND `+where, append([]any{userID}, args...),
		func(r rowScanner) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.start, &x.duration, &x.avgHR, &x.rpe, &x.summary)
		})
	if err != nil {
		return err
	}
	update, err := tx.Prepare(`UPDATE workout_training SET start_at = ?, load = ?, method = ?, estimated = ?, hr_zones = ?, power_zones = ?, np = ?, intensity = ?
		WHERE workout_id = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	for _, x := range rows {
		var sum trainingSummary
		if err := json.Unmarshal([]byte(x.summary), &sum); err != nil {
			return err
		}
		day := fromMS(x.start).In(loc).Format(time.DateOnly)
		r := deriveTraining(sum, x.duration, x.avgHR, x.rpe, resolveSettings(hist, day, est))
		if _, err := update.Exec(x.start, r.Load, nullString(r.Method), r.Estimated, jsonOrNull(r.HRZones), jsonOrNull(r.PowerZones), r.NP, r.Intensity, x.id); err != nil {
			return err
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jsonOrNull(v []float64) any {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// SetAthleteSetting records a setting's value from a day on (replacing a
// value given for the same day) and recomputes the workouts it changes:
// those from that day on, or all of them when it is the setting's first
// entry (which also applies before its date). The work is bounded by the
// user's workout count and reads no samples (see rederive).
func (s *Store) SetAthleteSetting(ctx context.Context, userID int64, e settingEntry, remove bool) error {
	return s.Write(ctx, func(tx *Tx) error {
		var err error
		if remove {
			var res sql.Result
			res, err = tx.Exec("DELETE FROM athlete_settings WHERE user_id = ? AND key = ? AND from_date = ?", userID, e.Key, e.From)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return errNotFound
				}
			}
		} else {
			_, err = tx.Exec(`INSERT INTO athlete_settings (user_id, key, from_date, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, key, from_date) DO UPDATE SET value = excluded.value`, userID, e.Key, e.From, string(e.Value))
		}
		if err != nil {
			return err
		}
		var first sql.NullString
		if err := tx.QueryRow("SELECT min(from_date) FROM athlete_settings WHERE user_id = ? AND key = ?", userID, e.Key).Scan(&first); err != nil {
			return err
		}
		var tz string
		if err := tx.QueryRow("SELECT timezone FROM users WHERE id = ?", userID).Scan(&tz); err != nil {
			return err
		}
		loc, _ := time.LoadLocation(tz)
		if loc == nil {
			loc = time.UTC
		}
		from, _ := time.ParseInLocation(time.DateOnly, e.From, loc)
		if !first.Valid || e.From <= first.String {
			err = s.rederive(tx, userID, "1")
		} else {
			err = s.rederive(tx, userID, "w.start_at >= ?", ms(from))
		}
		if err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventTrainingUpdated, "setting": e.Key})
	})
}

// workoutTraining is the training part of a workout's page.
type workoutTraining struct {
	HRZones      []float64    `json:"hr_zones,omitempty"`           // seconds in each zone, zone 1 first
	HRZoneBounds []float64    `json:"hr_zone_bounds,omitempty"`     // each zone's lower bound, bpm
	HRZonesEst   bool         `json:"hr_zones_estimated,omitempty"` // bounds from the estimated maximum
	PowerZones   []float64    `json:"power_zones,omitempty"`
	PowerBounds  []float64    `json:"power_zone_bounds,omitempty"`
	Load         *loadValue   `json:"load,omitempty"`
	NP           *float64     `json:"normalized_power,omitempty"`
	Intensity    *float64     `json:"intensity,omitempty"`
	AvgPower     *float64     `json:"avg_power,omitempty"`
	PowerBests   []powerPoint `json:"power_bests,omitempty"`
	PowerRecords []int        `json:"power_records"` // durations (s) whose all-time best this workout holds
}

// loadValue is a workout's training load and how it was found.
type loadValue struct {
	Value     float64 `json:"value"`
	Method    string  `json:"method"` // trimp, tss or rpe
	Estimated bool    `json:"estimated"`
}

// powerPoint is one point of a power curve.
type powerPoint struct {
	DurationS int       `json:"duration_s"`
	Watts     float64   `json:"watts"`
	WorkoutID string    `json:"workout_id,omitempty"`
	Start     time.Time `json:"start,omitzero"`
}

// WorkoutTraining reads a workout's stored zones, load and powers.
func (s *Store) WorkoutTraining(ctx context.Context, u User, workoutID string) (workoutTraining, error) {
	out := workoutTraining{PowerRecords: []int{}}
	var load, np, intensity sql.NullFloat64
	var method, hrZones, powerZones sql.NullString
	var estimated bool
	var summary string
	var start int64
	err := s.reader.QueryRowContext(ctx, `SELECT t.load, t.method, t.estimated, t.hr_zones, t.power_zones, t.np, t.intensity, m.summary, t.start_at
		FROM workout_training t JOIN workout_summaries m ON m.workout_id = t.workout_id WHERE t.workout_id = ? AND t.user_id = ?`, workoutID, u.ID).
		Scan(&load, &method, &estimated, &hrZones, &powerZones, &np, &intensity, &summary, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if load.Valid {
		out.Load = &loadValue{Value: load.Float64, Method: method.String, Estimated: estimated}
	}
	if np.Valid {
		out.NP = &np.Float64
	}
	if intensity.Valid {
		out.Intensity = &intensity.Float64
	}
	json.Unmarshal([]byte(hrZones.String), &out.HRZones)
	json.Unmarshal([]byte(powerZones.String), &out.PowerZones)
	var sum trainingSummary
	json.Unmarshal([]byte(summary), &sum)
	if sum.AvgPower > 0 {
		a := math.Round(sum.AvgPower)
		out.AvgPower = &a
	}
	v, err := s.athleteOn(ctx, u, fromMS(start))
	if err != nil {
		return out, err
	}
	if out.HRZones != nil {
		out.HRZoneBounds = hrZoneBounds(v.MaxHR, v.LTHR, v.HRZones)
		out.HRZonesEst = v.EstMaxHR && v.LTHR == 0 && len(v.HRZones) != 5
	}
	if out.PowerZones != nil {
		out.PowerBounds = powerZoneBounds(v.FTP)
	}
	for _, d := range powerCurveDurations {
		if w, ok := sum.Bests[d]; ok {
			out.PowerBests = append(out.PowerBests, powerPoint{DurationS: d, Watts: math.Round(w)})
		}
	}
	if len(out.PowerBests) > 0 {
		curve, err := s.PowerCurve(ctx, u.ID)
		if err != nil {
			return out, err
		}
		for _, p := range curve {
			if p.WorkoutID == workoutID {
				out.PowerRecords = append(out.PowerRecords, p.DurationS)
			}
		}
	}
	return out, nil
}

// athleteOn is the settings in force on the user's local day of t.
func (s *Store) athleteOn(ctx context.Context, u User, t time.Time) (athleteValues, error) {
	hist, err := settingHistory(ctx, s.reader, u.ID)
	if err != nil {
		return athleteValues{}, err
	}
	est, err := currentEstimates(ctx, s.reader, u.ID)
	if err != nil {
		return athleteValues{}, err
	}
	return resolveSettings(hist, t.In(userLocation(u)).Format(time.DateOnly), est), nil
}

// PowerCurve is the user's best mean power at each duration across every
// workout, with the workout that holds it: one index seek per duration.
func (s *Store) PowerCurve(ctx context.Context, userID int64) ([]powerPoint, error) {
	out := []powerPoint{}
	for _, d := range powerCurveDurations {
		var p powerPoint
		var start int64
		err := s.reader.QueryRowContext(ctx, `SELECT watts, workout_id, start_at FROM power_bests
			WHERE user_id = ? AND duration_s = ? ORDER BY watts DESC, start_at LIMIT 1`, userID, d).Scan(&p.Watts, &p.WorkoutID, &start)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		p.DurationS, p.Start = d, fromMS(start)
		out = append(out, p)
	}
	return out, nil
}

// fitnessWorkout is a workout beneath the fitness chart.
type fitnessWorkout struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`
	Date      string    `json:"date"`
	Sport     string    `json:"sport"`
	Load      float64   `json:"load"`
	Method    string    `json:"method"`
	Estimated bool      `json:"estimated"`
}

// fitnessReport is GET /api/fitness.
type fitnessReport struct {
	From     string           `json:"from"`
	To       string           `json:"to"`
	Days     []fitnessDay     `json:"days"`
	Workouts []fitnessWorkout `json:"workouts"`
}

// Fitness runs the fitness, fatigue and form series over the user's
// stored workout loads from their first workout to `to`, and returns the
// days from `from` to `to` (local days, inclusive) with the workouts in
// them. It reads one small row per workout with a load, never samples.
func (s *Store) Fitness(ctx context.Context, u User, from, to time.Time) (fitnessReport, error) {
	loc := userLocation(u)
	rep := fitnessReport{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Days: []fitnessDay{}, Workouts: []fitnessWorkout{}}
	end := to.AddDate(0, 0, 1)
	rows, err := s.reader.QueryContext(ctx, `SELECT workout_id, start_at, sport, load, method, estimated FROM workout_training
		WHERE user_id = ? AND start_at < ? AND load IS NOT NULL ORDER BY start_at`, u.ID, ms(end))
	if err != nil {
		return rep, err
	}
	defer rows.Close()
	var loads []float64
	var first time.Time
	for rows.Next() {
		var fw fitnessWorkout
		var start int64
		if err := rows.Scan(&fw.ID, &start, &fw.Sport, &fw.Load, &fw.Method, &fw.Estimated); err != nil {
			return rep, err
		}
		local := fromMS(start).In(loc)
		day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		if first.IsZero() {
			first = day
		}
		i := int(day.Sub(first).Hours()/24 + 0.5)
		for len(loads) <= i {
			loads = append(loads, 0)
		}
		loads[i] += fw.Load
		if !day.Before(from) {
			fw.Start, fw.Date = fromMS(start), day.Format(time.DateOnly)
			rep.Workouts = append(rep.Workouts, fw)
		}
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	if first.IsZero() || first.After(from) {
		if first.IsZero() {
			first = from
		}
		// Days before the first workout are zeros from the start.
		pad := int(first.Sub(from).Hours()/24 + 0.5)
		loads = append(make([]float64, pad), loads...)
		first = from
	}
	total := int(to.Sub(first).Hours()/24+0.5) + 1
	for len(loads) < total {
		loads = append(loads, 0)
	}
	ctl, atl, form := fitnessSeries(loads)
	r1 := func(x float64) float64 { return math.Round(x*10) / 10 }
	for i := int(from.Sub(first).Hours()/24 + 0.5); i < total; i++ {
		rep.Days = append(rep.Days, fitnessDay{Date: first.AddDate(0, 0, i).Format(time.DateOnly), Load: r1(loads[i]),
			Fitness: r1(ctl[i]), Fatigue: r1(atl[i]), Form: r1(form[i])})
	}
	return rep, nil
}

// athleteReport is GET /api/athlete: the settings in force today, their
// history, and what the athlete's own data suggests.
type athleteReport struct {
	Current        map[string]any       `json:"current"`
	History        []settingEntry       `json:"history"`
	Estimates      map[string]estimate  `json:"estimates"`
	Zones          map[string][]float64 `json:"zones"` // today's lower bounds: hr (bpm), power (W)
	ZonesEstimated bool                 `json:"zones_estimated"`
}

// estimate is a value suggested by the athlete's data, with where it came
// from.
type estimate struct {
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// Athlete reads the settings, estimates and today's zones.
func (s *Store) Athlete(ctx context.Context, u User) (athleteReport, error) {
	rep := athleteReport{Current: map[string]any{}, Estimates: map[string]estimate{}, Zones: map[string][]float64{}}
	hist, err := settingHistory(ctx, s.reader, u.ID)
	if err != nil {
		return rep, err
	}
	rep.History = hist
	est, err := currentEstimates(ctx, s.reader, u.ID)
	if err != nil {
		return rep, err
	}
	if est.MaxHR.Valid {
		rep.Estimates["max_hr"] = estimate{est.MaxHR.Float64, "highest heart rate in your workouts"}
		rep.Estimates["lthr"] = estimate{math.Round(est.MaxHR.Float64 * 0.89), "89 % of the highest heart rate in your workouts"}
	}
	if est.FTP.Valid {
		rep.Estimates["ftp"] = estimate{est.FTP.Float64, "95 % of your best 20-minute power"}
	}
	var tenK sql.NullFloat64
	if err := s.reader.QueryRowContext(ctx, "SELECT min(seconds) FROM best_efforts WHERE user_id = ? AND distance_m = 10000", u.ID).Scan(&tenK); err != nil {
		return rep, err
	}
	if tenK.Valid {
		// An hour's race pace is about 4 % slower than 10 km race pace
		// for runners who race 10 km in 35-50 minutes (Daniels' tables).
		rep.Estimates["threshold_pace"] = estimate{math.Round(tenK.Float64 / 10 * 1.04), "your best 10 km pace plus 4 % (seconds per km)"}
	}
	rep.Estimates["rest_hr"] = estimate{defaultRestHR, "a typical adult's; workouts cannot show yours"}
	today := s.now().In(userLocation(u)).Format(time.DateOnly)
	v := resolveSettings(hist, today, est)
	for _, e := range hist {
		if _, ok := rep.Current[e.Key]; !ok || e.From <= today {
			rep.Current[e.Key] = e.Value
		}
	}
	if b := hrZoneBounds(v.MaxHR, v.LTHR, v.HRZones); b != nil {
		rep.Zones["hr"] = b
	}
	if b := powerZoneBounds(v.FTP); b != nil {
		rep.Zones["power"] = b
	}
	rep.ZonesEstimated = (v.EstMaxHR && v.LTHR == 0 && len(v.HRZones) != 5) || v.EstFTP
	return rep, nil
}

// validateSetting checks one athlete setting's value and date.
func validateSetting(e settingEntry) error {
	if !athleteKeys[e.Key] {
		keys := make([]string, 0, len(athleteKeys))
		for k := range athleteKeys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return invalidField("key", "must be one of %s", strings.Join(keys, ", "))
	}
	if _, err := time.Parse(time.DateOnly, e.From); err != nil {
		return invalidField("from", "must be a date such as 2026-03-01")
	}
	switch e.Key {
	case "sex":
		var v string
		if json.Unmarshal(e.Value, &v) != nil || (v != "male" && v != "female") {
			return invalidField("value", "sex must be male or female (it picks Banister's TRIMP weighting)")
		}
	case "hr_zones":
		var v []float64
		if json.Unmarshal(e.Value, &v) != nil || len(v) != 5 {
			return invalidField("value", "hr_zones must be five lower bounds in bpm, ascending")
		}
		for i, b := range v {
			if math.IsNaN(b) || b < 0 || b > maxHR || (i > 0 && b <= v[i-1]) {
				return invalidField("value", "hr_zones must be five lower bounds in bpm, ascending, at most %d", maxHR)
			}
		}
	default:
		var v float64
		if json.Unmarshal(e.Value, &v) != nil {
			return invalidField("value", "must be a number")
		}
		r := settingRanges[e.Key]
		if err := checkRange("value", &v, r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// restoreAthleteSettings restores an export's dated athlete settings
// (before its workouts, so each restored workout is derived with them). A
// setting already given for the same day keeps this account's value.
func (s *Store) restoreAthleteSettings(ctx context.Context, userID int64, list []settingEntry) error {
	for _, e := range list {
		if err := validateSetting(e); err != nil {
			return err
		}
	}
	if len(list) == 0 {
		return nil
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, e := range list {
			if _, err := tx.Exec("INSERT OR IGNORE INTO athlete_settings (user_id, key, from_date, value) VALUES (?, ?, ?, ?)",
				userID, e.Key, e.From, string(e.Value)); err != nil {
				return err
			}
		}
		return s.rederive(tx, userID, "1")
	})
}

// hrZonesOn is the lower bounds of the user's heart-rate zones on the day
// of t, or nil when nothing is known yet: what the live pages colour the
// current heart rate by.
func hrZonesOn(ctx context.Context, q querier, userID int64, t time.Time) ([]float64, error) {
	hist, err := settingHistory(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	est, err := currentEstimates(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	var tz string
	if err := q.QueryRowContext(ctx, "SELECT timezone FROM users WHERE id = ?", userID).Scan(&tz); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	v := resolveSettings(hist, t.In(loc).Format(time.DateOnly), est)
	return hrZoneBounds(v.MaxHR, v.LTHR, v.HRZones), nil
}
