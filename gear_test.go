package main

import (
	"fmt"
	"testing"
)

// TestGear adds shoes (the run default, alert at 1 km) and a bike; an
// imported run picks the shoes, a logged ride carries the bike, the totals
// follow, the alert fires, retired shoes are no longer picked, another
// user's gear cannot be used or changed; and gear, the workouts' gear and
// the athlete settings survive an export and a restore into another
// account, with the same totals and loads.
func TestGear(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var shoes, bike, other Gear
	c.must(201, "POST", "/api/gear", map[string]any{"name": "Trail shoes", "kind": "shoes", "default_sport": "run", "alert_distance_m": 1000}).JSON(&shoes)
	c.must(201, "POST", "/api/gear", map[string]any{"name": "Road bike", "kind": "bike"}).JSON(&bike)
	c.must(201, "POST", "/api/gear", map[string]any{"name": "Racers", "kind": "shoes"}).JSON(&other)
	if other.AlertDistanceM == nil || *other.AlertDistanceM != defaultShoeAlertM {
		t.Fatalf("shoes without an alert distance: %+v", other)
	}
	for _, bad := range []map[string]any{
		{"name": "", "kind": "shoes"},
		{"name": "X", "kind": "skateboard"},
		{"name": "X", "kind": "bike", "default_sport": "underwater_hockey"},
		{"name": "X", "kind": "bike", "alert_distance_m": -5},
		{"name": "X", "kind": "bike", "retired_on": "soon"},
	} {
		if r := c.do("POST", "/api/gear", bad); r.Status != 400 {
			t.Errorf("%v: %d %s", bad, r.Status, r.Body)
		}
	}
	c.setting("max_hr", 190, "2025-01-01")
	c.setting("rest_hr", 55, "2025-01-01")

	// gpxRun: 600 points a second apart at 3 m/s, 1,797 m.
	sum := c.upload(map[string][]byte{"run.gpx": gpxRun(600, importStart)})
	run := resultFor(t, sum, "run.gpx").Workouts[0]
	var w Workout
	c.must(200, "GET", "/api/workouts/"+run, nil).JSON(&w)
	if len(w.Gear) != 1 || w.Gear[0] != shoes.ID {
		t.Fatalf("imported run's gear %v, want the run default %d", w.Gear, shoes.ID)
	}
	ride := logWorkout(c, "ride", "2026-02-10T07:00:00Z", 3600, nil, map[string]any{"distance_m": 30000, "gear": []int64{bike.ID}})
	gym := logWorkout(c, "strength", "2026-02-11T07:00:00Z", 1800, nil, map[string]any{"gear": []int64{}})
	w = Workout{}
	c.must(200, "GET", "/api/workouts/"+gym, nil).JSON(&w)
	if len(w.Gear) != 0 {
		t.Fatalf("a workout logged with no gear carries %v", w.Gear)
	}
	gear := c.gearByName()
	if g := gear["Trail shoes"]; g.Workouts != 1 || g.DistanceM < 1790 || g.DistanceM > 1800 || !g.Alert || g.DurationS != 599 {
		t.Fatalf("shoes %+v", g)
	}
	if g := gear["Road bike"]; g.Workouts != 1 || g.DistanceM != 30000 || g.Alert {
		t.Fatalf("bike %+v", g)
	}

	// An edit that leaves gear out keeps it; one that names gear changes it.
	c.must(200, "PUT", "/api/workouts/"+ride, map[string]any{"sport": "ride", "start": "2026-02-10T07:00:00Z", "duration_s": 3600, "distance_m": 40000})
	if g := c.gearByName()["Road bike"]; g.DistanceM != 40000 {
		t.Fatalf("bike after an edit without gear %+v", g)
	}

	// Retired shoes are not picked for a later run.
	c.must(200, "PUT", fmt.Sprintf("/api/gear/%d", shoes.ID), map[string]any{"name": "Trail shoes", "kind": "shoes", "default_sport": "run",
		"alert_distance_m": 1000, "retired_on": "2026-01-01"})
	later := logWorkout(c, "run", "2026-02-12T07:00:00Z", 1200, nil, nil)
	w = Workout{}
	c.must(200, "GET", "/api/workouts/"+later, nil).JSON(&w)
	if len(w.Gear) != 0 {
		t.Fatalf("a run after the shoes retired carries %v", w.Gear)
	}
	if g := c.gearByName()["Trail shoes"]; g.Alert || g.RetiredOn != "2026-01-01" {
		t.Fatalf("retired shoes %+v", g)
	}

	// Another user can neither use nor change nor delete ann's gear.
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	if r := bob.do("POST", "/api/workouts", map[string]any{"sport": "ride", "start": "2026-02-10T07:00:00Z", "duration_s": 60, "gear": []int64{bike.ID}}); r.Status != 400 {
		t.Fatalf("bob using ann's bike: %d %s", r.Status, r.Body)
	}
	bob.must(404, "PUT", fmt.Sprintf("/api/gear/%d", bike.ID), map[string]any{"name": "Mine", "kind": "bike"})
	bob.must(404, "DELETE", fmt.Sprintf("/api/gear/%d", bike.ID), nil)
	var bobs []Gear
	bob.must(200, "GET", "/api/gear", nil).JSON(&bobs)
	if len(bobs) != 0 {
		t.Fatalf("bob sees %+v", bobs)
	}

	// Export, and restore into a new account on another server.
	archive := c.must(200, "GET", "/api/export", nil).Body
	other2 := newTestServer(t, config{})
	carl := newClient(t, other2.URL)
	carl.signUp("carl", "password123")
	if res := carl.upload(map[string][]byte{"ann.zip": archive}); res.Failed != 0 || res.Imported != 4 {
		t.Fatalf("restore %+v", res.Results)
	}
	before, after := c.gearByName(), carl.gearByName()
	for name, g := range before {
		r := after[name]
		if r.DistanceM != g.DistanceM || r.DurationS != g.DurationS || r.Workouts != g.Workouts || r.RetiredOn != g.RetiredOn || r.DefaultSport != g.DefaultSport {
			t.Errorf("%s: %+v after the round trip, was %+v", name, r, g)
		}
	}
	if len(after) != 3 {
		t.Fatalf("restored gear %+v", after)
	}
	annLoad := c.training(run).Load
	var carlRun []Workout
	var page struct{ Items []Workout }
	carl.must(200, "GET", "/api/workouts?sport=run", nil).JSON(&page)
	for _, w := range page.Items {
		if w.Start.Equal(importStart) {
			carlRun = append(carlRun, w)
		}
	}
	if len(carlRun) != 1 {
		t.Fatalf("carl's runs %+v", page.Items)
	}
	if l := carl.training(carlRun[0].ID).Load; l == nil || *l != *annLoad || l.Estimated {
		t.Fatalf("restored load %+v, was %+v", l, annLoad)
	}
	// Restoring again adds no gear.
	carl.upload(map[string][]byte{"ann.zip": archive})
	if n := len(carl.gearByName()); n != 3 {
		t.Fatalf("%d gear after restoring twice", n)
	}
	c.must(204, "DELETE", fmt.Sprintf("/api/gear/%d", bike.ID), nil)
	w = Workout{}
	c.must(200, "GET", "/api/workouts/"+ride, nil).JSON(&w)
	if len(w.Gear) != 0 {
		t.Fatalf("deleted gear still on the ride: %v", w.Gear)
	}
}

func (c *client) gearByName() map[string]Gear {
	c.t.Helper()
	var list []Gear
	c.must(200, "GET", "/api/gear", nil).JSON(&list)
	out := map[string]Gear{}
	for _, g := range list {
		out[g.Name] = g
	}
	return out
}
