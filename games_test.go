package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// replayOf runs events (score for "h"/"a", anything else as given) through
// a sport's rules the way the store does, and returns the state.
func replayOf(t *testing.T, sport string, seq string) GameState {
	t.Helper()
	var events []GameEvent
	for _, c := range seq {
		st := replay(sport, events)
		ev := GameEvent{Kind: "score", Team: map[rune]string{'h': "home", 'a': "away"}[c]}
		if err := gameSports[sport].normalize(&ev, &st); err != nil {
			t.Fatalf("%s after %d events: %v", sport, len(events), err)
		}
		ev.Seq = int64(len(events) + 1)
		events = append(events, ev)
	}
	return replay(sport, events)
}

func TestTennisRollsUpPointsGamesSets(t *testing.T) {
	game := func(w rune) string { return strings.Repeat(string(w), 4) }
	// Deuce and advantage: 3-3, AD home, deuce, AD away, away wins.
	st := replayOf(t, "tennis", "hhhaaah"+"a"+"aa")
	if st.Current != [2]int{0, 1} || st.Points != [2]string{"0", "0"} {
		t.Fatalf("after a deuce game won by away: games %v points %v", st.Current, st.Points)
	}
	st = replayOf(t, "tennis", "hhhaaah")
	if st.Points != [2]string{"AD", "40"} {
		t.Fatalf("advantage: %v", st.Points)
	}
	// A 6-4 set, then a tie-break set 7-6, and the match is over.
	var seq strings.Builder
	for i := 0; i < 5; i++ {
		seq.WriteString(game('h') + game('a'))
	}
	// 5-5, then home holds twice: 7-5? No: 6-5 then 7-5. Use 6-4 instead:
	seq.Reset()
	for _, w := range "hahahahahh" { // 6-4
		seq.WriteString(game(w))
	}
	for _, w := range "hahahahahaha" { // 6-6
		seq.WriteString(game(w))
	}
	seq.WriteString("hhhhhhh") // tie-break 7-0
	st = replayOf(t, "tennis", seq.String())
	if len(st.Sets) != 2 || st.Sets[0] != [2]int{6, 4} || st.Sets[1] != [2]int{7, 6} || st.Home != 2 || st.Status != "finished" {
		t.Fatalf("match: sets %v, %d-%d, %s", st.Sets, st.Home, st.Away, st.Status)
	}
	// Mid tie-break the points are plain numbers.
	mid := strings.TrimSuffix(seq.String(), "hhhhhhh") + "hha"
	if st := replayOf(t, "tennis", mid); st.Points != [2]string{"2", "1"} || st.Label != "Set 2" {
		t.Fatalf("tie-break points %v, %s", st.Points, st.Label)
	}
	// A point after match point is refused.
	var events []GameEvent
	for i, c := range seq.String() {
		events = append(events, GameEvent{Seq: int64(i + 1), Kind: "score", Team: map[rune]string{'h': "home", 'a': "away"}[c], Points: 1})
	}
	final := replay("tennis", events)
	if err := gameSports["tennis"].normalize(&GameEvent{Kind: "score", Team: "away"}, &final); err == nil {
		t.Fatal("scored after the match ended")
	}
}

func TestVolleyballSets(t *testing.T) {
	set := func(w, l rune, lp int) string {
		return strings.Repeat(string(l), lp) + strings.Repeat(string(w), 25)
	}
	// 25-23, a deuce set 26-24 for away, 25-10, 25-20: home wins 3-1.
	st := replayOf(t, "volleyball", set('h', 'a', 23)+strings.Repeat("ha", 24)+"aa"+set('h', 'a', 10)+set('h', 'a', 20))
	if st.Home != 3 || st.Away != 1 || st.Status != "finished" || st.Sets[1] != [2]int{24, 26} {
		t.Fatalf("volleyball: %d-%d sets %v %s", st.Home, st.Away, st.Sets, st.Status)
	}
	// The fifth set goes to 15.
	two := set('h', 'a', 0) + set('h', 'a', 0) + set('a', 'h', 0) + set('a', 'h', 0)
	st = replayOf(t, "volleyball", two+strings.Repeat("h", 15))
	if st.Home != 3 || st.Sets[4] != [2]int{15, 0} {
		t.Fatalf("fifth set: %v", st.Sets)
	}
}

func TestScoringRulesPerSport(t *testing.T) {
	for _, tc := range []struct {
		sport  string
		ev     GameEvent
		points int // 0: refused
	}{
		{"basketball", GameEvent{Kind: "score", Team: "home", Points: 3}, 3},
		{"basketball", GameEvent{Kind: "score", Team: "home", Action: "free_throw"}, 1},
		{"basketball", GameEvent{Kind: "score", Team: "home", Points: 4}, 0},
		{"soccer", GameEvent{Kind: "score", Team: "away", Points: 1}, 1},
		{"soccer", GameEvent{Kind: "score", Team: "away", Points: 2}, 0},
		{"rugby", GameEvent{Kind: "score", Team: "home", Action: "try"}, 5},
		{"rugby", GameEvent{Kind: "score", Team: "home", Action: "conversion"}, 2},
		{"rugby", GameEvent{Kind: "score", Team: "home", Points: 3}, 3},
		{"rugby", GameEvent{Kind: "score", Team: "home", Points: 4}, 0},
		{"rugby", GameEvent{Kind: "score", Team: "home", Action: "try", Points: 7}, 0},
		{"ice_hockey", GameEvent{Kind: "score", Team: "home", Points: 1}, 1},
		{"generic", GameEvent{Kind: "score", Team: "home", Points: 7}, 7},
		{"generic", GameEvent{Kind: "score", Team: "home", Points: 0}, 0},
		{"generic", GameEvent{Kind: "score", Team: "middle", Points: 1}, 0},
		{"tennis", GameEvent{Kind: "score", Team: "home", Points: 2}, 0},
		{"volleyball", GameEvent{Kind: "period"}, 0},
	} {
		st := replay(tc.sport, nil)
		ev := tc.ev
		err := gameSports[tc.sport].normalize(&ev, &st)
		if (err == nil) != (tc.points != 0) || (err == nil && ev.Kind == "score" && ev.Points != tc.points) {
			t.Errorf("%s %+v: points %d, err %v; want %d", tc.sport, tc.ev, ev.Points, err, tc.points)
		}
	}
}

// gameServer has ann keeping score and bob watching.
func gameServer(t *testing.T, body map[string]any) (*testServer, *client, *client, Game) {
	ts := newTestServer(t, config{SignupOpen: true})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	var g Game
	ann.must(201, "POST", "/api/games", body).JSON(&g)
	return ts, ann, bob, g
}

func TestGameEventsUndoAndFinish(t *testing.T) {
	_, ann, bob, g := gameServer(t, map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "public"})
	if len(g.ID) != 12 || g.State.Status != "scheduled" || !g.CanScore {
		t.Fatalf("created %+v", g)
	}
	post := func(c *client, status int, ev map[string]any) map[string]any {
		var out map[string]any
		c.must(status, "POST", "/api/games/"+g.ID+"/events", ev).JSON(&out)
		return out
	}
	post(ann, 201, map[string]any{"kind": "clock", "action": "start"})
	post(ann, 201, map[string]any{"kind": "score", "team": "home", "points": 3, "player": "23"})
	post(ann, 201, map[string]any{"kind": "score", "team": "away", "points": 2})
	post(ann, 201, map[string]any{"kind": "foul", "team": "away", "player": "7"})
	out := post(ann, 201, map[string]any{"kind": "score", "team": "away", "points": 2})
	if st := out["state"].(map[string]any); st["home"] != 3.0 || st["away"] != 4.0 || st["status"] != "live" {
		t.Fatalf("state %v", st)
	}
	ann.must(201, "POST", "/api/games/"+g.ID+"/undo", nil)
	ann.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&g)
	if g.State.Away != 2 || g.State.Stats[1].Fouls != 1 {
		t.Fatalf("after undo: %+v", g.State)
	}
	// Undo again removes the foul, not the undo.
	ann.must(201, "POST", "/api/games/"+g.ID+"/undo", nil)
	ann.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&g)
	if g.State.Stats[1].Fouls != 0 || g.State.Away != 2 {
		t.Fatalf("after second undo: %+v", g.State)
	}
	var events []GameEvent
	bob.must(200, "GET", "/api/games/"+g.ID+"/events", nil).JSON(&events)
	if len(events) != 7 || events[5].Kind != "undo" || events[5].Target != 5 || events[6].Target != 4 {
		t.Fatalf("the log keeps everything, undo included: %+v", events)
	}

	// Bad input: nothing is written.
	for _, ev := range []map[string]any{
		{"kind": "score", "team": "home", "points": 4},
		{"kind": "score", "team": "bench", "points": 2},
		{"kind": "dunk", "team": "home"},
		{"kind": "card", "team": "home", "action": "green"},
		{"kind": "clock", "action": "set", "seconds": -1},
		{"kind": "score", "team": "home", "points": 2, "player": strings.Repeat("p", 65)},
	} {
		if r := ann.do("POST", "/api/games/"+g.ID+"/events", ev); r.Status != 400 {
			t.Errorf("event %v: %d %s", ev, r.Status, r.Body)
		}
	}
	if r := bob.do("POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "away", "points": 3}); r.Status != 403 || r.ErrorCode() != "not_scorekeeper" {
		t.Fatalf("bob scoring: %d %s", r.Status, r.Body)
	}
	post(ann, 201, map[string]any{"kind": "status", "status": "finished"})
	if r := ann.do("POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "home", "points": 2}); r.Status != 409 || r.ErrorCode() != "game_finished" {
		t.Fatalf("scoring a finished game: %d %s", r.Status, r.Body)
	}
	post(ann, 201, map[string]any{"kind": "status", "status": "live"}) // reopened
	post(ann, 201, map[string]any{"kind": "score", "team": "home", "points": 2})
	bob.must(200, "GET", "/api/games/"+g.ID+"/events", nil).JSON(&events)
	if len(events) != 10 {
		t.Fatalf("%d events after the refusals, want 10", len(events))
	}

	// An invited scorekeeper may score; a retried id is applied once.
	ann.must(200, "POST", "/api/games/"+g.ID+"/scorekeepers", map[string]string{"username": "bob"})
	post(bob, 201, map[string]any{"id": "b1", "kind": "score", "team": "away", "points": 3})
	post(bob, 200, map[string]any{"id": "b1", "kind": "score", "team": "away", "points": 3})
	bob.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&g)
	if g.State.Away != 5 {
		t.Fatalf("away %d after a retried three", g.State.Away)
	}
}

func TestTwoScorekeepersRacing(t *testing.T) {
	_, ann, bob, g := gameServer(t, map[string]any{"sport": "generic", "home": "A", "away": "B", "visibility": "unlisted"})
	ann.must(200, "POST", "/api/games/"+g.ID+"/scorekeepers", map[string]string{"username": "bob"})
	var wg sync.WaitGroup
	for _, c := range []*client{ann, bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				c.do("POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "home", "points": 1})
			}
		}()
	}
	wg.Wait()
	var events []GameEvent
	ann.must(200, "GET", "/api/games/"+g.ID+"/events", nil).JSON(&events)
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap or a duplicate", i, ev.Seq)
		}
	}
	ann.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&g)
	if len(events) != 50 || g.State.Home != 50 {
		t.Fatalf("%d events, home %d; want 50 and 50", len(events), g.State.Home)
	}
}

func TestGameVisibility(t *testing.T) {
	ts, ann, bob, g := gameServer(t, map[string]any{"sport": "soccer", "home": "Reds", "away": "Blues", "visibility": "private"})
	anon := newClient(t, ts.URL)
	for _, c := range []*client{bob, anon} {
		if r := c.do("GET", "/api/games/"+g.ID, nil); r.Status != 404 {
			t.Errorf("private game seen: %d", r.Status)
		}
		w := c.mustDialWS("/ws")
		w.send(map[string]any{"op": "sub", "topic": gameTopic(g.ID)})
		w.expectError("forbidden")
	}
	var feed []Game
	anon.must(200, "GET", "/api/games", nil).JSON(&feed)
	if len(feed) != 0 {
		t.Fatal("a private game is in the public feed")
	}
	var pub Game
	ann.must(201, "POST", "/api/games", map[string]any{"sport": "soccer", "home": "Reds", "away": "Blues", "visibility": "unlisted"}).JSON(&pub)
	anon.must(200, "GET", "/api/games/"+pub.ID, nil) // by link
	anon.must(200, "GET", "/api/games", nil).JSON(&feed)
	if len(feed) != 0 {
		t.Fatal("an unlisted game is in the public feed")
	}
	for _, bad := range []map[string]any{
		{"sport": "quidditch", "home": "A", "away": "B"},
		{"sport": "soccer", "home": "", "away": "B"},
		{"sport": "soccer", "home": "A", "away": "B", "visibility": "secret"},
		{"sport": "soccer", "home": "A", "away": "B", "home_color": "red"},
	} {
		if r := ann.do("POST", "/api/games", bad); r.Status != 400 {
			t.Errorf("game %v: %d", bad, r.Status)
		}
	}
}

// TestSpectatorsFollowAGameLive: spectators on /ws see every event in
// order; one that drops and resumes misses nothing; the seed path gets
// bare game objects; a scorekeeper can score on both socket paths and
// nobody else can.
func TestSpectatorsFollowAGameLive(t *testing.T) {
	ts, ann, bob, g := gameServer(t, map[string]any{"sport": "basketball", "home": "Lions", "away": "Tigers", "visibility": "public"})
	anon := newClient(t, ts.URL)
	fan := anon.mustDialWS("/ws")
	sub := fan.subscribe(gameTopic(g.ID), nil)
	if !strings.Contains(string(sub.Snapshot), `"home":"Lions"`) {
		t.Fatalf("snapshot %s", sub.Snapshot)
	}
	if p := fan.expect(opPresence); *p.Count != 1 {
		t.Fatalf("presence %d", *p.Count)
	}
	seed := anon.mustDialWS("/ws/sports-updates/")
	deadline := time.Now().Add(5 * time.Second)
	for ts.srv.hub.subscriberCount(gamesTopic) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	keeper := ann.mustDialWS("/ws")
	keeper.subscribe(gameTopic(g.ID), nil)
	for i := 0; i < 5; i++ {
		keeper.send(map[string]any{"op": "pub", "topic": gameTopic(g.ID), "id": fmt.Sprintf("k%d", i), "data": map[string]any{"kind": "score", "team": "home", "points": 2}})
	}
	var last frame
	for i := 0; i < 5; i++ {
		for {
			last = fan.read()
			if last.Op == opMsg {
				break
			}
		}
		var u gameUpdate
		json.Unmarshal(last.Data, &u)
		if u.Event == nil || u.Event.Seq != int64(i+1) || u.Score[0] != 2*(i+1) {
			t.Fatalf("update %d: %s", i, last.Data)
		}
	}
	// The seed path: bare objects, one per event, JSON.parse-able.
	for i := 0; i < 5; i++ {
		data, err := seed.readRaw(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var u gameUpdate
		if err := json.Unmarshal(data, &u); err != nil || u.Game != g.ID || u.Event.Seq != int64(i+1) {
			t.Fatalf("seed frame %d: %s", i, data)
		}
	}

	// The fan drops; three more events; it resumes and gets exactly those.
	fan.ws.CloseNow()
	scorer := ann.mustDialWS("/ws/sports-updates/")
	for i := 0; i < 3; i++ {
		scorer.send(map[string]any{"game": g.ID, "kind": "score", "team": "away", "points": 3, "id": fmt.Sprintf("s%d", i)})
	}
	acks := 0
	for acks < 3 {
		data, err := scorer.readRaw(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"ack":"s`) {
			acks++
		}
	}
	again := anon.mustDialWS("/ws")
	res := again.subscribe(gameTopic(g.ID), map[string]any{"offset": *last.Offset, "epoch": *last.Epoch})
	if res.Recovered == nil || !*res.Recovered {
		t.Fatalf("resume: %+v", res)
	}
	for i := 0; i < 3; i++ {
		m := again.expect(opMsg)
		var u gameUpdate
		json.Unmarshal(m.Data, &u)
		if u.Event.Seq != int64(6+i) || *m.Offset != *last.Offset+int64(i+1) {
			t.Fatalf("resumed update %d: offset %d, %s", i, *m.Offset, m.Data)
		}
	}

	// Nobody else may score, on any path.
	bobWS := bob.mustDialWS("/ws")
	bobWS.send(map[string]any{"op": "pub", "topic": gameTopic(g.ID), "data": map[string]any{"kind": "score", "team": "away", "points": 3}})
	bobWS.expectError("forbidden")
	bobSeed := bob.mustDialWS("/ws/sports-updates/")
	bobSeed.sendRaw(`{"game":"` + g.ID + `","kind":"score","team":"away","points":3}`)
	// The feed may still be delivering the updates above, which committed
	// before this socket subscribed: skip bare game objects to the answer.
	for {
		f := bobSeed.read()
		if f.Op == "" && f.Error == nil {
			continue
		}
		if f.Op != opError || f.Error == nil || f.Error.Code != "not_scorekeeper" {
			t.Fatalf("bob scoring on the seed path: %+v (error %+v)", f, f.Error)
		}
		break
	}
	var after Game
	ann.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&after)
	if after.State.Home != 10 || after.State.Away != 9 {
		t.Fatalf("final %d-%d, want 10-9", after.State.Home, after.State.Away)
	}
}

// TestCachedGameStateMatchesReplay scores a tennis match (the sport whose
// state depends most on what came before) with undos scattered through it,
// in concurrent batches so that several events share a commit, and checks
// after every step that the state the writer kept from event to event is
// the one replaying the whole log gives, also after the cache is dropped
// (a cold start) and after a refused event.
func TestCachedGameStateMatchesReplay(t *testing.T) {
	ts, ann, _, g := gameServer(t, map[string]any{"sport": "tennis", "home": "A", "away": "B", "visibility": "public"})
	check := func(step string) {
		t.Helper()
		var got Game
		var events []GameEvent
		ann.must(200, "GET", "/api/games/"+g.ID, nil).JSON(&got)
		ann.must(200, "GET", "/api/games/"+g.ID+"/events", nil).JSON(&events)
		want, _ := json.Marshal(replay("tennis", events))
		have, _ := json.Marshal(got.State)
		if string(want) != string(have) {
			t.Fatalf("%s: kept state\n%s\nreplay of the log\n%s", step, have, want)
		}
	}
	for round := range 12 {
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				team := []string{"home", "away"}[(round+i)%3%2]
				ann.do("POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": team, "player": fmt.Sprint(i % 2)})
			})
		}
		wg.Wait()
		check(fmt.Sprintf("round %d", round))
		if round%4 == 1 {
			ann.must(201, "POST", "/api/games/"+g.ID+"/undo", nil)
			ann.must(201, "POST", "/api/games/"+g.ID+"/undo", nil)
			check(fmt.Sprintf("undo after round %d", round))
		}
		if round == 6 {
			ts.store.gameStates = gameStateCache{}
			ann.must(201, "POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "home"})
			check("after a cold start")
		}
	}
	ann.do("POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "home", "points": 2}) // refused
	ann.must(201, "POST", "/api/games/"+g.ID+"/events", map[string]any{"kind": "score", "team": "away"})
	check("after a refused event")
}

// BenchmarkGameEventLongGame appends score events to a game that already
// holds 100 or 2,000, one after another through the store's single writer
// (check, append, derive, publish to the game and the feed, commit): ns/op
// is the time per event, cpu-µs/event this process's CPU for it (the
// writer's work, and the caller's little). With -benchtime 300x the game
// stays near its length. The two lengths cost the same.
func BenchmarkGameEventLongGame(b *testing.B) {
	for _, length := range []int{100, 2000} {
		b.Run(fmt.Sprintf("events=%d", length), func(b *testing.B) {
			store, err := OpenStore(filepath.Join(b.TempDir(), "games.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			ctx := context.Background()
			u, err := store.CreateUser(ctx, "keeper", "x", true, false, false)
			if err != nil {
				b.Fatal(err)
			}
			g, err := store.CreateGame(ctx, u.ID, Game{Sport: "basketball", Home: "A", Away: "B", HomeColor: "#000000", AwayColor: "#ffffff",
				HomeRoster: []RosterPlayer{}, AwayRoster: []RosterPlayer{}, Visibility: "public"})
			if err != nil {
				b.Fatal(err)
			}
			score := func(i int) {
				ev := GameEvent{Kind: "score", Team: []string{"home", "away"}[i%2], Points: 2, Player: fmt.Sprint(i % 12)}
				if _, _, _, err := store.AppendGameEvent(ctx, g.ID, u.ID, ev, ""); err != nil {
					b.Fatal(err)
				}
			}
			for i := range length {
				score(i)
			}
			b.ResetTimer()
			cpu0 := ownCPU()
			for i := range b.N {
				score(i)
			}
			// CPU rather than wall time: on a shared machine the wall
			// clock also counts other processes' turns.
			b.ReportMetric((ownCPU()-cpu0)*1e6/float64(b.N), "cpu-µs/event")
		})
	}
}
