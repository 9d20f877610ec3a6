package main

import (
	"net/http"
	"time"
)

func (s *server) shareWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		ShowMap *bool `json:"show_map"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	showMap := body.ShowMap == nil || *body.ShowMap
	token, err := s.store.ShareWorkout(r.Context(), p.User.ID, r.PathValue("id"), showMap)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": token, "path": "/w/" + token, "show_map": showMap})
}

func (s *server) unshareWorkout(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.store.UnshareWorkout(r.Context(), p.User.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// publicWorkout is what anyone with the link sees: no notes, no ids of the
// owner's other things, and no positions unless the owner allowed the map.
type publicWorkout struct {
	Sport      string        `json:"sport"`
	SportName  string        `json:"sport_name"` // a custom sport's owner named it; others see its key
	Measure    string        `json:"measure"`    // how its speed is shown, as in GET /api/sports
	Title      string        `json:"title"`
	Start      time.Time     `json:"start"`
	DurationS  float64       `json:"duration_s"`
	DistanceM  *float64      `json:"distance_m"`
	ElevationM *float64      `json:"elevation_m"`
	AvgHR      *float64      `json:"avg_hr"`
	MaxHR      *float64      `json:"max_hr"`
	Sets       []WorkoutSet  `json:"sets"`
	ShowMap    bool          `json:"show_map"`
	Samples    sampleColumns `json:"samples"`
	Splits     []Split       `json:"splits"`
}

// getPublicWorkout serves a shared workout to anyone with its link. An
// unknown or revoked token is a plain 404.
func (s *server) getPublicWorkout(w http.ResponseWriter, r *http.Request) error {
	wo, err := s.store.SharedWorkout(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	samples, err := s.store.Samples(r.Context(), wo.ID)
	if err != nil {
		return err
	}
	pw := publicWorkout{Sport: wo.Sport, Title: wo.Title, Start: wo.Start, DurationS: wo.DurationS, DistanceM: wo.DistanceM,
		ElevationM: wo.ElevationM, AvgHR: wo.AvgHR, MaxHR: wo.MaxHR, Sets: wo.Sets, ShowMap: wo.ShareMap,
		Samples: columns(samples, wo.ShareMap), SportName: wo.Sport}
	for _, sp := range builtinSports {
		if sp.Key == wo.Sport {
			pw.SportName, pw.Measure = sp.Name, sp.Measure
		}
	}
	if pw.Measure == "" && wo.DistanceM != nil {
		pw.Measure = measurePace
	}
	pw.Splits = splits(samples, splitUnit(pw.Measure, "metric"))
	if pw.Splits == nil {
		pw.Splits = []Split{}
	}
	return writeJSON(w, http.StatusOK, pw)
}
