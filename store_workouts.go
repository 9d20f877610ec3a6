package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

const workoutColumns = `w.id, w.sport, w.start_at, w.duration_s, w.distance_m, w.elevation_m, w.calories,
	w.avg_hr, w.max_hr, w.rpe, w.title, w.notes, coalesce(w.share_token, ''), w.share_map, w.created_at, w.updated_at,
	(SELECT count(*) FROM workout_sets s WHERE s.workout_id = w.id), w.sample_count, w.moving_s`

func scanWorkout(row interface{ Scan(...any) error }) (Workout, error) {
	var w Workout
	var start, created, updated int64
	err := row.Scan(&w.ID, &w.Sport, &start, &w.DurationS, &w.DistanceM, &w.ElevationM, &w.Calories,
		&w.AvgHR, &w.MaxHR, &w.RPE, &w.Title, &w.Notes, &w.ShareToken, &w.ShareMap, &created, &updated,
		&w.SetCount, &w.Samples, &w.MovingS)
	if errors.Is(err, sql.ErrNoRows) {
		return w, errNotFound
	}
	w.Start, w.CreatedAt, w.UpdatedAt = fromMS(start), fromMS(created), fromMS(updated)
	return w, err
}

// checkCatalog refuses a workout whose sport or exercises the user does
// not have.
func (s *Store) checkCatalog(ctx context.Context, tx *Tx, userID int64, w Workout) error {
	if _, err := sportIn(ctx, tx, userID, w.Sport); err != nil {
		return invalidField("sport", "unknown sport %q; see GET /api/sports", w.Sport)
	}
	for i, set := range w.Sets {
		known, err := exerciseKnown(ctx, tx, userID, set.Exercise)
		if err != nil {
			return err
		}
		if !known {
			return invalidField(fmt.Sprintf("sets[%d].exercise", i), "unknown exercise %q; see GET /api/exercises", set.Exercise)
		}
	}
	return nil
}

// insertWorkout adds w's row (not its sets or samples); now stamps it
// created and updated.
func insertWorkout(tx *Tx, userID int64, w Workout, now int64) error {
	_, err := tx.Exec(`INSERT INTO workouts (id, user_id, sport, start_at, duration_s, distance_m, elevation_m, calories,
		avg_hr, max_hr, rpe, title, notes, created_at, updated_at, moving_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, userID, w.Sport, ms(w.Start), w.DurationS, w.DistanceM, w.ElevationM, w.Calories,
		w.AvgHR, w.MaxHR, w.RPE, w.Title, w.Notes, now, now, w.MovingS)
	return err
}

func insertSets(tx *Tx, userID int64, workoutID string, sets []WorkoutSet) error {
	if _, err := tx.Exec("DELETE FROM workout_sets WHERE workout_id = ?", workoutID); err != nil {
		return err
	}
	for i, set := range sets {
		if err := insertSet(tx, userID, workoutID, i, set); err != nil {
			return err
		}
	}
	return nil
}

func insertSet(tx *Tx, userID int64, workoutID string, position int, set WorkoutSet) error {
	_, err := tx.Exec(`INSERT INTO workout_sets (workout_id, user_id, position, exercise, reps, weight_kg, rpe, rir, warmup, rest_s, e1rm_kg)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, workoutID, userID, position, set.Exercise, set.Reps, set.WeightKg, set.RPE, set.RIR, set.Warmup, set.RestS, set.E1RMKg)
	return err
}

// CreateWorkout stores a new workout. The id makes it idempotent: if the
// user already has a workout with this id (a retried request), that one is
// returned with created false and nothing is written. Another user's id is
// a conflict.
func (s *Store) CreateWorkout(ctx context.Context, userID int64, w Workout) (Workout, bool, error) {
	created := false
	err := s.Write(ctx, func(tx *Tx) error {
		var owner int64
		err := tx.QueryRow("SELECT user_id FROM workouts WHERE id = ?", w.ID).Scan(&owner)
		if err == nil {
			if owner != userID {
				return &apiError{Code: codeConflict, Field: "id", Message: "id: already used; choose another UUID"}
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.checkCatalog(ctx, tx, userID, w); err != nil {
			return err
		}
		if err := insertWorkout(tx, userID, w, ms(s.now())); err != nil {
			return err
		}
		if err := insertSets(tx, userID, w.ID, w.Sets); err != nil {
			return err
		}
		if err := setWorkoutGear(tx, userID, w.ID, w.Sport, w.Start, w.Gear); err != nil {
			return err
		}
		created = true
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutCreated, "id": w.ID}); err != nil {
			return err
		}
		return s.refreshTraining(tx, userID, w.ID)
	})
	if err != nil {
		return Workout{}, false, err
	}
	stored, err := s.Workout(ctx, userID, w.ID)
	return stored, created, err
}

// UpdateWorkout replaces a workout's fields and sets; its samples stay.
func (s *Store) UpdateWorkout(ctx context.Context, userID int64, w Workout) (Workout, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		if err := s.checkCatalog(ctx, tx, userID, w); err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE workouts SET sport = ?, start_at = ?, duration_s = ?, distance_m = ?, elevation_m = ?, calories = ?,
			avg_hr = ?, max_hr = ?, rpe = ?, title = ?, notes = ?, updated_at = ?, moving_s = ? WHERE id = ? AND user_id = ?`,
			w.Sport, ms(w.Start), w.DurationS, w.DistanceM, w.ElevationM, w.Calories, w.AvgHR, w.MaxHR, w.RPE, w.Title, w.Notes,
			ms(s.now()), w.MovingS, w.ID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		if err := insertSets(tx, userID, w.ID, w.Sets); err != nil {
			return err
		}
		if w.Gear != nil {
			if err := setWorkoutGear(tx, userID, w.ID, w.Sport, w.Start, w.Gear); err != nil {
				return err
			}
		}
		if err := s.refreshEfforts(tx, userID, w.ID, w.Sport); err != nil {
			return err
		}
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutUpdated, "id": w.ID}); err != nil {
			return err
		}
		return s.refreshTraining(tx, userID, w.ID)
	})
	if err != nil {
		return Workout{}, err
	}
	return s.Workout(ctx, userID, w.ID)
}

// DeleteWorkout removes a workout with its sets, samples and efforts.
func (s *Store) DeleteWorkout(ctx context.Context, userID int64, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("DELETE FROM workouts WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutDeleted, "id": id}); err != nil {
			return err
		}
		return s.refreshTraining(tx, userID, id) // the estimates may have rested on it
	})
}

// Workout reads one of the user's workouts with its sets.
func (s *Store) Workout(ctx context.Context, userID int64, id string) (Workout, error) {
	w, err := scanWorkout(s.reader.QueryRowContext(ctx, "SELECT "+workoutColumns+" FROM workouts w WHERE w.id = ? AND w.user_id = ?", id, userID))
	if err != nil {
		return w, err
	}
	if w.Sets, err = s.sets(ctx, id); err != nil {
		return w, err
	}
	w.Gear, err = workoutGear(ctx, s.reader, id)
	return w, err
}

func (s *Store) sets(ctx context.Context, workoutID string) ([]WorkoutSet, error) {
	return setsOf(ctx, s.reader, workoutID)
}

// setsOf reads a workout's sets in order, through q (the reader, or the
// writer's transaction).
func setsOf(ctx context.Context, q querier, workoutID string) ([]WorkoutSet, error) {
	rows, err := q.QueryContext(ctx, `SELECT exercise, reps, weight_kg, rpe, rir, warmup, rest_s, e1rm_kg
		FROM workout_sets WHERE workout_id = ? ORDER BY position`, workoutID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sets := []WorkoutSet{}
	for rows.Next() {
		var set WorkoutSet
		if err := rows.Scan(&set.Exercise, &set.Reps, &set.WeightKg, &set.RPE, &set.RIR, &set.Warmup, &set.RestS, &set.E1RMKg); err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	return sets, rows.Err()
}

// Workouts lists the user's workouts, newest first, one page at a time.
// Sets are not included (see Workout); set_count is.
func (s *Store) Workouts(ctx context.Context, userID int64, f workoutFilter) ([]Workout, error) {
	where := []string{"w.user_id = ?"}
	args := []any{userID}
	if f.Sport != "" {
		where, args = append(where, "w.sport = ?"), append(args, f.Sport)
	}
	if !f.From.IsZero() {
		where, args = append(where, "w.start_at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "w.start_at < ?"), append(args, ms(f.To))
	}
	if f.Text != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Text) + "%"
		where, args = append(where, `(w.title LIKE ? ESCAPE '\' OR w.notes LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	if f.HasAfter {
		where, args = append(where, "(w.start_at < ? OR (w.start_at = ? AND w.id < ?))"), append(args, f.AfterStart, f.AfterStart, f.AfterID)
	}
	return queryList(ctx, s.reader, "SELECT "+workoutColumns+" FROM workouts w WHERE "+strings.Join(where, " AND ")+
		" ORDER BY w.start_at DESC, w.id DESC LIMIT ?", append(args, f.Limit), scanWorkout)
}

// Samples reads a workout's whole time series, in time order.
func (s *Store) Samples(ctx context.Context, workoutID string) ([]Sample, error) {
	return samplesOf(ctx, s.reader, workoutID)
}

// samplesOf reads a workout's whole time series, in time order, through q
// (the reader, or a transaction).
func samplesOf(ctx context.Context, q querier, workoutID string) ([]Sample, error) {
	rows, err := q.QueryContext(ctx, `SELECT t, lat, lon, alt, dist, hr, cadence, power, speed FROM samples WHERE workout_id = ? ORDER BY t`, workoutID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanSamples(rows)
}

func scanSamples(rows *sql.Rows) ([]Sample, error) {
	var list []Sample
	for rows.Next() {
		var sm Sample
		if err := rows.Scan(&sm.T, &sm.Lat, &sm.Lon, &sm.Alt, &sm.Dist, &sm.HR, &sm.Cadence, &sm.Power, &sm.Speed); err != nil {
			return nil, err
		}
		list = append(list, sm)
	}
	return list, rows.Err()
}

// AddSamples stores samples for one of the user's workouts (a sample at a
// time already stored replaces it, so a retried upload changes nothing)
// and recomputes the workout's best efforts.
func (s *Store) AddSamples(ctx context.Context, userID int64, workoutID string, samples []Sample) error {
	return s.Write(ctx, func(tx *Tx) error {
		var sport string
		if err := tx.QueryRow("SELECT sport FROM workouts WHERE id = ? AND user_id = ?", workoutID, userID).Scan(&sport); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNotFound
			}
			return err
		}
		if err := insertSamples(tx, workoutID, samples); err != nil {
			return err
		}
		if err := s.refreshEfforts(tx, userID, workoutID, sport); err != nil {
			return err
		}
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutSamples, "id": workoutID, "added": len(samples)}); err != nil {
			return err
		}
		return s.refreshTraining(tx, userID, workoutID)
	})
}

// insertSamples stores samples for a workout (one at a time already stored
// is replaced) and updates its sample count.
func insertSamples(tx *Tx, workoutID string, samples []Sample) error {
	stmt, err := tx.Prepare(`INSERT OR REPLACE INTO samples (workout_id, t, lat, lon, alt, dist, hr, cadence, power, speed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, sm := range samples {
		if _, err := stmt.Exec(workoutID, sm.T, sm.Lat, sm.Lon, sm.Alt, sm.Dist, sm.HR, sm.Cadence, sm.Power, sm.Speed); err != nil {
			return err
		}
	}
	_, err = tx.Exec("UPDATE workouts SET sample_count = (SELECT count(*) FROM samples WHERE workout_id = ?1) WHERE id = ?1", workoutID)
	return err
}

// refreshEfforts recomputes a workout's best efforts from its samples.
// Only running sports have them.
func (s *Store) refreshEfforts(tx *Tx, userID int64, workoutID, sport string) error {
	if _, err := tx.Exec("DELETE FROM best_efforts WHERE workout_id = ?", workoutID); err != nil {
		return err
	}
	if !runningSports[sport] {
		return nil
	}
	samples, err := samplesOf(context.Background(), tx, workoutID)
	if err != nil {
		return err
	}
	dist, ok := cumulativeDistance(samples)
	if !ok {
		return nil
	}
	t := make([]float64, len(samples))
	for i, sm := range samples {
		t[i] = sm.T
	}
	for _, e := range effortDistances {
		if best := bestEffort(t, dist, e.Meters); best > 0 {
			if _, err := tx.Exec("INSERT INTO best_efforts (workout_id, user_id, distance_m, seconds) VALUES (?, ?, ?, ?)",
				workoutID, userID, e.Meters, best); err != nil {
				return err
			}
		}
	}
	return nil
}

// workoutsBetween reads the user's workouts starting in [from, to), oldest
// first, without sets: what calendars and heatmaps bucket by day.
func (s *Store) workoutsBetween(ctx context.Context, userID int64, from, to time.Time) ([]Workout, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+workoutColumns+" FROM workouts w WHERE w.user_id = ? AND w.start_at >= ? AND w.start_at < ? ORDER BY w.start_at, w.id",
		userID, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Workout
	for rows.Next() {
		w, err := scanWorkout(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// HasOriginal reports whether the file a workout was imported from is kept.
func (s *Store) HasOriginal(ctx context.Context, workoutID string) (bool, error) {
	var has bool
	err := s.reader.QueryRowContext(ctx, "SELECT count(*) > 0 FROM workout_files WHERE workout_id = ?", workoutID).Scan(&has)
	return has, err
}
