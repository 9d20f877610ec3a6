package main

import (
	"net/http"
	"time"
)

// epleyFormula is shown with strength records, so people know what the
// estimate means.
const epleyFormula = "Epley: e1RM = weight × (1 + reps / 30); a single counts as its weight; warm-up sets do not count"

// EffortRecord is the fastest time over one distance.
type EffortRecord struct {
	Name      string    `json:"name"`
	DistanceM float64   `json:"distance_m"`
	Seconds   float64   `json:"seconds"`
	WorkoutID string    `json:"workout_id"`
	Start     time.Time `json:"start"`
}

// LongestRecord is a sport's longest workout by distance or duration.
type LongestRecord struct {
	Sport     string    `json:"sport"`
	Value     float64   `json:"value"` // metres or seconds
	WorkoutID string    `json:"workout_id"`
	Start     time.Time `json:"start"`
}

// LiftRecord is an exercise's heaviest set and best estimated 1RM.
type LiftRecord struct {
	Exercise        string    `json:"exercise"`
	HeaviestKg      float64   `json:"heaviest_kg"`
	HeaviestWorkout string    `json:"heaviest_workout_id"`
	HeaviestStart   time.Time `json:"heaviest_start"`
	E1RMKg          float64   `json:"e1rm_kg"`
	E1RMWorkout     string    `json:"e1rm_workout_id"`
	E1RMStart       time.Time `json:"e1rm_start"`
}

// Records are a user's personal bests.
type Records struct {
	Efforts         []EffortRecord  `json:"efforts"`
	LongestDistance []LongestRecord `json:"longest_distance"`
	LongestDuration []LongestRecord `json:"longest_duration"`
	Lifts           []LiftRecord    `json:"lifts"`
	Formula         string          `json:"e1rm_formula"`
}

// heldRecord is one record with the workout that holds it.
type heldRecord struct {
	Name      string
	Value     float64
	Unit      string // "s", "kg" or "m"
	WorkoutID string
	Start     time.Time
	Sport     string // for the longest ones
}

func (s *server) records(w http.ResponseWriter, r *http.Request, p *principal) error {
	rec, err := s.store.Records(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}
