package main

import (
	"context"
	"database/sql"
	"errors"
)

// ShareWorkout makes a workout public under a new unguessable token
// (replacing any earlier one, which stops working) and returns it.
func (s *Store) ShareWorkout(ctx context.Context, userID int64, id string, showMap bool) (string, error) {
	token := newSecret()
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE workouts SET share_token = ?, share_map = ? WHERE id = ? AND user_id = ?", token, showMap, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutUpdated, "id": id})
	})
	return token, err
}

// UnshareWorkout revokes a workout's public link.
func (s *Store) UnshareWorkout(ctx context.Context, userID int64, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE workouts SET share_token = NULL WHERE id = ? AND user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutUpdated, "id": id})
	})
}

// SharedWorkout finds a workout by its share token.
func (s *Store) SharedWorkout(ctx context.Context, token string) (Workout, error) {
	w, err := scanWorkout(s.reader.QueryRowContext(ctx, "SELECT "+workoutColumns+" FROM workouts w WHERE w.share_token = ?", token))
	if errors.Is(err, sql.ErrNoRows) {
		return w, errNotFound
	}
	if err != nil {
		return w, err
	}
	w.Sets, err = s.sets(ctx, w.ID)
	return w, err
}
