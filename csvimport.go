package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// importTimeLayouts are the ways exports write a time: ISO, Strong's,
// Hevy's and Strava's.
var importTimeLayouts = []string{
	time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2 Jan 2006, 15:04", "2 Jan 2006 15:04", "Jan 2, 2006, 3:04:05 PM", "Jan 2, 2006 3:04:05 PM", "2006-01-02",
}

// parseImportTime reads a time in any of importTimeLayouts; one without a
// zone is in loc.
func parseImportTime(v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range importTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time fitcast can read", v)
}

// csvTable is a CSV file with its header normalised: lower case, letters
// only, so "Exercise Name", "exercise_name" and "exerciseName" are one.
type csvTable struct {
	cols     map[string]int
	repeated map[string]int // names that appear more than once: how many more
	rows     [][]string
}

// readCSV reads a CSV file whose fields are separated by commas or
// semicolons (Strong writes either, depending on the phone's language).
func readCSV(data []byte) (csvTable, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return csvTable{}, fmt.Errorf("CSV: %w", err)
	}
	t := csvTable{cols: map[string]int{}, repeated: map[string]int{}}
	for i, h := range header {
		var b strings.Builder
		for _, c := range strings.ToLower(h) {
			if c >= 'a' && c <= 'z' {
				b.WriteRune(c)
			}
		}
		if _, seen := t.cols[b.String()]; seen {
			t.repeated[b.String()]++
		}
		t.cols[b.String()] = i // a repeated name keeps its last column
	}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return t, fmt.Errorf("CSV: %w", err)
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// get is a row's value in the first of the named columns the file has.
func (t csvTable) get(row []string, names ...string) string {
	for _, n := range names {
		if i, ok := t.cols[n]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
	}
	return ""
}

func (t csvTable) has(names ...string) bool {
	for _, n := range names {
		if _, ok := t.cols[n]; ok {
			return true
		}
	}
	return false
}

// durationPart is one number and unit of a written duration: "1h",
// "5 m", "38min", "1 hr", "90 sec".
var durationPart = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)`)

// parseDuration reads a duration as exports write it: a number of
// seconds ("3900", Strong's Duration (sec)), a clock ("1:05:00",
// "38:10"), or words ("1h 5m", "38min", "1 hr 5 min", "90s", Strong's
// older exports). It is 0 when it reads none.
func parseDuration(v string) float64 {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n
	}
	if parts := strings.Split(v, ":"); len(parts) == 2 || len(parts) == 3 {
		total := 0.0
		for _, p := range parts {
			n, err := strconv.ParseFloat(p, 64)
			if err != nil || n < 0 {
				total = -1
				break
			}
			total = total*60 + n
		}
		if total >= 0 {
			return total
		}
	}
	total, matched := 0.0, 0
	for _, m := range durationPart.FindAllStringSubmatch(v, -1) {
		n, _ := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
		switch m[2][0] {
		case 'h':
			n *= 3600
		case 'm':
			n *= 60
		}
		total += n
		matched += len(m[0])
	}
	if matched == 0 {
		return 0
	}
	return total
}

const kgPerLb = 0.45359237

// strengthUnit says how a strength CSV's weights were read: unit is the
// unit used for a weight column that does not say its own ("kg" or
// "lb"), and assumed is true when the file had such a column, so that
// the import can tell the user which unit it took.
type strengthUnit struct {
	unit    string
	assumed bool
}

// weightUnitOf is the unit a strength CSV's unit-less weights are read
// in: the one the user chose for the import, or else the account's
// (imperial: pounds).
func weightUnitOf(choice string, u User) string {
	switch choice {
	case "kg", "lb":
		return choice
	}
	if u.Units == "imperial" {
		return "lb"
	}
	return "kg"
}

// parseStrengthCSV reads a Strong or Hevy style export: one row per set,
// grouped into workouts by start time and workout name. Times without a
// zone are in loc. A weight column that names its unit ("Weight (kg)",
// "weight_lbs", or a Weight Unit column) is read in it; Strong's plain
// "Weight" column is in the unit of the app's setting, which the file
// does not say, so it is read in unit ("kg" or "lb").
func parseStrengthCSV(data []byte, loc *time.Location, now time.Time, unit string) ([]activity, strengthUnit, error) {
	used := strengthUnit{unit: unit}
	t, err := readCSV(data)
	if err != nil {
		return nil, used, err
	}
	used.assumed = t.has("weight") && !t.has("weightunit")
	if !t.has("exercisename", "exercisetitle", "exercise") || !t.has("date", "starttime") {
		return nil, used, errors.New("CSV: not a strength export (it needs a date or start time column and an exercise column)")
	}
	var list []activity
	byKey := map[string]int{}
	for n, row := range t.rows {
		line := n + 2
		when := t.get(row, "date", "starttime")
		title := t.get(row, "workoutname", "title")
		key := when + "\x00" + title
		i, seen := byKey[key]
		if !seen {
			start, err := parseImportTime(when, loc)
			if err != nil {
				return nil, used, fmt.Errorf("line %d: %v", line, err)
			}
			a := activity{Format: "csv"}
			a.Sport, a.Start, a.Title, a.Sets = "strength", start.UTC(), title, []WorkoutSet{}
			a.Notes = t.get(row, "workoutnotes", "description")
			if d := parseDuration(t.get(row, "durationsec", "duration", "workoutduration")); d > 0 {
				a.DurationS = d
			} else if end, err := parseImportTime(t.get(row, "endtime"), loc); err == nil && end.After(start) {
				a.DurationS = end.Sub(start).Seconds()
			}
			i = len(list)
			byKey[key] = i
			list = append(list, a)
		}
		set, err := strengthSet(t, row, unit)
		if err != nil {
			return nil, used, fmt.Errorf("line %d: %v", line, err)
		}
		if set.Exercise != "" {
			list[i].Sets = append(list[i].Sets, set)
		}
	}
	for i := range list {
		a := &list[i]
		if a.DurationS == 0 {
			// The export did not say how long it took: two minutes a set,
			// the usual pace of a session with rests.
			a.DurationS = math.Max(60, 120*float64(len(a.Sets)))
		}
		if err := a.complete(now); err != nil {
			return nil, used, fmt.Errorf("workout of %s: %v", a.Start.In(loc).Format("2006-01-02 15:04"), err)
		}
	}
	return list, used, nil
}

// strengthSet reads one set row; a weight whose column and row do not
// say their unit is in unit.
func strengthSet(t csvTable, row []string, unit string) (WorkoutSet, error) {
	set := WorkoutSet{Exercise: t.get(row, "exercisename", "exercisetitle", "exercise")}
	num := func(field, v string) (*float64, error) {
		if v == "" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s %q is not a number", field, v)
		}
		return &f, nil
	}
	weight, err := num("weight", t.get(row, "weightkg"))
	if err != nil {
		return set, err
	}
	if weight == nil {
		if weight, err = num("weight", t.get(row, "weight")); err != nil {
			return set, err
		}
		rowUnit := strings.ToLower(t.get(row, "weightunit"))
		if weight != nil && (strings.HasPrefix(rowUnit, "lb") || rowUnit == "" && unit == "lb") {
			*weight *= kgPerLb
		}
	}
	if lbs, err := num("weight", t.get(row, "weightlbs", "weightlb")); err != nil {
		return set, err
	} else if lbs != nil && weight == nil {
		kg := *lbs * kgPerLb
		weight = &kg
	}
	if weight != nil && *weight > 0 {
		w := math.Round(*weight*100) / 100
		set.WeightKg = &w
	}
	reps, err := num("reps", t.get(row, "reps"))
	if err != nil {
		return set, err
	}
	if reps != nil {
		r := int(*reps)
		set.Reps = &r
	}
	if set.RPE, err = num("RPE", t.get(row, "rpe")); err != nil {
		return set, err
	}
	if set.RPE != nil && *set.RPE == 0 {
		set.RPE = nil
	}
	order := strings.ToLower(t.get(row, "setorder"))
	kind := strings.ToLower(t.get(row, "settype"))
	set.Warmup = order == "w" || kind == "warmup"
	return set, nil
}
