package main

import "context"

// Sports lists the built-in sports and the user's own.
func (s *Store) Sports(ctx context.Context, userID int64) ([]Sport, error) {
	list := append([]Sport(nil), builtinSports...)
	rows, err := s.reader.QueryContext(ctx, "SELECT key, name, kind FROM custom_sports WHERE user_id = ? ORDER BY name", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sp := Sport{Custom: true}
		if err := rows.Scan(&sp.Key, &sp.Name, &sp.Kind); err != nil {
			return nil, err
		}
		sp.Measure = measureFor(sp)
		list = append(list, sp)
	}
	return list, rows.Err()
}

// Sport finds one of the user's sports by key.
func (s *Store) Sport(ctx context.Context, userID int64, key string) (Sport, error) {
	return sportIn(ctx, s.reader, userID, key)
}

// sportIn is Sport read through q, a write or read transaction.
func sportIn(ctx context.Context, q querier, userID int64, key string) (Sport, error) {
	for _, sp := range builtinSports {
		if sp.Key == key {
			return sp, nil
		}
	}
	sp := Sport{Key: key, Custom: true}
	err := q.QueryRowContext(ctx, "SELECT name, kind FROM custom_sports WHERE user_id = ? AND key = ?", userID, key).Scan(&sp.Name, &sp.Kind)
	if err != nil {
		return sp, errNotFound
	}
	sp.Measure = measureFor(sp)
	return sp, nil
}

// CreateCustomSport adds a sport of the user's own.
func (s *Store) CreateCustomSport(ctx context.Context, userID int64, sp Sport) error {
	for _, b := range builtinSports {
		if b.Key == sp.Key {
			return errConflict
		}
	}
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO custom_sports (user_id, key, name, kind) VALUES (?, ?, ?, ?)", userID, sp.Key, sp.Name, sp.Kind)
		if isUniqueViolation(err) {
			return errConflict
		}
		if err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventSportCreated, "sport": sp})
	})
}

// Exercises lists the built-in exercises and the user's own.
func (s *Store) Exercises(ctx context.Context, userID int64) ([]Exercise, error) {
	list := append([]Exercise(nil), builtinExercises...)
	rows, err := s.reader.QueryContext(ctx, "SELECT key, name FROM custom_exercises WHERE user_id = ? ORDER BY name", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		ex := Exercise{Custom: true}
		if err := rows.Scan(&ex.Key, &ex.Name); err != nil {
			return nil, err
		}
		list = append(list, ex)
	}
	return list, rows.Err()
}

// ExerciseKnown reports whether key is a built-in exercise or the user's.
func (s *Store) ExerciseKnown(ctx context.Context, userID int64, key string) (bool, error) {
	return exerciseKnown(ctx, s.reader, userID, key)
}

// exerciseKnown is ExerciseKnown read through q.
func exerciseKnown(ctx context.Context, q querier, userID int64, key string) (bool, error) {
	for _, ex := range builtinExercises {
		if ex.Key == key {
			return true, nil
		}
	}
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM custom_exercises WHERE user_id = ? AND key = ?", userID, key).Scan(&n)
	return n > 0, err
}

// CreateCustomExercise adds an exercise of the user's own.
func (s *Store) CreateCustomExercise(ctx context.Context, userID int64, ex Exercise) error {
	for _, b := range builtinExercises {
		if b.Key == ex.Key {
			return errConflict
		}
	}
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO custom_exercises (user_id, key, name) VALUES (?, ?, ?)", userID, ex.Key, ex.Name)
		if isUniqueViolation(err) {
			return errConflict
		}
		if err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventExerciseCreated, "exercise": ex})
	})
}
