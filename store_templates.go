package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Templates lists the user's routines, by name.
func (s *Store) Templates(ctx context.Context, userID int64) ([]Template, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT id, name, sets, created_at FROM templates WHERE user_id = ? ORDER BY name, id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []Template{}
	for rows.Next() {
		var t Template
		var sets []byte
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &sets, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(sets, &t.Sets); err != nil {
			return nil, fmt.Errorf("template %d: %w", t.ID, err)
		}
		t.CreatedAt = fromMS(created)
		list = append(list, t)
	}
	return list, rows.Err()
}

// CreateTemplate saves a routine after checking its exercises exist.
func (s *Store) CreateTemplate(ctx context.Context, userID int64, t Template) (Template, error) {
	t.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := s.Write(ctx, func(tx *Tx) error {
		if err := s.checkCatalog(ctx, tx, userID, Workout{Sport: "strength", Sets: t.Sets}); err != nil {
			return err
		}
		sets, err := json.Marshal(t.Sets)
		if err != nil {
			return err
		}
		res, err := tx.Exec("INSERT INTO templates (user_id, name, sets, created_at) VALUES (?, ?, ?, ?)", userID, t.Name, sets, ms(t.CreatedAt))
		if err != nil {
			return err
		}
		if t.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventTemplateCreated, "id": t.ID})
	})
	return t, err
}

// DeleteTemplate removes one of the user's routines.
func (s *Store) DeleteTemplate(ctx context.Context, userID, id int64) error {
	return s.deleteOwned(ctx, "DELETE FROM templates WHERE id = ? AND user_id = ?", id, userID, EventTemplateDeleted)
}
