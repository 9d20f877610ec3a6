package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Game sports and how each one scores.
var gameSports = map[string]gameSport{
	"soccer":     {Name: "Soccer", Periods: 2, PeriodName: "Half", Points: map[string]int{"goal": 1}},
	"basketball": {Name: "Basketball", Periods: 4, PeriodName: "Q", Points: map[string]int{"free_throw": 1, "two": 2, "three": 3}},
	"ice_hockey": {Name: "Ice hockey", Periods: 3, PeriodName: "P", Points: map[string]int{"goal": 1}},
	"rugby":      {Name: "Rugby", Periods: 2, PeriodName: "Half", Points: map[string]int{"try": 5, "conversion": 2, "penalty": 3, "drop_goal": 3}},
	"generic":    {Name: "Points", Periods: 4, PeriodName: "Period", Points: nil},
	"volleyball": {Name: "Volleyball", Rally: true},
	"tennis":     {Name: "Tennis", Rally: true},
}

// gameSport says how a sport scores. Timed sports take points per action
// and count periods; rally sports (volleyball, tennis) take one point per
// rally and roll points up into games and sets by their rules.
type gameSport struct {
	Name       string
	Periods    int            // regular periods (more may be played: overtime)
	PeriodName string         // "Q" gives Q1, Q2; "Half" gives Half 1...
	Points     map[string]int // action -> points; nil allows any 1-100
	Rally      bool
}

// GameEvent is one entry in a game's log: the source of truth from which
// the score, clock and statistics are derived.
type GameEvent struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	By      int64     `json:"by"`
	Kind    string    `json:"kind"` // score, period, clock, foul, card, timeout, status, undo
	Team    string    `json:"team,omitempty"`
	Points  int       `json:"points,omitempty"`
	Action  string    `json:"action,omitempty"` // score: the sport's action (try, three...); clock: start, stop, set; card: yellow, red
	Player  string    `json:"player,omitempty"`
	Status  string    `json:"status,omitempty"`  // status: live, finished
	Seconds *float64  `json:"seconds,omitempty"` // clock set
	Target  int64     `json:"target,omitempty"`  // undo: the seq undone
}

// GameClock is a game clock; Seconds is what it showed at Since.
type GameClock struct {
	Running bool      `json:"running"`
	Seconds float64   `json:"seconds"`
	Since   time.Time `json:"since"`
}

// TeamStats are counted from the log.
type TeamStats struct {
	Fouls    int `json:"fouls"`
	Yellow   int `json:"yellow_cards"`
	Red      int `json:"red_cards"`
	Timeouts int `json:"timeouts"`
}

// PlayerStats are one player's points and penalties.
type PlayerStats struct {
	Team   string `json:"team"`
	Player string `json:"player"`
	Points int    `json:"points"`
	Fouls  int    `json:"fouls"`
	Cards  int    `json:"cards"`
}

// GameState is everything derived from a game's log.
type GameState struct {
	Status  string         `json:"status"` // scheduled, live, finished
	Home    int            `json:"home"`   // score: points, or sets won in rally sports
	Away    int            `json:"away"`
	Period  int            `json:"period"`
	Label   string         `json:"period_label"`
	Clock   GameClock      `json:"clock"`
	Sets    [][2]int       `json:"sets,omitempty"`        // rally sports: finished sets (games in tennis, points in volleyball)
	Current [2]int         `json:"current,omitempty"`     // rally sports: the set under way
	Points  [2]string      `json:"points,omitempty"`      // tennis: the game under way, as called ("15", "40", "AD")
	Game    [2]int         `json:"game_points,omitempty"` // tennis: the same, counted
	Stats   [2]TeamStats   `json:"stats"`
	Players []PlayerStats  `json:"players"`
	Last    int64          `json:"last_seq"`
	undone  map[int64]bool // seqs undone
}

func teamIndex(team string) int {
	if team == "away" {
		return 1
	}
	return 0
}

// ruleError is a refusal by the rules; it becomes a 4xx naming the field.
func ruleError(field, format string, args ...any) error { return invalidField(field, format, args...) }

// normalize checks one new event against the sport's rules and the state so
// far, and fills in points from the action. It refuses what the rules
// forbid: scoring a finished game, a basketball four, a tennis point after
// match point.
func (gs gameSport) normalize(ev *GameEvent, st *GameState) error {
	team := func() error {
		if ev.Team != "home" && ev.Team != "away" {
			return ruleError("team", `must be "home" or "away"`)
		}
		return nil
	}
	if len(ev.Player) > 64 {
		return ruleError("player", "at most 64 characters")
	}
	if st.Status == "finished" && !(ev.Kind == "status" && ev.Status == "live") && ev.Kind != "undo" {
		return errorf(codeGameFinished, "the game is finished; reopen it to change it")
	}
	switch ev.Kind {
	case "score":
		if err := team(); err != nil {
			return err
		}
		if gs.Rally {
			if ev.Points == 0 {
				ev.Points = 1
			}
			if ev.Points != 1 {
				return ruleError("points", "a rally is won one point at a time")
			}
			return nil
		}
		if ev.Action != "" {
			p, ok := gs.Points[ev.Action]
			if !ok {
				return ruleError("action", "%s has no %q; use one of %v", gs.Name, ev.Action, keys(gs.Points))
			}
			if ev.Points != 0 && ev.Points != p {
				return ruleError("points", "a %s is worth %d", ev.Action, p)
			}
			ev.Points = p
			return nil
		}
		if gs.Points == nil {
			if ev.Points < 1 || ev.Points > 100 {
				return ruleError("points", "must be between 1 and 100")
			}
			return nil
		}
		for action, p := range gs.Points {
			if p == ev.Points {
				ev.Action = action
				return nil
			}
		}
		return ruleError("points", "%s does not score %d at once", gs.Name, ev.Points)
	case "period":
		if gs.Rally {
			return ruleError("kind", "sets change by themselves in %s", gs.Name)
		}
		return nil
	case "clock":
		switch ev.Action {
		case "start", "stop":
		case "set":
			if ev.Seconds == nil || *ev.Seconds < 0 || *ev.Seconds > 24*3600 {
				return ruleError("seconds", "must be between 0 and 86400")
			}
		default:
			return ruleError("action", "clock actions are start, stop and set")
		}
		return nil
	case "foul", "timeout":
		return team()
	case "card":
		if ev.Action != "yellow" && ev.Action != "red" {
			return ruleError("action", "cards are yellow or red")
		}
		return team()
	case "status":
		if ev.Status != "live" && ev.Status != "finished" {
			return ruleError("status", "must be live or finished")
		}
		return nil
	}
	return ruleError("kind", "unknown event kind %q; use score, period, clock, foul, card, timeout or status", ev.Kind)
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// replay derives a game's state from its whole log.
func replay(sport string, events []GameEvent) GameState {
	gs := gameSports[sport]
	st := GameState{Status: "scheduled", Period: 1, undone: map[int64]bool{}, Players: []PlayerStats{}}
	for _, ev := range events {
		if ev.Kind == "undo" {
			st.undone[ev.Target] = true
		}
	}
	for _, ev := range events {
		st.Last = ev.Seq
		if ev.Kind == "undo" || st.undone[ev.Seq] {
			continue
		}
		gs.apply(&st, ev)
	}
	gs.finish(sport, &st)
	return st
}

// next is the state after one more event that is not an undo: the same as
// replaying the whole log with ev appended, at the cost of one event. st
// is left untouched (the writer's cache may still hold it), so everything
// apply changes in place is copied first.
func next(sport string, st GameState, ev GameEvent) GameState {
	gs := gameSports[sport]
	st.Players = slices.Clone(st.Players)
	st.Sets = slices.Clip(st.Sets) // append copies rather than writing into a shared array
	st.Last = ev.Seq
	gs.apply(&st, ev)
	gs.finish(sport, &st)
	return st
}

// finish fills in what is derived from the state rather than the events:
// the period's label and tennis's called points.
func (gs gameSport) finish(sport string, st *GameState) {
	st.Label = gs.label(*st)
	if sport == "tennis" {
		st.Points = tennisLabels(st.Game, st.Current == [2]int{6, 6})
	}
}

func (st *GameState) player(team, name string) *PlayerStats {
	for i := range st.Players {
		if st.Players[i].Team == team && st.Players[i].Player == name {
			return &st.Players[i]
		}
	}
	st.Players = append(st.Players, PlayerStats{Team: team, Player: name})
	return &st.Players[len(st.Players)-1]
}

func (gs gameSport) apply(st *GameState, ev GameEvent) {
	t := teamIndex(ev.Team)
	switch ev.Kind {
	case "status":
		st.Status = ev.Status
		if ev.Status == "finished" && st.Clock.Running {
			st.Clock.Seconds += ev.At.Sub(st.Clock.Since).Seconds()
			st.Clock.Running = false
		}
	case "score":
		if st.Status == "scheduled" {
			st.Status = "live" // the first point starts the game
		}
		if ev.Player != "" {
			st.player(ev.Team, ev.Player).Points += ev.Points
		}
		if gs.Rally {
			gs.rally(st, t)
			return
		}
		if t == 0 {
			st.Home += ev.Points
		} else {
			st.Away += ev.Points
		}
	case "period":
		st.Period++
		if st.Clock.Running {
			st.Clock.Seconds += ev.At.Sub(st.Clock.Since).Seconds()
		}
		st.Clock = GameClock{Since: ev.At}
	case "clock":
		switch ev.Action {
		case "start":
			if !st.Clock.Running {
				st.Clock.Running, st.Clock.Since = true, ev.At
			}
			if st.Status == "scheduled" {
				st.Status = "live"
			}
		case "stop":
			if st.Clock.Running {
				st.Clock.Seconds += ev.At.Sub(st.Clock.Since).Seconds()
				st.Clock.Running = false
			}
			st.Clock.Since = ev.At
		case "set":
			st.Clock.Seconds, st.Clock.Since = *ev.Seconds, ev.At
		}
	case "foul":
		st.Stats[t].Fouls++
		if ev.Player != "" {
			st.player(ev.Team, ev.Player).Fouls++
		}
	case "card":
		if ev.Action == "red" {
			st.Stats[t].Red++
		} else {
			st.Stats[t].Yellow++
		}
		if ev.Player != "" {
			st.player(ev.Team, ev.Player).Cards++
		}
	case "timeout":
		st.Stats[t].Timeouts++
	}
}

// rally scores one rally for team t and rolls it up: volleyball sets to 25
// (the fifth to 15), won by two, best of five; tennis games (won by two
// points), sets to six games won by two with a tie-break at 6-6 (first to
// seven, by two), best of three.
func (gs gameSport) rally(st *GameState, t int) {
	o := 1 - t
	if gs.Name == "Volleyball" {
		st.Current[t]++
		target := 25
		if len(st.Sets) == 4 {
			target = 15
		}
		if st.Current[t] >= target && st.Current[t]-st.Current[o] >= 2 {
			st.Sets = append(st.Sets, st.Current)
			st.Current = [2]int{}
			if t == 0 {
				st.Home++
			} else {
				st.Away++
			}
			if st.Home == 3 || st.Away == 3 {
				st.Status = "finished"
			}
		}
		st.Period = len(st.Sets) + 1
		return
	}
	// Tennis.
	p := st.Game
	p[t]++
	tiebreak := st.Current == [2]int{6, 6}
	need := 4
	if tiebreak {
		need = 7
	}
	if p[t] >= need && p[t]-p[o] >= 2 {
		st.Current[t]++
		p = [2]int{}
		g := st.Current
		if (g[t] >= 6 && g[t]-g[o] >= 2) || g[t] == 7 {
			st.Sets = append(st.Sets, g)
			st.Current = [2]int{}
			if t == 0 {
				st.Home++
			} else {
				st.Away++
			}
			if st.Home == 2 || st.Away == 2 {
				st.Status = "finished"
			}
		}
	}
	st.Game = p
	st.Period = len(st.Sets) + 1
}

// tennisLabels calls the points of the game under way: 0, 15, 30, 40,
// AD, or plain numbers in a tie-break.
func tennisLabels(p [2]int, tiebreak bool) [2]string {
	var out [2]string
	for i := range p {
		switch {
		case tiebreak:
			out[i] = strconv.Itoa(p[i])
		case p[0] >= 3 && p[1] >= 3 && p[i] > p[1-i]:
			out[i] = "AD"
		case p[0] >= 3 && p[1] >= 3:
			out[i] = "40"
		default:
			out[i] = [...]string{"0", "15", "30", "40"}[min(p[i], 3)]
		}
	}
	return out
}

// label names the period: "Q2", "Half 1", "Set 3", "OT".
func (gs gameSport) label(st GameState) string {
	if gs.Rally {
		return fmt.Sprintf("Set %d", st.Period)
	}
	if gs.Periods > 0 && st.Period > gs.Periods {
		return fmt.Sprintf("OT%d", st.Period-gs.Periods)
	}
	if gs.PeriodName == "Q" || gs.PeriodName == "P" {
		return fmt.Sprintf("%s%d", gs.PeriodName, st.Period)
	}
	return fmt.Sprintf("%s %d", gs.PeriodName, st.Period)
}

// eventJSON is a game event as stored in the log's data column.
func eventJSON(ev GameEvent) string {
	b, _ := json.Marshal(ev)
	return string(b)
}
