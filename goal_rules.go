package main

import (
	"math"
	"time"
)

// The rules a goal must keep that need no database, kept apart from
// validateGoal (which also checks sports and exercises against the user's
// catalogue) so each can be tried on its own.

// goalBasics turns what a client sent into a Goal and checks what every
// kind shares: status (active by default; paused or archived), title,
// a positive target, and the period. days is the longest a period lasts
// (31 for a month; a custom range's days, both ends counted), 0 for a goal
// without a period; a period other than custom drops the dates sent.
func goalBasics(in goalInput, loc *time.Location) (g Goal, days float64, err error) {
	g = Goal{Title: in.Title, Kind: in.Kind, Metric: in.Metric, Sports: in.Sports, Exercise: in.Exercise, Basis: in.Basis,
		Period: in.Period, StartDate: in.StartDate, EndDate: in.EndDate, Status: in.Status}
	if g.Sports == nil {
		g.Sports = []string{}
	}
	if g.Status == "" {
		g.Status = "active"
	}
	if g.Status != "active" && g.Status != "paused" && g.Status != "archived" {
		return g, 0, invalidField("status", "must be active, paused or archived")
	}
	if err := checkText("title", g.Title, maxTitleLen); err != nil {
		return g, 0, err
	}
	if in.Target == nil {
		return g, 0, invalidField("target", "is required")
	}
	g.Target = *in.Target
	if math.IsNaN(g.Target) || math.IsInf(g.Target, 0) || g.Target <= 0 {
		return g, 0, invalidField("target", "must be a positive number")
	}
	switch g.Period {
	case periodWeek:
		days = 7
	case periodMonth:
		days = 31
	case periodYear:
		days = 366
	case periodCustom:
		from, err1 := localDay(g.StartDate, loc)
		to, err2 := localDay(g.EndDate, loc)
		if err1 != nil {
			return g, 0, invalidField("start_date", "must be a date such as 2026-12-01")
		}
		if err2 != nil {
			return g, 0, invalidField("end_date", "must be a date such as 2026-12-31")
		}
		if to.Before(from) {
			return g, 0, invalidField("end_date", "must not be before start_date")
		}
		if to.Sub(from) > 10*366*24*time.Hour {
			return g, 0, invalidField("end_date", "a goal spans at most ten years")
		}
		days = math.Round(to.Sub(from).Hours()/24) + 1
	case "":
		if g.Kind == goalVolume {
			return g, 0, invalidField("period", "must be week, month, year or custom")
		}
	default:
		return g, 0, invalidField("period", "must be week, month, year or custom")
	}
	if g.Period != periodCustom {
		g.StartDate, g.EndDate = "", ""
	}
	return g, days, nil
}

// volumeGoalRule checks a volume goal: a metric it can count, and a target
// no more than the metric's most plausible day (volumeMetrics) times the
// period's days. It drops the lift fields.
func volumeGoalRule(g *Goal, days float64) error {
	perDay, ok := volumeMetrics[g.Metric]
	if !ok {
		return invalidField("metric", "must be workouts, distance, duration, elevation or calories")
	}
	if g.Target > perDay*days {
		return invalidField("target", "is more than anyone could do in that period")
	}
	g.Exercise, g.Basis = "", ""
	return nil
}

// liftGoalRule checks a lift goal (its exercise known already): the basis
// is the weight lifted or the estimated one-rep max, the target at most
// maxWeightKg. It drops the volume fields.
func liftGoalRule(g *Goal) error {
	if g.Basis != "weight" && g.Basis != "e1rm" {
		return invalidField("basis", "must be weight or e1rm")
	}
	if g.Target > maxWeightKg {
		return invalidField("target", "must be at most %d kg", maxWeightKg)
	}
	g.Metric, g.Sports = "", []string{}
	return nil
}

// bodyWeightGoalRule checks a body-weight goal: 20 to 500 kg. It drops
// every other kind's fields.
func bodyWeightGoalRule(g *Goal) error {
	if g.Target < 20 || g.Target > 500 {
		return invalidField("target", "must be a body weight between 20 and 500 kg")
	}
	g.Metric, g.Sports, g.Exercise, g.Basis = "", []string{}, "", ""
	return nil
}
