package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// dbDigest hashes every row of every table, so that a test can tell that
// a refused request wrote nothing: no new row, and no row overwritten.
func dbDigest(t *testing.T, ts *testServer) string {
	t.Helper()
	rows, err := ts.store.reader.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	h := sha256.New()
	for _, table := range tables {
		rows, err := ts.store.reader.Query(`SELECT * FROM "` + table + `" ORDER BY rowid`)
		if err != nil {
			rows, err = ts.store.reader.Query(`SELECT * FROM "` + table + `"`) // WITHOUT ROWID tables
		}
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%s%v\n", table, vals)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// without returns body (JSON) with the field at path removed; path steps
// are object keys or array indexes, dot-separated ("samples.0.t").
func without(t *testing.T, body, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("case body %s: %v", body, err)
	}
	steps := strings.Split(path, ".")
	cur := v
	for i, step := range steps {
		last := i == len(steps)-1
		switch node := cur.(type) {
		case map[string]any:
			if _, ok := node[step]; !ok {
				t.Fatalf("%s has no %s", body, path)
			}
			if last {
				delete(node, step)
			}
			cur = node[step]
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n >= len(node) || last {
				t.Fatalf("bad path %s in %s", path, body)
			}
			cur = node[n]
		default:
			t.Fatalf("bad path %s in %s", path, body)
		}
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// TestRequiredFieldsEverywhere sends every endpoint and frame that takes
// a body once per required field, with that field left out. Each must be
// refused (400, or an error frame on a socket) and leave the database
// exactly as it was. A sample without "t" used to be stored at t=0,
// overwriting the first sample.
func TestRequiredFieldsEverywhere(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	newClient(t, ts.URL).signUp("bob", "password123")

	var wo Workout
	ann.must(201, "POST", "/api/workouts", run30min("2026-02-20T07:00:00Z")).JSON(&wo)
	ann.must(200, "POST", "/api/workouts/"+wo.ID+"/samples", map[string]any{"samples": []map[string]any{
		{"t": 0, "lat": 52.5, "lon": 13.4, "hr": 120}, {"t": 10, "lat": 52.5001, "lon": 13.4, "hr": 125}}})
	live := startLive(t, ann)
	ann.must(200, "POST", "/api/live/"+live.ID+"/samples", map[string]any{"samples": []map[string]any{{"t": 0, "lat": 52.5, "lon": 13.4, "hr": 120}}})
	var g Game
	ann.must(201, "POST", "/api/games", map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "public"}).JSON(&g)
	var wt Weight
	ann.must(201, "POST", "/api/weights", map[string]any{"kg": 80}).JSON(&wt)
	var gear Gear
	ann.must(201, "POST", "/api/gear", map[string]any{"name": "Pegasus", "kind": "shoes"}).JSON(&gear)

	const workout = `{"sport":"run","start":"2026-02-21T07:00:00Z","duration_s":1800,"sets":[{"exercise":"squat","reps":5,"weight_kg":100}]}`
	httpCases := []struct {
		method, path, body string
		required           []string
	}{
		{"POST", "/api/signup", `{"username":"cat","password":"password123"}`, []string{"username", "password"}},
		{"POST", "/api/login", `{"username":"ann","password":"password123"}`, []string{"username", "password"}},
		{"POST", "/api/me/password", `{"current_password":"password123","new_password":"password456"}`, []string{"current_password", "new_password"}},
		{"POST", "/api/tokens", `{"name":"logger"}`, []string{"name"}},
		{"POST", "/api/users", `{"username":"dan","password":"password123"}`, []string{"username", "password"}},
		{"POST", "/api/sports", `{"name":"Sea kayak","kind":"distance"}`, []string{"name", "kind"}},
		{"POST", "/api/exercises", `{"name":"Zercher squat"}`, []string{"name"}},
		{"POST", "/api/workouts", workout, []string{"sport", "start", "duration_s", "sets.0.exercise"}},
		{"PUT", "/api/workouts/" + wo.ID, workout, []string{"sport", "start", "duration_s", "sets.0.exercise"}},
		{"POST", "/api/workouts/" + wo.ID + "/samples", `{"samples":[{"t":20,"hr":130},{"t":0}]}`, []string{"samples", "samples.0.t", "samples.1.t"}},
		{"POST", "/api/templates", `{"name":"Legs","sets":[{"exercise":"squat","reps":5}]}`, []string{"name", "sets", "sets.0.exercise"}},
		{"POST", "/api/goals", `{"kind":"volume","metric":"distance","target":40000,"period":"week"}`, []string{"kind", "metric", "target", "period"}},
		{"POST", "/api/goals", `{"kind":"lift","exercise":"bench_press","basis":"weight","target":100}`, []string{"exercise", "target"}},
		{"POST", "/api/weights", `{"kg":80}`, []string{"kg"}},
		{"PUT", fmt.Sprintf("/api/weights/%d", wt.ID), `{"kg":79}`, []string{"kg"}},
		{"POST", "/api/gear", `{"name":"Vaporfly","kind":"shoes"}`, []string{"name", "kind"}},
		{"PUT", fmt.Sprintf("/api/gear/%d", gear.ID), `{"name":"Pegasus 41","kind":"shoes"}`, []string{"name", "kind"}},
		{"POST", "/api/athlete/settings", `{"key":"max_hr","value":190}`, []string{"key", "value"}},
		{"POST", "/api/upload-tokens", `{"name":"FitoTrack"}`, []string{"name"}},
		{"POST", "/api/live", `{"sport":"run"}`, []string{"sport"}},
		{"POST", "/api/live/" + live.ID + "/samples", `{"samples":[{"t":5,"hr":130},{"t":0}]}`, []string{"samples", "samples.0.t", "samples.1.t"}},
		{"POST", "/api/live/" + live.ID + "/sets", `{"position":0,"exercise":"squat","reps":5}`, []string{"position", "exercise"}},
		{"POST", "/api/games", `{"sport":"basketball","home":"A","away":"B","visibility":"public"}`, []string{"sport", "home", "away"}},
		{"PUT", "/api/games/" + g.ID, `{"home":"Lions","away":"Tigers","visibility":"public"}`, []string{"home", "away"}},
		{"POST", "/api/games/" + g.ID + "/scorekeepers", `{"username":"bob"}`, []string{"username"}},
		{"POST", "/api/games/" + g.ID + "/events", `{"kind":"score","team":"home","points":2}`, []string{"kind", "team", "points"}},
		{"POST", "/api/games/" + g.ID + "/events", `{"kind":"clock","action":"set","seconds":60}`, []string{"action", "seconds"}},
		{"POST", "/api/games/" + g.ID + "/events", `{"kind":"card","team":"home","action":"yellow"}`, []string{"team", "action"}},
	}
	for _, tc := range httpCases {
		for _, field := range tc.required {
			t.Run(tc.method+" "+tc.path+" without "+field, func(t *testing.T) {
				before := dbDigest(t, ts)
				r := ann.do(tc.method, tc.path, without(t, tc.body, field))
				if r.Status != 400 || r.ErrorCode() == "" {
					t.Fatalf("status %d %s, want 400 with an error", r.Status, r.Body)
				}
				if dbDigest(t, ts) != before {
					t.Fatal("a refused request changed the database")
				}
			})
		}
	}

	// The same over sockets: /ws frames, pubs on a live session and a
	// game, and score updates on the sports-updates path.
	mux := ann.mustDialWS("/ws")
	sports := ann.mustDialWS("/ws/sports-updates/")
	wsCases := []struct {
		sock     *wsClient
		body     string
		required []string
	}{
		{mux, `{"op":"sub","topic":"games","id":"s1"}`, []string{"op", "topic"}},
		{mux, `{"op":"pub","topic":"workout:` + live.ID + `","id":"p1","data":{"samples":[{"t":7,"hr":131},{"t":0}]}}`,
			[]string{"topic", "data", "data.samples", "data.samples.0.t", "data.samples.1.t"}},
		{mux, `{"op":"pub","topic":"game:` + g.ID + `","id":"p2","data":{"kind":"score","team":"home","points":2}}`,
			[]string{"topic", "data", "data.kind", "data.team", "data.points"}},
		{sports, `{"game":"` + g.ID + `","kind":"score","team":"away","points":3}`, []string{"game", "kind", "team", "points"}},
	}
	for i, tc := range wsCases {
		for _, field := range tc.required {
			t.Run(fmt.Sprintf("socket %d without %s", i, field), func(t *testing.T) {
				before := dbDigest(t, ts)
				tc.sock.sendRaw(without(t, tc.body, field))
				f := tc.sock.read()
				if f.Op != opError && !(tc.sock == sports && f.Error != nil) {
					t.Fatalf("answer %+v, want an error frame", f)
				}
				if f.Error == nil || f.Error.Code == "" {
					t.Fatalf("error frame without a code: %+v", f)
				}
				if dbDigest(t, ts) != before {
					t.Fatal("a refused frame changed the database")
				}
			})
		}
	}
}

// TestGameSportIsFixed: an update need not name the sport (the docs call
// it fixed), and cannot change it.
func TestGameSportIsFixed(t *testing.T) {
	ts, ann, _, g := gameServer(t, map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "public"})
	var got Game
	ann.must(200, "PUT", "/api/games/"+g.ID, map[string]any{"home": "Lions II", "away": "Tigers", "visibility": "public"}).JSON(&got)
	if got.Sport != "basketball" || got.Home != "Lions II" {
		t.Fatalf("updated game %+v", got)
	}
	ann.must(200, "PUT", "/api/games/"+g.ID, map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "public"})
	before := dbDigest(t, ts)
	if r := ann.do("PUT", "/api/games/"+g.ID, map[string]any{"sport": "soccer", "home": "Lions", "away": "Tigers", "visibility": "public"}); r.Status != 400 || r.ErrorCode() != "invalid_field" {
		t.Fatalf("changing the sport: %d %s", r.Status, r.Body)
	}
	if dbDigest(t, ts) != before {
		t.Fatal("a refused sport change wrote")
	}
}
