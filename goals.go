package main

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Goal kinds.
const (
	goalVolume     = "volume"      // an amount per week, month, year or date range
	goalLift       = "lift"        // reach a weight or estimated 1RM on an exercise
	goalBodyWeight = "body_weight" // reach a body weight
)

// volumeMetrics are what a volume goal counts, with the most a single day
// can plausibly hold: a target above that rate for its period is refused.
var volumeMetrics = map[string]float64{
	"workouts":  50,
	"distance":  100_000_000 / 7.0, // 100,000 km a week
	"duration":  24 * 3600,
	"elevation": 100_000,
	"calories":  100_000,
}

// Goal is a target and how the user stands against it.
type Goal struct {
	ID        int64         `json:"id"`
	Title     string        `json:"title"`
	Kind      string        `json:"kind"`
	Metric    string        `json:"metric,omitempty"`
	Sports    []string      `json:"sports"`
	Exercise  string        `json:"exercise,omitempty"`
	Basis     string        `json:"basis,omitempty"`
	Target    float64       `json:"target"` // metres, seconds, count, or kg
	Period    string        `json:"period"`
	StartDate string        `json:"start_date,omitempty"`
	EndDate   string        `json:"end_date,omitempty"`
	Status    string        `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	Progress  *GoalProgress `json:"progress,omitempty"`
}

// GoalProgress is where a goal stands now.
type GoalProgress struct {
	Value       float64    `json:"value"`
	Fraction    float64    `json:"fraction"` // value / target, capped at 1 for the ring
	Achieved    bool       `json:"achieved"`
	PeriodStart *time.Time `json:"period_start,omitempty"`
	PeriodEnd   *time.Time `json:"period_end,omitempty"`
	Expected    *float64   `json:"expected,omitempty"` // where steady progress would be by now
	OnTrack     *bool      `json:"on_track,omitempty"`
	Streak      int        `json:"streak"`                // consecutive periods met, ending now
	AchievedAt  *time.Time `json:"achieved_at,omitempty"` // lift and body-weight goals
	StartValue  *float64   `json:"start_value,omitempty"` // body weight when the goal began
}

// PeriodResult is one past or current period of a volume goal.
type PeriodResult struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Value float64   `json:"value"`
	Met   bool      `json:"met"`
}

// goalInput is a goal as a client sends it.
type goalInput struct {
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Metric    string   `json:"metric"`
	Sports    []string `json:"sports"`
	Exercise  string   `json:"exercise"`
	Basis     string   `json:"basis"`
	Target    *float64 `json:"target"`
	Period    string   `json:"period"`
	StartDate string   `json:"start_date"`
	EndDate   string   `json:"end_date"`
	Status    string   `json:"status"`
}

// validateGoal checks a goal against the rules (goal_rules.go), the
// user's catalogue and time zone.
func (s *Store) validateGoal(ctx context.Context, u User, in goalInput) (Goal, error) {
	g, days, err := goalBasics(in, userLocation(u))
	if err != nil {
		return g, err
	}
	switch g.Kind {
	case goalVolume:
		if err := volumeGoalRule(&g, days); err != nil {
			return g, err
		}
		for i, key := range g.Sports {
			if _, err := s.Sport(ctx, u.ID, key); err != nil {
				return g, invalidField("sports", "sports[%d]: unknown sport %q", i, key)
			}
		}
	case goalLift:
		known, err := s.ExerciseKnown(ctx, u.ID, g.Exercise)
		if err != nil {
			return g, err
		}
		if !known {
			return g, invalidField("exercise", "unknown exercise %q", g.Exercise)
		}
		if err := liftGoalRule(&g); err != nil {
			return g, err
		}
	case goalBodyWeight:
		if err := bodyWeightGoalRule(&g); err != nil {
			return g, err
		}
	default:
		return g, invalidField("kind", "must be volume, lift or body_weight")
	}
	if g.Title == "" {
		g.Title = defaultGoalTitle(g)
	}
	return g, nil
}

// defaultGoalTitle names a goal the user left untitled in words, not keys:
// "Bench press goal", "Distance per week".
func defaultGoalTitle(g Goal) string {
	switch g.Kind {
	case goalLift:
		return displayName(g.Exercise, builtinExercises) + " goal"
	case goalBodyWeight:
		return "Body weight"
	}
	metric := map[string]string{"workouts": "Workouts", "distance": "Distance", "duration": "Time", "elevation": "Elevation gain", "calories": "Calories"}[g.Metric]
	if metric == "" {
		metric = g.Metric
	}
	if g.Period == periodCustom {
		return metric + " goal"
	}
	return metric + " per " + g.Period
}

// displayName is a built-in exercise's name, or a key made readable
// ("sea_kayak" is "Sea kayak") for one of the user's own.
func displayName(key string, builtin []Exercise) string {
	for _, e := range builtin {
		if e.Key == key {
			return e.Name
		}
	}
	name := strings.ReplaceAll(key, "_", " ")
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// volumeRow is what volume goals and stats add up from a workout.
type volumeRow struct {
	Start                                   time.Time
	Sport                                   string
	Duration, Distance, Elevation, Calories float64
}

func (r volumeRow) metric(m string) float64 {
	switch m {
	case "workouts":
		return 1
	case "distance":
		return r.Distance
	case "duration":
		return r.Duration
	case "elevation":
		return r.Elevation
	default:
		return r.Calories
	}
}

// ---- Progress ------------------------------------------------------------

// maxHistory bounds how many past periods a goal's history and streak look at.
const maxHistory = 104

// periods lists a volume goal's periods from the one it was created in (or
// its custom range) to the current one, oldest first, at most maxHistory.
func goalPeriods(g Goal, now time.Time, loc *time.Location, weekStart string) [][2]time.Time {
	if g.Period == periodCustom {
		from, _ := localDay(g.StartDate, loc)
		to, _ := localDay(g.EndDate, loc)
		return [][2]time.Time{{from, to.AddDate(0, 0, 1)}}
	}
	first := periodStart(g.Period, g.CreatedAt, loc, weekStart)
	current := periodStart(g.Period, now, loc, weekStart)
	var out [][2]time.Time
	for p := current; !p.Before(first) && len(out) < maxHistory; {
		out = append(out, [2]time.Time{p, periodNext(g.Period, p)})
		// Step back one period: the start of the period holding the instant before p.
		p = periodStart(g.Period, p.Add(-time.Nanosecond), loc, weekStart)
	}
	slices.Reverse(out)
	return out
}

// volumeHistory adds up a volume goal for every period it has had (at
// most maxHistory), oldest first.
func (s *server) volumeHistory(ctx context.Context, u User, g Goal, now time.Time) ([]PeriodResult, error) {
	return s.sumPeriods(ctx, u, g, goalPeriods(g, now, userLocation(u), u.WeekStart))
}

// sumPeriods adds up a volume goal over consecutive periods, reading their
// whole span in one query.
func (s *server) sumPeriods(ctx context.Context, u User, g Goal, periods [][2]time.Time) ([]PeriodResult, error) {
	rows, err := s.store.volumeRows(ctx, u.ID, periods[0][0], periods[len(periods)-1][1])
	if err != nil {
		return nil, err
	}
	out := make([]PeriodResult, len(periods))
	i := 0
	for k, p := range periods {
		out[k] = PeriodResult{Start: p[0], End: p[1]}
		for ; i < len(rows) && rows[i].Start.Before(p[1]); i++ {
			if rows[i].Start.Before(p[0]) {
				continue
			}
			if len(g.Sports) == 0 || slices.Contains(g.Sports, rows[i].Sport) {
				out[k].Value += rows[i].metric(g.Metric)
			}
		}
		out[k].Met = out[k].Value >= g.Target
	}
	return out, nil
}

// recentHistory sums the newest periods, reaching further back only while
// every period read so far was met: enough to count the streak, without
// reading years of workouts for a goal missed last week.
func (s *server) recentHistory(ctx context.Context, u User, g Goal, now time.Time) ([]PeriodResult, error) {
	all := goalPeriods(g, now, userLocation(u), u.WeekStart)
	n := min(len(all), 8)
	for {
		hist, err := s.sumPeriods(ctx, u, g, all[len(all)-n:])
		if err != nil {
			return nil, err
		}
		allMet := true
		for _, h := range hist[:len(hist)-1] { // the current period may still be under way
			allMet = allMet && h.Met
		}
		if !allMet || n == len(all) {
			return hist, nil
		}
		n = min(len(all), n*4)
	}
}

// progress works out where g stands at now.
func (s *server) progress(ctx context.Context, u User, g Goal, now time.Time) (*GoalProgress, error) {
	switch g.Kind {
	case goalVolume:
		hist, err := s.recentHistory(ctx, u, g, now)
		if err != nil {
			return nil, err
		}
		return volumeProgress(g, hist, now), nil
	case goalLift:
		return s.liftProgress(ctx, u, g)
	default:
		return s.bodyWeightProgress(ctx, u, g)
	}
}

// volumeProgress is the current period's standing, its pace, and the
// streak of periods met.
func volumeProgress(g Goal, hist []PeriodResult, now time.Time) *GoalProgress {
	cur := hist[len(hist)-1] // the current period; a custom range's only one
	p := &GoalProgress{Value: cur.Value, Achieved: cur.Met, Fraction: math.Min(1, cur.Value/g.Target)}
	p.PeriodStart, p.PeriodEnd = &cur.Start, &cur.End
	elapsed := now.Sub(cur.Start).Seconds() / cur.End.Sub(cur.Start).Seconds()
	elapsed = math.Max(0, math.Min(1, elapsed))
	expected := g.Target * elapsed
	onTrack := cur.Met || cur.Value >= expected
	p.Expected, p.OnTrack = &expected, &onTrack
	if g.Period != periodCustom {
		// The current period counts once it is met; an unfinished one does
		// not break the streak.
		i := len(hist) - 1
		if hist[i].Met {
			p.Streak++
		}
		for i--; i >= 0 && hist[i].Met; i-- {
			p.Streak++
		}
	}
	return p
}

func (s *server) liftProgress(ctx context.Context, u User, g Goal) (*GoalProgress, error) {
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if g.Period == periodCustom {
		loc := userLocation(u)
		f, _ := localDay(g.StartDate, loc)
		t, _ := localDay(g.EndDate, loc)
		from, to = ms(f), ms(t.AddDate(0, 0, 1))
	}
	p := &GoalProgress{}
	best, err := s.store.BestLift(ctx, u.ID, g.Exercise, g.Basis, from, to)
	if err != nil {
		return nil, err
	}
	p.Value = best
	p.Fraction = math.Min(1, p.Value/g.Target)
	p.Achieved = p.Value >= g.Target
	if p.Achieved {
		at, err := s.store.FirstLiftReaching(ctx, u.ID, g.Exercise, g.Basis, g.Target, from, to)
		if err != nil {
			return nil, err
		}
		t := fromMS(at)
		p.AchievedAt = &t
	}
	return p, nil
}

func (s *server) bodyWeightProgress(ctx context.Context, u User, g Goal) (*GoalProgress, error) {
	p := &GoalProgress{}
	// Where the goal began: the last weigh-in before it was set, else the first after.
	start, err := s.store.WeightAsOf(ctx, u.ID, g.CreatedAt)
	if errors.Is(err, errNotFound) {
		return p, nil // no weigh-ins yet
	}
	if err != nil {
		return nil, err
	}
	current, err := s.store.LatestWeight(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p.Value, p.StartValue = current, &start
	if start == g.Target {
		p.Fraction, p.Achieved = 1, current == g.Target
	} else {
		p.Fraction = math.Max(0, math.Min(1, (start-current)/(start-g.Target)))
		p.Achieved = (start > g.Target && current <= g.Target) || (start < g.Target && current >= g.Target)
	}
	return p, nil
}

// ---- Handlers ------------------------------------------------------------

func (s *server) withProgress(ctx context.Context, u User, g Goal) (Goal, error) {
	p, err := s.progress(ctx, u, g, s.now())
	g.Progress = p
	return g, err
}

func (s *server) listGoals(w http.ResponseWriter, r *http.Request, p *principal) error {
	goals, err := s.store.Goals(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	for i := range goals {
		if goals[i], err = s.withProgress(r.Context(), p.User, goals[i]); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, goals)
}

func (s *server) getGoal(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.store.Goal(r.Context(), p.User.ID, id)
	if err != nil {
		return err
	}
	if g, err = s.withProgress(r.Context(), p.User, g); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) saveGoal(w http.ResponseWriter, r *http.Request, p *principal) error {
	var id int64
	if r.Method == http.MethodPut {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
		if _, err := s.store.Goal(r.Context(), p.User.ID, id); err != nil {
			return err
		}
	}
	var in goalInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := s.store.validateGoal(r.Context(), p.User, in)
	if err != nil {
		return err
	}
	g.ID = id
	if g, err = s.store.SaveGoal(r.Context(), p.User.ID, g); err != nil {
		return err
	}
	if g, err = s.withProgress(r.Context(), p.User, g); err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	return writeJSON(w, status, g)
}

func (s *server) deleteGoal(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteGoal(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// goalHistory lists a volume goal's periods, newest first, met or missed.
func (s *server) goalHistory(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.store.Goal(r.Context(), p.User.ID, id)
	if err != nil {
		return err
	}
	if g.Kind != goalVolume {
		return errorf(codeNoHistory, "only volume goals have periods")
	}
	hist, err := s.volumeHistory(r.Context(), p.User, g, s.now())
	if err != nil {
		return err
	}
	slices.Reverse(hist)
	return writeJSON(w, http.StatusOK, hist)
}
