package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const gearColumns = `g.id, g.name, g.kind, g.default_sport, g.alert_distance_m, g.retired_on, g.notes, g.created_at,
	coalesce(sum(w.distance_m), 0), coalesce(sum(w.duration_s), 0), count(w.id)`

// gearQuery reads gear with its totals: one pass over workout_gear by its
// gear index, whatever the number of workouts.
const gearQuery = `SELECT ` + gearColumns + ` FROM gear g LEFT JOIN workout_gear wg ON wg.gear_id = g.id
	LEFT JOIN workouts w ON w.id = wg.workout_id`

func scanGear(r rowScanner) (Gear, error) {
	var g Gear
	var created int64
	err := r.Scan(&g.ID, &g.Name, &g.Kind, &g.DefaultSport, &g.AlertDistanceM, &g.RetiredOn, &g.Notes, &created, &g.DistanceM, &g.DurationS, &g.Workouts)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errNotFound
	}
	g.CreatedAt = fromMS(created)
	g.Alert = g.RetiredOn == "" && g.AlertDistanceM != nil && g.DistanceM >= *g.AlertDistanceM
	return g, err
}

// GearList is the user's gear, in use first, then by name.
func (s *Store) GearList(ctx context.Context, userID int64) ([]Gear, error) {
	return queryList(ctx, s.reader, gearQuery+` WHERE g.user_id = ? GROUP BY g.id ORDER BY g.retired_on != '', g.name COLLATE NOCASE, g.id`, []any{userID}, scanGear)
}

func gearByID(ctx context.Context, q querier, userID, id int64) (Gear, error) {
	return scanGear(q.QueryRowContext(ctx, gearQuery+` WHERE g.user_id = ? AND g.id = ? GROUP BY g.id`, userID, id))
}

// SaveGear adds gear (id 0) or replaces one's fields. Gear made the
// default for a sport takes that place from any other gear of the user.
func (s *Store) SaveGear(ctx context.Context, userID, id int64, g Gear) (Gear, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		if g.DefaultSport != "" {
			if _, err := sportIn(ctx, tx, userID, g.DefaultSport); err != nil {
				return invalidField("default_sport", "unknown sport %q; see GET /api/sports", g.DefaultSport)
			}
			if _, err := tx.Exec("UPDATE gear SET default_sport = '' WHERE user_id = ? AND default_sport = ? AND id != ?", userID, g.DefaultSport, id); err != nil {
				return err
			}
		}
		if id == 0 {
			res, err := tx.Exec(`INSERT INTO gear (user_id, name, kind, default_sport, alert_distance_m, retired_on, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				userID, g.Name, g.Kind, g.DefaultSport, g.AlertDistanceM, g.RetiredOn, g.Notes, ms(s.now()))
			if err != nil {
				return err
			}
			id, _ = res.LastInsertId()
		} else {
			res, err := tx.Exec(`UPDATE gear SET name = ?, kind = ?, default_sport = ?, alert_distance_m = ?, retired_on = ?, notes = ? WHERE id = ? AND user_id = ?`,
				g.Name, g.Kind, g.DefaultSport, g.AlertDistanceM, g.RetiredOn, g.Notes, id, userID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errNotFound
			}
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventGearUpdated, "id": id})
	})
	if err != nil {
		return Gear{}, err
	}
	return gearByID(ctx, s.reader, userID, id)
}

// DeleteGear removes gear and its links to workouts.
func (s *Store) DeleteGear(ctx context.Context, userID, id int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("DELETE FROM gear WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventGearDeleted, "id": id})
	})
}

// setWorkoutGear links a workout to its gear. ids nil means the workout
// did not say: it gets the gear that is its sport's default and was not
// retired before the workout's day (what an import or a quick log wants).
// ids empty means no gear. Gear of another user is refused.
func setWorkoutGear(tx *Tx, userID int64, workoutID, sport string, start time.Time, ids []int64) error {
	if _, err := tx.Exec("DELETE FROM workout_gear WHERE workout_id = ?", workoutID); err != nil {
		return err
	}
	if ids == nil {
		var tz string
		if err := tx.QueryRow("SELECT timezone FROM users WHERE id = ?", userID).Scan(&tz); err != nil {
			return err
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		_, err = tx.Exec(`INSERT INTO workout_gear (workout_id, gear_id) SELECT ?, id FROM gear
			WHERE user_id = ? AND default_sport = ? AND (retired_on = '' OR retired_on >= ?)`, workoutID, userID, sport, start.In(loc).Format(time.DateOnly))
		return err
	}
	for i, id := range ids {
		res, err := tx.Exec("INSERT OR IGNORE INTO workout_gear (workout_id, gear_id) SELECT ?, id FROM gear WHERE id = ? AND user_id = ?", workoutID, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var dupe int
			tx.QueryRow("SELECT count(*) FROM workout_gear WHERE workout_id = ? AND gear_id = ?", workoutID, id).Scan(&dupe)
			if dupe == 0 {
				return invalidField(fmt.Sprintf("gear[%d]", i), "unknown gear %d; see GET /api/gear", id)
			}
		}
	}
	return nil
}

// workoutGear reads the ids of the gear a workout carried, through q.
func workoutGear(ctx context.Context, q querier, workoutID string) ([]int64, error) {
	return queryList(ctx, q, "SELECT gear_id FROM workout_gear WHERE workout_id = ? ORDER BY gear_id", []any{workoutID},
		func(r rowScanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
}

// restoreGear restores an export's gear and returns the ids it now has,
// keyed by its ids in the export. Gear of the same name and kind is taken
// to be there already, so restoring twice adds nothing.
func (s *Store) restoreGear(ctx context.Context, userID int64, list []Gear) (map[int64]int64, error) {
	ids := map[int64]int64{}
	checked := make([]Gear, 0, len(list))
	for _, g := range list {
		in := gearInput{Name: g.Name, Kind: g.Kind, DefaultSport: g.DefaultSport, AlertDistanceM: g.AlertDistanceM, RetiredOn: g.RetiredOn, Notes: g.Notes}
		c, err := in.validate()
		if err != nil {
			return nil, err
		}
		c.ID, c.CreatedAt = g.ID, g.CreatedAt
		checked = append(checked, c)
	}
	err := s.Write(ctx, func(tx *Tx) error {
		for _, g := range checked {
			var id int64
			err := tx.QueryRow("SELECT id FROM gear WHERE user_id = ? AND name = ? AND kind = ?", userID, g.Name, g.Kind).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				if g.DefaultSport != "" {
					if _, err := sportIn(ctx, tx, userID, g.DefaultSport); err != nil {
						g.DefaultSport = "" // a sport the archive's owner had and this account lacks
					}
				}
				res, err := tx.Exec(`INSERT INTO gear (user_id, name, kind, default_sport, alert_distance_m, retired_on, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
					userID, g.Name, g.Kind, g.DefaultSport, g.AlertDistanceM, g.RetiredOn, g.Notes, ms(g.CreatedAt))
				if err != nil {
					return err
				}
				id, _ = res.LastInsertId()
			} else if err != nil {
				return err
			}
			ids[g.ID] = id
		}
		return nil
	})
	return ids, err
}

// mapGear translates a restored workout's gear ids; a workout without any
// says so with an empty list, so it does not pick up today's default.
func mapGear(old []int64, ids map[int64]int64) []int64 {
	out := []int64{}
	for _, id := range old {
		if n, ok := ids[id]; ok {
			out = append(out, n)
		}
	}
	return out
}
