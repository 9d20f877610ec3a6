package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

const goalColumns = "id, title, kind, metric, sports, exercise, basis, target, period, start_date, end_date, status, created_at, updated_at"

func scanGoal(row interface{ Scan(...any) error }) (Goal, error) {
	var g Goal
	var sports string
	var created, updated int64
	err := row.Scan(&g.ID, &g.Title, &g.Kind, &g.Metric, &sports, &g.Exercise, &g.Basis, &g.Target, &g.Period,
		&g.StartDate, &g.EndDate, &g.Status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errNotFound
	}
	if err != nil {
		return g, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return g, json.Unmarshal([]byte(sports), &g.Sports)
}

// Goals lists the user's goals, oldest first.
func (s *Store) Goals(ctx context.Context, userID int64) ([]Goal, error) {
	return queryList(ctx, s.reader, "SELECT "+goalColumns+" FROM goals WHERE user_id = ? ORDER BY id", []any{userID}, scanGoal)
}

// Goal reads one of the user's goals.
func (s *Store) Goal(ctx context.Context, userID, id int64) (Goal, error) {
	return scanGoal(s.reader.QueryRowContext(ctx, "SELECT "+goalColumns+" FROM goals WHERE id = ? AND user_id = ?", id, userID))
}

// SaveGoal inserts g (ID 0) or replaces one of the user's goals.
func (s *Store) SaveGoal(ctx context.Context, userID int64, g Goal) (Goal, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	sports, _ := json.Marshal(g.Sports)
	err := s.Write(ctx, func(tx *Tx) error {
		event := EventGoalUpdated
		if g.ID == 0 {
			g.CreatedAt, event = now, EventGoalCreated
			res, err := tx.Exec(`INSERT INTO goals (user_id, title, kind, metric, sports, exercise, basis, target, period, start_date, end_date, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, userID, g.Title, g.Kind, g.Metric, string(sports), g.Exercise, g.Basis,
				g.Target, g.Period, g.StartDate, g.EndDate, g.Status, ms(now), ms(now))
			if err != nil {
				return err
			}
			if g.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec(`UPDATE goals SET title = ?, kind = ?, metric = ?, sports = ?, exercise = ?, basis = ?, target = ?, period = ?,
				start_date = ?, end_date = ?, status = ?, updated_at = ? WHERE id = ? AND user_id = ?`, g.Title, g.Kind, g.Metric, string(sports),
				g.Exercise, g.Basis, g.Target, g.Period, g.StartDate, g.EndDate, g.Status, ms(now), g.ID, userID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errNotFound
			}
		}
		g.UpdatedAt = now
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": event, "id": g.ID})
	})
	if err != nil {
		return g, err
	}
	return s.Goal(ctx, userID, g.ID)
}

// DeleteGoal removes one of the user's goals.
func (s *Store) DeleteGoal(ctx context.Context, userID, id int64) error {
	return s.deleteOwned(ctx, "DELETE FROM goals WHERE id = ? AND user_id = ?", id, userID, EventGoalDeleted)
}

// volumeRows reads the user's workouts starting in [from, to), oldest
// first: a workout counts in the period where it starts, even if it runs
// past midnight or the period's end.
func (s *Store) volumeRows(ctx context.Context, userID int64, from, to time.Time) ([]volumeRow, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT start_at, sport, duration_s, coalesce(distance_m, 0), coalesce(elevation_m, 0), coalesce(calories, 0)
		FROM workouts WHERE user_id = ? AND start_at >= ? AND start_at < ? ORDER BY start_at`, userID, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []volumeRow
	for rows.Next() {
		var r volumeRow
		var start int64
		if err := rows.Scan(&start, &r.Sport, &r.Duration, &r.Distance, &r.Elevation, &r.Calories); err != nil {
			return nil, err
		}
		r.Start = fromMS(start)
		list = append(list, r)
	}
	return list, rows.Err()
}

// liftColumn is the workout_sets column a lift goal's basis reads.
func liftColumn(basis string) string {
	if basis == "e1rm" {
		return "e1rm_kg"
	}
	return "weight_kg"
}

// BestLift is the user's heaviest working set of exercise, by weight or by
// estimated one-rep max (basis), in workouts starting in [from, to)
// (milliseconds); 0 when there is none.
func (s *Store) BestLift(ctx context.Context, userID int64, exercise, basis string, from, to int64) (float64, error) {
	var best sql.NullFloat64
	err := s.reader.QueryRowContext(ctx, `SELECT max(s.`+liftColumn(basis)+`) FROM workout_sets s JOIN workouts w ON w.id = s.workout_id
		WHERE s.user_id = ? AND s.exercise = ? AND s.warmup = 0 AND s.reps > 0 AND w.start_at >= ? AND w.start_at < ?`,
		userID, exercise, from, to).Scan(&best)
	return best.Float64, err
}

// FirstLiftReaching is when (milliseconds) the user first lifted at least
// target of exercise by basis, in workouts starting in [from, to).
func (s *Store) FirstLiftReaching(ctx context.Context, userID int64, exercise, basis string, target float64, from, to int64) (int64, error) {
	var at int64
	err := s.reader.QueryRowContext(ctx, `SELECT min(w.start_at) FROM workout_sets s JOIN workouts w ON w.id = s.workout_id
		WHERE s.user_id = ? AND s.exercise = ? AND s.warmup = 0 AND s.reps > 0 AND s.`+liftColumn(basis)+` >= ? AND w.start_at >= ? AND w.start_at < ?`,
		userID, exercise, target, from, to).Scan(&at)
	return at, err
}
