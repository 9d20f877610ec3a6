package main

import (
	"net/http"
	"time"
)

// Weight is one body-weight entry.
type Weight struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	KG float64   `json:"kg"`
}

func (s *server) listWeights(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	loc := userLocation(p.User)
	from, err := parseTimeParam("from", q.Get("from"), loc)
	if err != nil {
		return err
	}
	to, err := parseTimeParam("to", q.Get("to"), loc)
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	list, err := s.store.Weights(r.Context(), p.User.ID, from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) addWeight(w http.ResponseWriter, r *http.Request, p *principal) error {
	wt, err := s.weightInput(w, r)
	if err != nil {
		return err
	}
	wt, err = s.store.AddWeight(r.Context(), p.User.ID, wt)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wt)
}

// updateWeight corrects a weigh-in's weight or date: a typo on the scale's
// reading, or one logged a day late.
func (s *server) updateWeight(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	wt, err := s.weightInput(w, r)
	if err != nil {
		return err
	}
	wt.ID = id
	if err := s.store.UpdateWeight(r.Context(), p.User.ID, wt); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wt)
}

// weightInput reads and checks a weigh-in: kg from 20 to 500, and at, an
// RFC 3339 time not in the future (now when left out).
func (s *server) weightInput(w http.ResponseWriter, r *http.Request) (Weight, error) {
	var body struct {
		At string   `json:"at"`
		KG *float64 `json:"kg"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return Weight{}, err
	}
	if body.KG == nil {
		return Weight{}, invalidField("kg", "is required")
	}
	if err := checkRange("kg", body.KG, 20, 500); err != nil {
		return Weight{}, err
	}
	at := s.now()
	if body.At != "" {
		t, err := time.Parse(time.RFC3339, body.At)
		if err != nil || t.Year() < 1900 || t.After(s.now().Add(24*time.Hour)) {
			return Weight{}, invalidField("at", "must be an RFC 3339 time, not in the future")
		}
		at = t
	}
	return Weight{At: at.UTC().Truncate(time.Millisecond), KG: *body.KG}, nil
}

func (s *server) deleteWeight(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteWeight(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
