package main

import (
	"context"
	"database/sql"
	"errors"
	"math"
)

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
