package main

import (
	"context"
	"net/http"
	"time"
)

// userLocation is the user's time zone, for cutting days.
func userLocation(u User) *time.Location {
	if loc, err := time.LoadLocation(u.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// dayEntry is one local day of activity.
type dayEntry struct {
	Date      string    `json:"date"` // YYYY-MM-DD in the user's time zone
	Count     int       `json:"count"`
	DurationS float64   `json:"duration_s"`
	DistanceM float64   `json:"distance_m"`
	Workouts  []Workout `json:"workouts,omitempty"`
}

// activityByDay buckets the user's workouts in [from, to) by local day.
func (s *server) activityByDay(ctx context.Context, u User, from, to time.Time, withWorkouts bool) ([]dayEntry, error) {
	list, err := s.store.workoutsBetween(ctx, u.ID, from, to)
	if err != nil {
		return nil, err
	}
	loc := userLocation(u)
	days := []dayEntry{}
	for _, w := range list {
		date := w.Start.In(loc).Format(time.DateOnly)
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, dayEntry{Date: date})
		}
		d := &days[len(days)-1]
		d.Count++
		d.DurationS += w.DurationS
		if w.DistanceM != nil {
			d.DistanceM += *w.DistanceM
		}
		if withWorkouts {
			w.Sets = nil
			d.Workouts = append(d.Workouts, w)
		}
	}
	return days, nil
}

// calendar answers one month of the user's days: GET /api/calendar?month=2026-11.
func (s *server) calendar(w http.ResponseWriter, r *http.Request, p *principal) error {
	loc := userLocation(p.User)
	month := r.URL.Query().Get("month")
	if month == "" {
		month = s.now().In(loc).Format("2006-01")
	}
	first, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil || first.Year() < 1900 || first.Year() > 3000 {
		return invalidField("month", "must look like 2026-11")
	}
	days, err := s.activityByDay(r.Context(), p.User, first, first.AddDate(0, 1, 0), true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"month": month, "timezone": loc.String(), "days": days})
}

// heatmap answers a year of daily totals: GET /api/heatmap?year=2026.
func (s *server) heatmap(w http.ResponseWriter, r *http.Request, p *principal) error {
	loc := userLocation(p.User)
	year := s.now().In(loc).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		t, err := time.Parse("2006", v)
		if err != nil || t.Year() < 1900 || t.Year() > 3000 {
			return invalidField("year", "must be a year such as 2026")
		}
		year = t.Year()
	}
	first := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	days, err := s.activityByDay(r.Context(), p.User, first, first.AddDate(1, 0, 0), false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"year": year, "timezone": loc.String(), "days": days})
}
