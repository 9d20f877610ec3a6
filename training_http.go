package main

import (
	"encoding/json"
	"net/http"
	"time"
)

// maxFitnessDays bounds one fitness request: ten years and a bit.
const maxFitnessDays = 4000

func (s *server) getAthlete(w http.ResponseWriter, r *http.Request, p *principal) error {
	rep, err := s.store.Athlete(r.Context(), p.User)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// setAthleteSetting records one setting from a day on. The day defaults to
// today in the user's time zone.
func (s *server) setAthleteSetting(w http.ResponseWriter, r *http.Request, p *principal) error {
	var e settingEntry
	if err := decodeJSON(w, r, &e); err != nil {
		return err
	}
	if e.From == "" {
		e.From = s.now().In(userLocation(p.User)).Format(time.DateOnly)
	}
	if err := validateSetting(e); err != nil {
		return err
	}
	compact, _ := json.Marshal(e.Value) // validated JSON; re-encoded without spacing
	e.Value = compact
	if err := s.store.SetAthleteSetting(r.Context(), p.User.ID, e, false); err != nil {
		return err
	}
	return s.getAthlete(w, r, p)
}

func (s *server) deleteAthleteSetting(w http.ResponseWriter, r *http.Request, p *principal) error {
	e := settingEntry{Key: r.PathValue("key"), From: r.PathValue("from")}
	if !athleteKeys[e.Key] {
		return errNotFound
	}
	if _, err := time.Parse(time.DateOnly, e.From); err != nil {
		return errNotFound
	}
	if err := s.store.SetAthleteSetting(r.Context(), p.User.ID, e, true); err != nil {
		return err
	}
	return s.getAthlete(w, r, p)
}

// getFitness answers the fitness, fatigue and form series for local days
// from..to (inclusive). Defaults to the last 180 days up to today.
func (s *server) getFitness(w http.ResponseWriter, r *http.Request, p *principal) error {
	loc := userLocation(p.User)
	now := s.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	to, from := today, today.AddDate(0, 0, -179)
	q := r.URL.Query()
	var err error
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return invalidField("to", "must be a date such as 2026-03-01")
		}
		from = to.AddDate(0, 0, -179)
	}
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return invalidField("from", "must be a date such as 2026-03-01")
		}
	}
	if from.After(to) {
		return invalidField("from", "must not be after to")
	}
	if to.Sub(from).Hours()/24 > maxFitnessDays || from.Year() < 1900 || to.Year() > 2200 {
		return invalidField("from", "at most %d days at a time, between 1900 and 2200", maxFitnessDays)
	}
	rep, err := s.store.Fitness(r.Context(), p.User, from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *server) getPowerCurve(w http.ResponseWriter, r *http.Request, p *principal) error {
	curve, err := s.store.PowerCurve(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"curve": curve})
}
