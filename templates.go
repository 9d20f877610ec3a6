package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Template is a saved strength routine: the sets to start a session from.
type Template struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	Sets      []WorkoutSet `json:"sets"`
	CreatedAt time.Time    `json:"created_at"`
}

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

func (s *server) listTemplates(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.Templates(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) createTemplate(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string       `json:"name"`
		Sets []WorkoutSet `json:"sets"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	name, err := validateLabel("name", body.Name)
	if err != nil {
		return err
	}
	if len(body.Sets) == 0 {
		return invalidField("sets", "a template needs at least one set")
	}
	if err := validateSets(body.Sets); err != nil {
		return err
	}
	t, err := s.store.CreateTemplate(r.Context(), p.User.ID, Template{Name: name, Sets: body.Sets})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (s *server) deleteTemplate(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteTemplate(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
