package main

import (
	"net/http"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

func (s *server) updateSettings(w http.ResponseWriter, r *http.Request, p *principal) error {
	var set UserSettings
	if err := decodeJSON(w, r, &set); err != nil {
		return err
	}
	if set.WeekStart == "" {
		set.WeekStart = p.User.WeekStart // older clients send only zone and units
	}
	if err := validateSettings(set); err != nil {
		return err
	}
	if err := s.store.SetSettings(r.Context(), p.User.ID, set); err != nil {
		return err
	}
	u := p.User
	u.UserSettings = set
	return writeJSON(w, http.StatusOK, u)
}

// validateSettings checks every display setting.
func validateSettings(set UserSettings) error {
	if set.Timezone == "" || len(set.Timezone) > 64 {
		return invalidField("timezone", "must be an IANA time zone such as Europe/Berlin")
	}
	if _, err := time.LoadLocation(set.Timezone); err != nil {
		return invalidField("timezone", "unknown time zone %q", set.Timezone)
	}
	if set.Units != "metric" && set.Units != "imperial" {
		return invalidField("units", "must be metric or imperial")
	}
	if set.WeekStart != "monday" && set.WeekStart != "sunday" {
		return invalidField("week_start", "must be monday or sunday")
	}
	return nil
}
