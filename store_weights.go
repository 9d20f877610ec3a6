package main

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Weights lists the user's weigh-ins in [from, to), oldest first.
func (s *Store) Weights(ctx context.Context, userID int64, from, to time.Time) ([]Weight, error) {
	return queryList(ctx, s.reader, "SELECT id, at, kg FROM weights WHERE user_id = ? AND at >= ? AND at < ? ORDER BY at",
		[]any{userID, ms(from), ms(to)}, func(r rowScanner) (Weight, error) {
			var wt Weight
			var at int64
			err := r.Scan(&wt.ID, &at, &wt.KG)
			wt.At = fromMS(at)
			return wt, err
		})
}

// AddWeight stores a weigh-in and returns it with its id.
func (s *Store) AddWeight(ctx context.Context, userID int64, wt Weight) (Weight, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("INSERT INTO weights (user_id, at, kg) VALUES (?, ?, ?)", userID, ms(wt.At), wt.KG)
		if err != nil {
			return err
		}
		if wt.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWeightCreated, "weight": wt})
	})
	return wt, err
}

// UpdateWeight corrects one of the user's weigh-ins (wt.ID).
func (s *Store) UpdateWeight(ctx context.Context, userID int64, wt Weight) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE weights SET at = ?, kg = ? WHERE id = ? AND user_id = ?", ms(wt.At), wt.KG, wt.ID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWeightUpdated, "weight": wt})
	})
}

// DeleteWeight removes one of the user's weigh-ins.
func (s *Store) DeleteWeight(ctx context.Context, userID, id int64) error {
	return s.deleteOwned(ctx, "DELETE FROM weights WHERE id = ? AND user_id = ?", id, userID, EventWeightDeleted)
}

// WeightAsOf is the user's weight when at came: the last weigh-in before
// it, else the first after; errNotFound when there is none.
func (s *Store) WeightAsOf(ctx context.Context, userID int64, at time.Time) (float64, error) {
	var kg float64
	err := s.reader.QueryRowContext(ctx, `SELECT kg FROM (
		SELECT kg, 0 AS o, -at AS k FROM weights WHERE user_id = ?1 AND at < ?2
		UNION ALL SELECT kg, 1, at FROM weights WHERE user_id = ?1 AND at >= ?2) ORDER BY o, k LIMIT 1`, userID, ms(at)).Scan(&kg)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound
	}
	return kg, err
}

// LatestWeight is the user's last weigh-in.
func (s *Store) LatestWeight(ctx context.Context, userID int64) (float64, error) {
	var kg float64
	err := s.reader.QueryRowContext(ctx, "SELECT kg FROM weights WHERE user_id = ? ORDER BY at DESC LIMIT 1", userID).Scan(&kg)
	return kg, err
}
