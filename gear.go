package main

import (
	"net/http"
	"time"
)

// Gear is a pair of shoes, a bike or other equipment, with what it has
// done: totals over the workouts that carried it.
type Gear struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Kind           string    `json:"kind"`          // shoes, bike or other
	DefaultSport   string    `json:"default_sport"` // new workouts of this sport carry it; "" for none
	AlertDistanceM *float64  `json:"alert_distance_m"`
	RetiredOn      string    `json:"retired_on"` // local day, YYYY-MM-DD; "" while in use
	Notes          string    `json:"notes"`
	CreatedAt      time.Time `json:"created_at"`
	DistanceM      float64   `json:"distance_m"`
	DurationS      float64   `json:"duration_s"`
	Workouts       int       `json:"workouts"`
	Alert          bool      `json:"alert"` // in use and past its alert distance
}

// defaultShoeAlertM is the alert distance new shoes get unless told
// otherwise: most running shoes are worn out between 500 and 800 km, and
// 700 km is the figure the common advice settles on. Defaults to 700 km.
const defaultShoeAlertM = 700_000

// maxGearPerWorkout bounds the gear one workout may carry.
const maxGearPerWorkout = 10

var gearKinds = map[string]bool{"shoes": true, "bike": true, "other": true}

// gearInput is gear as a client sends it.
type gearInput struct {
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	DefaultSport   string   `json:"default_sport"`
	AlertDistanceM *float64 `json:"alert_distance_m"`
	RetiredOn      string   `json:"retired_on"`
	Notes          string   `json:"notes"`
}

func (in gearInput) validate() (Gear, error) {
	var g Gear
	name, err := validateLabel("name", in.Name)
	if err != nil {
		return g, err
	}
	if !gearKinds[in.Kind] {
		return g, invalidField("kind", "must be shoes, bike or other")
	}
	if err := checkRange("alert_distance_m", in.AlertDistanceM, 1, maxDistanceM*10); err != nil {
		return g, err
	}
	if in.RetiredOn != "" {
		if _, err := time.Parse(time.DateOnly, in.RetiredOn); err != nil {
			return g, invalidField("retired_on", "must be a date such as 2026-03-01, or empty")
		}
	}
	if err := checkText("notes", in.Notes, maxNotesLen); err != nil {
		return g, err
	}
	if len(in.DefaultSport) > 100 {
		return g, invalidField("default_sport", "is not a sport")
	}
	return Gear{Name: name, Kind: in.Kind, DefaultSport: in.DefaultSport, AlertDistanceM: in.AlertDistanceM, RetiredOn: in.RetiredOn, Notes: in.Notes}, nil
}

func (s *server) listGear(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.GearList(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// createGear adds gear. Shoes without an alert distance get 700 km.
func (s *server) createGear(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in gearInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := in.validate()
	if err != nil {
		return err
	}
	if g.Kind == "shoes" && g.AlertDistanceM == nil {
		d := float64(defaultShoeAlertM)
		g.AlertDistanceM = &d
	}
	stored, err := s.store.SaveGear(r.Context(), p.User.ID, 0, g)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, stored)
}

// updateGear replaces gear's fields; retiring is setting retired_on.
func (s *server) updateGear(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in gearInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := in.validate()
	if err != nil {
		return err
	}
	stored, err := s.store.SaveGear(r.Context(), p.User.ID, id, g)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, stored)
}

// deleteGear removes gear; the workouts that carried it stay.
func (s *server) deleteGear(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteGear(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
