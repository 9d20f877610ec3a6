package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// runSeries is a 30-minute run, one sample a second, heading north at
// 3 m/s from 45°N 7°E, heart rate rising: 1,801 samples.
func runSeries() []map[string]any {
	var out []map[string]any
	for i := 0; i <= 1800; i++ {
		lat := 45 + float64(i)*3/earthRadiusM*180/math.Pi
		out = append(out, map[string]any{"t": i, "lat": lat, "lon": 7.0, "hr": 120 + i/30, "alt": 200 + float64(i%60)})
	}
	return out
}

func startLive(t *testing.T, c *client) LiveSession {
	t.Helper()
	var l LiveSession
	c.must(201, "POST", "/api/live", map[string]any{"sport": "run"}).JSON(&l)
	return l
}

// TestLiveRunWithDropoutAndReplay streams a 30-minute run over the socket
// in batches of ten, loses the connection half way, queues the next
// batches as the phone would, replays them on reconnect (one of them twice,
// as when an ack was lost), and checks the stored samples and totals are
// exactly the series sent.
func TestLiveRunWithDropoutAndReplay(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	l := startLive(t, c)
	topic := workoutTopic(l.ID)
	series := runSeries()
	batch := func(i int) map[string]any {
		end := min(i+10, len(series))
		return map[string]any{"samples": series[i:end]}
	}
	send := func(w *wsClient, from, to int) {
		for i := from; i < to; i += 10 {
			w.send(map[string]any{"op": "pub", "topic": topic, "id": fmt.Sprintf("b%d", i), "data": batch(i)})
		}
		for acks := 0; acks < (to-from+9)/10; {
			f := w.read()
			if f.Op == opAck {
				acks++
			} else if f.Op == opError {
				t.Fatalf("batch refused: %+v", f.Error)
			}
		}
	}
	phone := c.mustDialWS("/ws")
	phone.subscribe(topic, nil)
	send(phone, 0, 900)
	phone.ws.CloseNow() // a tunnel

	// Back online: the queue holds 900..1200, and 890..900 again because its ack never came.
	phone = c.mustDialWS("/ws")
	phone.subscribe(topic, nil)
	send(phone, 890, 1200)
	send(phone, 1200, len(series))
	var done Workout
	c.must(200, "POST", "/api/live/"+l.ID+"/finish", nil).JSON(&done)

	var cols sampleColumns
	c.must(200, "GET", "/api/workouts/"+l.ID+"/samples", nil).JSON(&cols)
	if len(cols.T) != len(series) {
		t.Fatalf("%d samples stored, %d sent", len(cols.T), len(series))
	}
	for i := range series {
		if cols.T[i] != float64(i) || *cols.HR[i] != float64(120+i/30) || math.Abs(*cols.Lat[i]-series[i]["lat"].(float64)) > 1e-12 {
			t.Fatalf("sample %d differs: t %v hr %v", i, cols.T[i], *cols.HR[i])
		}
	}
	if done.DurationS != 1800 || math.Abs(*done.DistanceM-5400) > 1 || *done.MaxHR != 180 || done.Title != "" {
		t.Fatalf("finished workout: duration %v distance %v max HR %v", done.DurationS, *done.DistanceM, *done.MaxHR)
	}
	// It is now an ordinary workout, with its records.
	var rec Records
	c.must(200, "GET", "/api/records", nil).JSON(&rec)
	if len(rec.Efforts) == 0 || rec.Efforts[0].Name != "1 km" || math.Abs(rec.Efforts[0].Seconds-1000.0/3) > 0.5 {
		t.Fatalf("records from the live run: %+v", rec.Efforts)
	}
	if r := c.do("POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": []map[string]any{{"t": 1900}}}); r.Status != 409 || r.ErrorCode() != "session_finished" {
		t.Fatalf("samples after finish: %d %s", r.Status, r.Body)
	}
}

func TestLiveHTTPIngestFiltersBadSamples(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var tok struct{ Token string }
	c.must(201, "POST", "/api/tokens", map[string]string{"name": "GPS logger"}).JSON(&tok)
	logger := newClient(t, ts.URL)
	logger.token = tok.Token
	l := startLive(t, logger)
	post := func(samples ...map[string]any) IngestResult {
		var res IngestResult
		logger.must(200, "POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": samples}).JSON(&res)
		return res
	}
	at := func(t float64, lat float64) map[string]any {
		return map[string]any{"t": t, "lat": lat, "lon": 7.0, "hr": 130}
	}
	res := post(at(0, 45), at(1, 45.00003), at(2, 45.00006))
	if res.Accepted != 3 || res.DistanceM < 6 || res.DistanceM > 7 {
		t.Fatalf("first batch %+v", res)
	}
	// A resent sample, an old one, and a 50 km teleport in one second.
	res = post(at(2, 45.00006), map[string]any{"t": 1.5, "hr": 131}, at(3, 45.5), at(4, 45.00012))
	if res.Duplicates != 1 || res.OutOfOrder != 1 || res.Jumps != 1 || res.Accepted != 2 {
		t.Fatalf("bad batch %+v", res)
	}
	if res.DistanceM > 14 { // the jump added nothing
		t.Fatalf("distance %v counts the teleport", res.DistanceM)
	}
	for _, bad := range []string{`{"samples":[{"t":5,"hr":1000}]}`, `{"samples":[]}`, `{"samples":[{"t":5,"lat":45}]}`, `{"samples":[{"t":1e999}]}`} {
		if r := logger.do("POST", "/api/live/"+l.ID+"/samples", bad); r.Status != 400 {
			t.Errorf("%s: %d", bad, r.Status)
		}
	}
	var live []LiveSession
	c.must(200, "GET", "/api/live", nil).JSON(&live)
	if len(live) != 1 || live[0].Jumps != 1 || live[0].OutOfOrder != 1 || live[0].ElapsedS != 4 {
		t.Fatalf("live list %+v", live)
	}

	// Someone else's session is not there for bob.
	ts.srv.cfg.SignupOpen = true
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	if r := bob.do("POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": []map[string]any{{"t": 10}}}); r.Status != 404 {
		t.Fatalf("bob's samples: %d", r.Status)
	}
	if r := bob.do("POST", "/api/live/"+l.ID+"/finish", nil); r.Status != 404 {
		t.Fatalf("bob finishing: %d", r.Status)
	}
	w := bob.mustDialWS("/ws")
	w.send(map[string]any{"op": "sub", "topic": workoutTopic(l.ID)})
	w.expectError("forbidden")
}

// TestLiveSpectators: a spectator joining mid-session gets the track so
// far then updates; the privacy zone holds back positions near both ends
// for spectators but not for the owner; expired and revoked links fail.
func TestLiveSpectators(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	l := startLive(t, c)
	series := runSeries()
	push := func(from, to int) {
		c.must(200, "POST", "/api/live/"+l.ID+"/samples", map[string]any{"samples": series[from:to]})
	}
	var share struct{ Token, Path string }
	c.must(200, "POST", "/api/live/"+l.ID+"/share", map[string]any{"privacy_m": 300}).JSON(&share)
	push(0, 600) // 1,800 m

	anon := newClient(t, ts.URL)
	var watch struct {
		Session liveView
		Topic   string
	}
	anon.must(200, "GET", "/api/live/watch/"+share.Token, nil).JSON(&watch)
	s := watch.Session
	if len(s.Samples) != 600 || s.DistanceM < 1790 || watch.Topic != workoutTopic(l.ID) {
		t.Fatalf("spectator view: %d samples, %v m", len(s.Samples), s.DistanceM)
	}
	// Positions from 300 m to 1,500 m (1,800 less 300): t = 100..500, give
	// or take a sample where summed steps land a hair either side.
	near := func(got, want float64) bool { return math.Abs(got-want) <= 2 }
	if len(s.Track) == 0 || !near(s.Track[0][0], 100) || !near(s.Track[len(s.Track)-1][0], 500) {
		t.Fatalf("released track %v..%v", s.Track[0], s.Track[len(s.Track)-1])
	}
	if raw, _ := json.Marshal(s.Samples); strings.Contains(string(raw), `"lat"`) {
		t.Fatal("spectator samples carry positions")
	}

	own := c.mustDialWS("/ws") // another screen of the owner's
	own.subscribe(workoutTopic(l.ID), nil)
	fan := anon.mustDialWS("/ws")
	sub := fan.subscribe(workoutTopic(l.ID), map[string]any{"token": share.Token})
	// Presence tells the owner's screens how many followers are spectators.
	for {
		f := own.read()
		if f.Op == opPresence && *f.Count == 2 {
			if *f.Readers != 1 {
				t.Fatalf("presence %d followers, %d readers; want 1 spectator", *f.Count, *f.Readers)
			}
			break
		}
	}
	var snap liveView
	json.Unmarshal(sub.Snapshot, &snap)
	if len(snap.Samples) != 600 || len(snap.Track) != len(s.Track) {
		t.Fatalf("snapshot %d samples, %d track", len(snap.Samples), len(snap.Track))
	}
	push(600, 700)
	var upd liveView
	for upd.Type != "samples" {
		m := fan.read()
		if m.Op == opMsg {
			json.Unmarshal(m.Data, &upd)
		}
	}
	if len(upd.Samples) != 100 || !near(upd.Track[0][0], 501) || !near(upd.Track[len(upd.Track)-1][0], 600) || upd.Track[0][0] != s.Track[len(s.Track)-1][0]+1 {
		t.Fatalf("update: %d samples, track %v..%v", len(upd.Samples), upd.Track[0], upd.Track[len(upd.Track)-1])
	}
	// The owner sees every position.
	var cols sampleColumns
	c.must(200, "GET", "/api/workouts/"+l.ID+"/samples", nil).JSON(&cols)
	if cols.Lat[0] == nil || cols.Lat[699] == nil {
		t.Fatal("the owner's own track is cut")
	}
	// Spectators never had positions from the first 300 m or the last 300 m.
	c.must(200, "POST", "/api/live/"+l.ID+"/finish", nil)
	anon.must(200, "GET", "/api/live/watch/"+share.Token, nil).JSON(&watch)
	if last := watch.Session.Track[len(watch.Session.Track)-1][0]; !near(last, 600) || watch.Session.Status != "finished" {
		t.Fatalf("after finish the track ends at t=%v, status %s", last, watch.Session.Status)
	}

	// Revoking the link cuts the spectator off and refuses it afterwards.
	c.must(204, "DELETE", "/api/live/"+l.ID+"/share", nil)
	for {
		f := fan.read()
		if f.Op == opError {
			if f.Error.Code != "link_revoked" {
				t.Fatalf("revocation said %+v", f.Error)
			}
			break
		}
	}
	if r := anon.do("GET", "/api/live/watch/"+share.Token, nil); r.Status != 404 {
		t.Fatalf("revoked link: %d", r.Status)
	}

	// An expiring link stops working when it expires.
	l2 := startLive(t, c)
	c.must(200, "POST", "/api/live/"+l2.ID+"/share", map[string]any{"expires_at": ts.clock.Now().Add(time.Minute).Format(time.RFC3339)}).JSON(&share)
	anon.must(200, "GET", "/api/live/watch/"+share.Token, nil)
	ts.clock.Advance(2 * time.Minute)
	if r := anon.do("GET", "/api/live/watch/"+share.Token, nil); r.Status != 404 {
		t.Fatalf("expired link: %d", r.Status)
	}
	w := anon.mustDialWS("/ws")
	w.send(map[string]any{"op": "sub", "topic": workoutTopic(l2.ID), "token": share.Token})
	w.expectError("forbidden")
	if r := c.do("POST", "/api/live/"+l2.ID+"/share", map[string]any{"expires_at": "2000-01-01T00:00:00Z"}); r.Status != 400 {
		t.Fatalf("a link expiring in the past: %d", r.Status)
	}
}

// TestLiveStrengthSets logs sets one by one during a live strength
// session, as the gym-floor page does: a set resent after a lost reply is
// stored once, spectators see each set as it lands, another user cannot
// add to the session, and finishing leaves a workout with every set and
// the session's wall-clock length.
func TestLiveStrengthSets(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	var l LiveSession
	c.must(201, "POST", "/api/live", map[string]any{"sport": "strength"}).JSON(&l)
	var share struct{ Token string }
	c.must(200, "POST", "/api/live/"+l.ID+"/share", map[string]any{}).JSON(&share)
	fan := newClient(t, ts.URL).mustDialWS("/ws")
	fan.subscribe(workoutTopic(l.ID), map[string]any{"token": share.Token})

	path := "/api/live/" + l.ID + "/sets"
	set := func(pos int, kg float64) map[string]any {
		return map[string]any{"position": pos, "exercise": "bench_press", "weight_kg": kg, "reps": 5}
	}
	c.must(201, "POST", path, set(0, 80))
	ts.clock.Advance(3 * time.Minute)
	c.must(201, "POST", path, set(1, 85))
	c.must(200, "POST", path, set(1, 85)) // the retry of a set whose reply was lost
	for _, bad := range []any{
		set(5, 90), // leaves a gap
		map[string]any{"exercise": "bench_press", "reps": 5},
		map[string]any{"position": 2, "exercise": "no_such_lift", "reps": 5},
		map[string]any{"position": 2, "exercise": "bench_press", "reps": -1},
		map[string]any{"position": 2, "exercise": "bench_press", "weight_kg": 2000, "reps": 1},
		`{"position": 2, "exercise": "bench_press", "weight_kg": 1e999, "reps": 1}`,
	} {
		if r := c.do("POST", path, bad); r.Status != 400 {
			t.Errorf("%v: %d %s", bad, r.Status, r.Body)
		}
	}
	got := 0
	for got < 2 {
		f := fan.read()
		var m struct {
			Type     string
			Position int
			Set      WorkoutSet
		}
		if f.Op == opMsg && json.Unmarshal(f.Data, &m) == nil && m.Type == "set" {
			if m.Position != got || *m.Set.WeightKg != 80+5*float64(got) {
				t.Fatalf("spectator got set %+v", m)
			}
			got++
		}
	}

	eve := newClient(t, ts.URL)
	eve.signUp("eve", "password123")
	if r := eve.do("POST", path, set(2, 200)); r.Status != 404 {
		t.Fatalf("another user's session took a set: %d", r.Status)
	}

	ts.clock.Advance(2 * time.Minute)
	var w Workout
	c.must(200, "POST", "/api/live/"+l.ID+"/finish", nil).JSON(&w)
	if len(w.Sets) != 2 || *w.Sets[1].WeightKg != 85 || w.Sets[1].E1RMKg == nil || w.DurationS != 300 {
		t.Fatalf("finished workout: %d sets, %v s, %+v", len(w.Sets), w.DurationS, w.Sets)
	}
	if r := c.do("POST", path, set(2, 90)); r.Status != 409 || r.ErrorCode() != "session_finished" {
		t.Fatalf("a set after finishing: %d %s", r.Status, r.Body)
	}
}

// BenchmarkLiveIngest stores live samples in batches of ten from 200
// sessions at once, straight into the store (no sockets): the cost per
// sample of the ingest transaction itself. ns/op is per sample.
func BenchmarkLiveIngest(b *testing.B) {
	store, err := OpenStore(filepath.Join(b.TempDir(), "live.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	u, err := store.CreateUser(ctx, "athlete", "x", true, false, false)
	if err != nil {
		b.Fatal(err)
	}
	const sessions, batch = 200, 10
	ids := make([]string, sessions)
	for i := range ids {
		l, err := store.StartLive(ctx, u.ID, "run", uuid.NewString())
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = l.ID
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for t := 0; t < b.N/sessions+1; t += batch {
				samples := make([]Sample, batch)
				for j := range samples {
					at := float64(t + j)
					lat, hr := 45+at*3/earthRadiusM*180/math.Pi, 140.0
					samples[j] = Sample{T: at, Lat: &lat, Lon: new(7.0), HR: &hr}
				}
				if _, err := store.IngestLive(ctx, u.ID, id, samples); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
