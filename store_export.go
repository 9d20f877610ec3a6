package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// restoreAccount restores the settings and everything small: the user's
// own sports and exercises first (goals and templates may name them), then
// templates, goals and weigh-ins, each checked as if entered by hand.
func (s *Store) restoreAccount(ctx context.Context, u User, doc exportDoc) error {
	set := doc.Account.UserSettings
	if err := validateSettings(set); err != nil {
		return err
	}
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("UPDATE users SET timezone = ?, units = ?, week_start = ? WHERE id = ?", set.Timezone, set.Units, set.WeekStart, u.ID); err != nil {
			return err
		}
		for _, sp := range doc.Sports {
			if _, err := validateLabel("sports.name", sp.Name); err != nil || !keyPattern.MatchString(sp.Key) || !validSportKind(sp.Kind) {
				return invalidField("sports", "%q is not a valid sport", sp.Key)
			}
			if _, err := tx.Exec("INSERT OR IGNORE INTO custom_sports (user_id, key, name, kind) VALUES (?, ?, ?, ?)", u.ID, sp.Key, sp.Name, sp.Kind); err != nil {
				return err
			}
		}
		for _, ex := range doc.Exercises {
			if _, err := validateLabel("exercises.name", ex.Name); err != nil || !keyPattern.MatchString(ex.Key) {
				return invalidField("exercises", "%q is not a valid exercise", ex.Key)
			}
			if _, err := tx.Exec("INSERT OR IGNORE INTO custom_exercises (user_id, key, name) VALUES (?, ?, ?)", u.ID, ex.Key, ex.Name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.UserSettings = set
	goals := make([]Goal, 0, len(doc.Goals))
	for _, g := range doc.Goals {
		var in goalInput
		raw, _ := json.Marshal(g)
		json.Unmarshal(raw, &in)
		checked, err := s.validateGoal(ctx, u, in)
		if err != nil {
			return err
		}
		checked.CreatedAt, checked.UpdatedAt = g.CreatedAt, g.UpdatedAt
		goals = append(goals, checked)
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, t := range doc.Templates {
			if _, err := validateLabel("templates.name", t.Name); err != nil {
				return err
			}
			if err := validateSets(t.Sets); err != nil {
				return err
			}
			if err := s.checkCatalog(ctx, tx, u.ID, Workout{Sport: "strength", Sets: t.Sets}); err != nil {
				return err
			}
			sets, _ := json.Marshal(t.Sets)
			if _, err := tx.Exec(`INSERT INTO templates (user_id, name, sets, created_at) SELECT ?, ?, ?, ?
				WHERE NOT EXISTS (SELECT 1 FROM templates WHERE user_id = ? AND name = ?)`, u.ID, t.Name, sets, ms(t.CreatedAt), u.ID, t.Name); err != nil {
				return err
			}
		}
		for _, g := range goals {
			sports, _ := json.Marshal(g.Sports)
			if _, err := tx.Exec(`INSERT INTO goals (user_id, title, kind, metric, sports, exercise, basis, target, period, start_date, end_date, status, created_at, updated_at)
				SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM goals WHERE user_id = ? AND title = ? AND kind = ?)`,
				u.ID, g.Title, g.Kind, g.Metric, string(sports), g.Exercise, g.Basis, g.Target, g.Period, g.StartDate, g.EndDate, g.Status,
				ms(g.CreatedAt), ms(g.UpdatedAt), u.ID, g.Title, g.Kind); err != nil {
				return err
			}
		}
		for _, wt := range doc.Weights {
			if err := checkRange("weights.kg", &wt.KG, 20, 500); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO weights (user_id, at, kg) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM weights WHERE user_id = ? AND at = ?)`,
				u.ID, ms(wt.At), wt.KG, u.ID, ms(wt.At)); err != nil {
				return err
			}
		}
		return s.PublishEvent(tx, userTopic(u.ID), map[string]any{"type": EventAccountRestored})
	})
}

// restoreGame restores a game the user owned, replaying its event log
// through the sport's rules so the score is derived as it was. A game
// whose id exists already is left alone.
func (s *Store) restoreGame(ctx context.Context, userID int64, eg exportGame) (bool, error) {
	raw, _ := json.Marshal(eg.Game)
	var in gameInput
	json.Unmarshal(raw, &in)
	g, err := in.validate()
	if err != nil {
		return false, err
	}
	if len(eg.ID) < 8 || len(eg.ID) > 40 || !keyPattern.MatchString(eg.ID) {
		return false, invalidField("id", "%q is not a game id", eg.ID)
	}
	g.ID, g.OwnerID, g.CreatedAt, g.UpdatedAt = eg.ID, userID, eg.CreatedAt, eg.UpdatedAt
	state := replay(g.Sport, nil)
	for i := range eg.Events {
		ev := &eg.Events[i]
		if ev.Seq != int64(i+1) {
			return false, fmt.Errorf("event %d is numbered %d", i+1, ev.Seq)
		}
		if ev.Kind == "undo" {
			if ev.Target < 1 || ev.Target >= ev.Seq || state.undone[ev.Target] {
				return false, fmt.Errorf("event %d undoes %d, which it cannot", ev.Seq, ev.Target)
			}
		} else if err := gameSports[g.Sport].normalize(ev, &state); err != nil {
			return false, fmt.Errorf("event %d: %s", ev.Seq, errorMessage(err))
		}
		ev.By = userID
		state = replay(g.Sport, eg.Events[:i+1])
	}
	g.State = state
	added := false
	err = s.Write(ctx, func(tx *Tx) error {
		var n int
		tx.QueryRow("SELECT count(*) FROM games WHERE id = ?", g.ID).Scan(&n)
		if n > 0 {
			return nil
		}
		if err := s.writeGame(tx, g, true, nil); err != nil {
			return err
		}
		for _, ev := range eg.Events {
			if _, err := tx.Exec("INSERT INTO game_events (game_id, seq, by_user, event) VALUES (?, ?, ?, ?)", g.ID, ev.Seq, userID, eventJSON(ev)); err != nil {
				return err
			}
		}
		added = true
		return nil
	})
	return added, err
}

// The queries of an account export, each run in the export's one read
// transaction.

func customSportsOf(ctx context.Context, q querier, userID int64) ([]Sport, error) {
	return queryList(ctx, q, "SELECT key, name, kind FROM custom_sports WHERE user_id = ? ORDER BY key", []any{userID},
		func(r rowScanner) (Sport, error) {
			sp := Sport{Custom: true}
			return sp, r.Scan(&sp.Key, &sp.Name, &sp.Kind)
		})
}

func customExercisesOf(ctx context.Context, q querier, userID int64) ([]Exercise, error) {
	return queryList(ctx, q, "SELECT key, name FROM custom_exercises WHERE user_id = ? ORDER BY key", []any{userID},
		func(r rowScanner) (Exercise, error) {
			ex := Exercise{Custom: true}
			return ex, r.Scan(&ex.Key, &ex.Name)
		})
}

func allWorkoutsOf(ctx context.Context, q querier, userID int64) ([]Workout, error) {
	return queryList(ctx, q, "SELECT "+workoutColumns+" FROM workouts w WHERE w.user_id = ? ORDER BY w.start_at, w.id", []any{userID}, scanWorkout)
}

// workoutFileOf is the file a workout was imported from, as stored, or
// errNotFound.
func workoutFileOf(ctx context.Context, q querier, workoutID string) (name string, data []byte, err error) {
	err = q.QueryRowContext(ctx, "SELECT name, data FROM workout_files WHERE workout_id = ?", workoutID).Scan(&name, &data)
	if errors.Is(err, sql.ErrNoRows) {
		err = errNotFound
	}
	return name, data, err
}

func templatesByID(ctx context.Context, q querier, userID int64) ([]Template, error) {
	return queryList(ctx, q, "SELECT id, name, sets, created_at FROM templates WHERE user_id = ? ORDER BY id", []any{userID},
		func(r rowScanner) (Template, error) {
			var t Template
			var sets string
			var created int64
			if err := r.Scan(&t.ID, &t.Name, &sets, &created); err != nil {
				return t, err
			}
			t.CreatedAt = fromMS(created)
			return t, json.Unmarshal([]byte(sets), &t.Sets)
		})
}

func goalsOf(ctx context.Context, q querier, userID int64) ([]Goal, error) {
	return queryList(ctx, q, "SELECT "+goalColumns+" FROM goals WHERE user_id = ? ORDER BY id", []any{userID}, scanGoal)
}

func allWeightsOf(ctx context.Context, q querier, userID int64) ([]Weight, error) {
	return queryList(ctx, q, "SELECT id, at, kg FROM weights WHERE user_id = ? ORDER BY at, id", []any{userID},
		func(r rowScanner) (Weight, error) {
			var wt Weight
			var at int64
			err := r.Scan(&wt.ID, &at, &wt.KG)
			wt.At = fromMS(at)
			return wt, err
		})
}

func gamesOwnedBy(ctx context.Context, q querier, userID int64) ([]Game, error) {
	return queryList(ctx, q, "SELECT "+gameColumns+" FROM games WHERE owner_id = ? ORDER BY created_at, id", []any{userID}, scanGame)
}

func gearOf(ctx context.Context, q querier, userID int64) ([]Gear, error) {
	return queryList(ctx, q, gearQuery+` WHERE g.user_id = ? GROUP BY g.id ORDER BY g.id`, []any{userID}, scanGear)
}
