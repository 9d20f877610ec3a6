package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
)

// SportTotals adds up workouts of one sport (or all).
type SportTotals struct {
	Count     int     `json:"count"`
	DurationS float64 `json:"duration_s"`
	DistanceM float64 `json:"distance_m"`
	Elevation float64 `json:"elevation_m"`
	Calories  float64 `json:"calories"`
}

func (t *SportTotals) add(r volumeRow) {
	t.Count++
	t.DurationS += r.Duration
	t.DistanceM += r.Distance
	t.Elevation += r.Elevation
	t.Calories += r.Calories
}

// StatsBucket is one week, month or year of totals.
type StatsBucket struct {
	Start  time.Time               `json:"start"`
	End    time.Time               `json:"end"`
	Totals SportTotals             `json:"totals"`
	Sports map[string]*SportTotals `json:"sports"`
}

// maxBuckets bounds one stats answer (ten years of weeks).
const maxBuckets = 530

// bucketTotals cuts [from, to) into periods of kind in the user's time zone
// and week start, and adds up each one's workouts, per sport too.
func (s *server) bucketTotals(ctx context.Context, u User, kind string, from, to time.Time, sport string) ([]StatsBucket, error) {
	loc := userLocation(u)
	var buckets []StatsBucket
	for b := periodStart(kind, from, loc, u.WeekStart); b.Before(to); b = periodNext(kind, b) {
		if len(buckets) == maxBuckets {
			return nil, invalidField("from", "that range holds more than %d %ss", maxBuckets, kind)
		}
		buckets = append(buckets, StatsBucket{Start: b, End: periodNext(kind, b), Sports: map[string]*SportTotals{}})
	}
	if len(buckets) == 0 {
		return []StatsBucket{}, nil
	}
	rows, err := s.store.volumeRows(ctx, u.ID, buckets[0].Start, buckets[len(buckets)-1].End)
	if err != nil {
		return nil, err
	}
	i := 0
	for _, r := range rows {
		if sport != "" && r.Sport != sport {
			continue
		}
		for i < len(buckets) && !r.Start.Before(buckets[i].End) {
			i++
		}
		if i == len(buckets) {
			break
		}
		b := &buckets[i]
		b.Totals.add(r)
		if b.Sports[r.Sport] == nil {
			b.Sports[r.Sport] = &SportTotals{}
		}
		b.Sports[r.Sport].add(r)
	}
	return buckets, nil
}

// stats answers GET /api/stats?from=&to=&bucket=week|month|year&sport=.
// Without a range it covers the last 12 weeks, 12 months or 5 years.
func (s *server) stats(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	bucket := q.Get("bucket")
	if bucket == "" {
		bucket = periodWeek
	}
	if bucket != periodWeek && bucket != periodMonth && bucket != periodYear {
		return invalidField("bucket", "must be week, month or year")
	}
	loc := userLocation(p.User)
	from, err := parseTimeParam("from", q.Get("from"), loc)
	if err != nil {
		return err
	}
	to, err := parseTimeParam("to", q.Get("to"), loc)
	if err != nil {
		return err
	}
	now := s.now()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		switch bucket {
		case periodWeek:
			from = to.AddDate(0, 0, -7*11)
		case periodMonth:
			from = to.AddDate(0, -11, 0)
		default:
			from = to.AddDate(-4, 0, 0)
		}
	}
	if to.Before(from) {
		return invalidField("to", "must not be before from")
	}
	if sport := q.Get("sport"); sport != "" {
		if _, err := s.store.Sport(r.Context(), p.User.ID, sport); err != nil {
			return invalidField("sport", "unknown sport %q", sport)
		}
	}
	buckets, err := s.bucketTotals(r.Context(), p.User, bucket, from, to, q.Get("sport"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"bucket": bucket, "timezone": userLocation(p.User).String(), "week_start": p.User.WeekStart, "buckets": buckets})
}

// dashboard is everything the home screen shows, in one answer.
func (s *server) dashboard(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	now := s.now()
	week, err := s.bucketTotals(ctx, p.User, periodWeek, now, now.Add(time.Nanosecond), "")
	if err != nil {
		return err
	}
	goals, err := s.store.Goals(ctx, p.User.ID)
	if err != nil {
		return err
	}
	active := []Goal{}
	for _, g := range goals {
		if g.Status != "active" {
			continue
		}
		if g, err = s.withProgress(ctx, p.User, g); err != nil {
			return err
		}
		active = append(active, g)
	}
	recent, err := s.store.Workouts(ctx, p.User.ID, workoutFilter{Limit: 5})
	if err != nil {
		return err
	}
	rec, err := s.store.Records(ctx, p.User.ID)
	if err != nil {
		return err
	}
	// Records set in the last two weeks.
	since := now.AddDate(0, 0, -14)
	type fresh struct {
		Name      string    `json:"name"`
		Value     float64   `json:"value"`
		Unit      string    `json:"unit"`
		WorkoutID string    `json:"workout_id"`
		Start     time.Time `json:"start"`
	}
	newRecords := []fresh{}
	for _, r := range s.store.beaten(ctx, p.User.ID, rec) {
		if !r.Start.After(since) || r.Name == "Longest duration" {
			continue
		}
		if r.Sport != "" {
			sp, _ := s.store.Sport(ctx, p.User.ID, r.Sport)
			r.Name = "Longest " + strings.ToLower(sp.Name)
		}
		newRecords = append(newRecords, fresh{r.Name, r.Value, r.Unit, r.WorkoutID, r.Start})
	}
	slices.SortFunc(newRecords, func(a, b fresh) int { return b.Start.Compare(a.Start) })
	return writeJSON(w, http.StatusOK, map[string]any{
		"week":        week[0],
		"goals":       active,
		"recent":      recent,
		"new_records": newRecords,
	})
}
