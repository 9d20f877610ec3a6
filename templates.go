package main

import (
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
