package main

import "time"

// Period kinds for goals and stats buckets.
const (
	periodWeek   = "week"
	periodMonth  = "month"
	periodYear   = "year"
	periodCustom = "custom"
)

// periodStart is the start of the week, month or year holding t, as local
// midnight in loc. Weeks start on weekStart ("sunday" or "monday"). Local
// calendar arithmetic (time.Date) keeps a week seven calendar days long
// across a daylight-saving change, though it then lasts 167 or 169 hours.
func periodStart(kind string, t time.Time, loc *time.Location, weekStart string) time.Time {
	t = t.In(loc)
	switch kind {
	case periodWeek:
		first := time.Monday
		if weekStart == "sunday" {
			first = time.Sunday
		}
		back := (int(t.Weekday()) - int(first) + 7) % 7
		return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, loc)
	case periodMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	default:
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, loc)
	}
}

// periodNext is the start of the period after the one starting at start.
func periodNext(kind string, start time.Time) time.Time {
	switch kind {
	case periodWeek:
		return start.AddDate(0, 0, 7)
	case periodMonth:
		return start.AddDate(0, 1, 0)
	default:
		return start.AddDate(1, 0, 0)
	}
}

// localDay parses a YYYY-MM-DD as local midnight in loc.
func localDay(s string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, s, loc)
}
