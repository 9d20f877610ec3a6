package main

import (
	"path"
	"strconv"
	"time"
)

// The rules of what an export archive holds and how it names it, kept
// apart from writeExport (which reads the account in one transaction) so
// that each can be tried on its own.

// newExportDoc is fitcast.json's head for u, exported at now (UTC, to the
// millisecond as stored), before the lists are read.
func newExportDoc(u User, now time.Time) exportDoc {
	return exportDoc{Format: exportFormat, Version: exportVersion, ExportedAt: now.UTC().Truncate(time.Millisecond),
		Account: exportAccount{Username: u.Username, UserSettings: u.UserSettings}}
}

// exportedWorkout is a workout as the archive holds it: without its share
// token, since a public link belongs to this server, not to the data.
func exportedWorkout(wo Workout) exportWorkout {
	wo.ShareToken = ""
	return exportWorkout{Workout: wo}
}

// exportedGame is a game the user owns, with its event log, as the archive
// holds it: CanScore is the reader's right on this server, not the game's.
func exportedGame(g Game, events []GameEvent) exportGame {
	g.CanScore = false
	return exportGame{Game: g, Events: events}
}

// exportSamplesPath is where the archive keeps workout id's samples.
func exportSamplesPath(id string) string { return "samples/" + id + ".json" }

// exportOriginalPath is where the archive keeps the file workout id was
// imported from. Only the file's base name is kept, so a stored name with
// directories in it cannot place the file elsewhere in the archive.
func exportOriginalPath(id, name string) string { return "originals/" + id + "/" + path.Base(name) }

// workoutCSVHeader is workouts.csv's first row; workoutCSVRow gives the
// others.
var workoutCSVHeader = []string{"id", "start", "sport", "title", "duration_s", "distance_m", "elevation_m", "calories", "avg_hr", "max_hr", "rpe", "sets", "notes"}

// workoutCSVRow is a workout's row in workouts.csv: numbers as short as
// they go, an unknown value empty, and the number of strength sets.
func workoutCSVRow(wo Workout) []string {
	return []string{wo.ID, wo.Start.Format(time.RFC3339), wo.Sport, wo.Title, num(&wo.DurationS), num(wo.DistanceM), num(wo.ElevationM),
		num(wo.Calories), num(wo.AvgHR), num(wo.MaxHR), intOrEmpty(wo.RPE), strconv.Itoa(len(wo.Sets)), wo.Notes}
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func intOrEmpty(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}
