package main

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestGameAccess(t *testing.T) {
	owner := &principal{User: User{ID: 1}}
	other := &principal{User: User{ID: 2}}
	for _, tc := range []struct {
		name string
		g    Game
		p    *principal
		want access
	}{
		{"a scorekeeper writes", Game{Visibility: "public", OwnerID: 1, CanScore: true}, owner, accessWrite},
		{"a scorekeeper of a private game writes", Game{Visibility: "private", OwnerID: 1, CanScore: true}, other, accessWrite},
		{"anyone reads a public game", Game{Visibility: "public", OwnerID: 1}, other, accessRead},
		{"anonymous reads a public game", Game{Visibility: "public", OwnerID: 1}, nil, accessRead},
		{"the link reads an unlisted game", Game{Visibility: "unlisted", OwnerID: 1}, nil, accessRead},
		{"the owner reads a private game", Game{Visibility: "private", OwnerID: 1}, owner, accessRead},
		{"a stranger meets no private game", Game{Visibility: "private", OwnerID: 1}, other, accessNone},
		{"anonymous meets no private game", Game{Visibility: "private", OwnerID: 1}, nil, accessNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gameAccess(tc.g, tc.p); got != tc.want {
				t.Errorf("gameAccess = %v, want %v", got, tc.want)
			}
		})
	}
}

// frameCode is a frame error's code, "" for nil.
func frameCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var fe *frameError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a frame error", err)
	}
	return fe.Code
}

func TestDecodeGamePub(t *testing.T) {
	secs := 90.0
	for _, tc := range []struct {
		name     string
		data     string
		want     GameEvent
		wantCode string
	}{
		{"a score", `{"kind":"score","team":"home","points":3,"action":"three","player":"  Ada "}`,
			GameEvent{Kind: "score", Team: "home", Points: 3, Action: "three", Player: "Ada"}, ""},
		{"a clock set", `{"kind":"clock","action":"set","seconds":90}`, GameEvent{Kind: "clock", Action: "set", Seconds: &secs}, ""},
		{"an undo carries nothing else", `{"kind":"undo","team":"home","points":3}`, GameEvent{Kind: "undo"}, ""},
		{"not JSON", `{"kind":`, GameEvent{}, "invalid_data"},
		{"not an object", `[1,2]`, GameEvent{}, "invalid_data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeGamePub(json.RawMessage(tc.data))
			if code := frameCode(t, err); code != tc.wantCode {
				t.Fatalf("error %v, want code %q", err, tc.wantCode)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("event %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseSportsUpdate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		data     string
		wantGame string
		wantID   string
		want     GameEvent
		wantCode string
	}{
		{"a score with an id", `{"game":"g1","id":"u1","kind":"score","team":"away","points":2}`, "g1", `"u1"`,
			GameEvent{Kind: "score", Team: "away", Points: 2}, ""},
		{"a numeric id", `{"game":"g1","id":42,"kind":"score","team":"home","points":1}`, "g1", `42`,
			GameEvent{Kind: "score", Team: "home", Points: 1}, ""},
		{"no id", `{"game":"g1","kind":"period"}`, "g1", ``, GameEvent{Kind: "period"}, ""},
		{"an undo carries nothing else", `{"game":"g1","kind":"undo","team":"home"}`, "g1", ``, GameEvent{Kind: "undo"}, ""},
		{"no game", `{"kind":"score","team":"home","points":1}`, "", "", GameEvent{}, "invalid_data"},
		{"not JSON", `score!`, "", "", GameEvent{}, "invalid_data"},
		{"an empty id", `{"game":"g1","id":"","kind":"score"}`, "", "", GameEvent{}, "invalid_id"},
		{"an id too long", `{"game":"g1","id":"` + strings.Repeat("x", maxClientIDLen+1) + `","kind":"score"}`, "", "", GameEvent{}, "invalid_id"},
		{"an object as id", `{"game":"g1","id":{"a":1},"kind":"score"}`, "", "", GameEvent{}, "invalid_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, ev, err := parseSportsUpdate(json.RawMessage(tc.data))
			if code := frameCode(t, err); code != tc.wantCode {
				t.Fatalf("error %v, want code %q", err, tc.wantCode)
			}
			if err != nil {
				return
			}
			if in.Game != tc.wantGame || string(in.ID) != tc.wantID || !reflect.DeepEqual(ev, tc.want) {
				t.Errorf("game %q id %s event %+v; want %q %s %+v", in.Game, in.ID, ev, tc.wantGame, tc.wantID, tc.want)
			}
		})
	}
}

func TestSportsAck(t *testing.T) {
	g := Game{ID: "g1", Sport: "basketball", Home: "Hawks", Away: "Owls"}
	g.State.Home, g.State.Away = 3, 2
	for _, tc := range []struct {
		name    string
		id      string
		dup     bool
		wantAck string // "" when the answer carries no ack
	}{
		{"acknowledged", `"u1"`, false, `"u1"`},
		{"a resend", `7`, true, `7`},
		{"no id to acknowledge", ``, false, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := sportsAck(g, GameEvent{Seq: 5, Kind: "score", Team: "home", Points: 3}, json.RawMessage(tc.id), tc.dup)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("answer %s is not one object: %v", raw, err)
			}
			if string(got["game"]) != `"g1"` || string(got["score"]) != `[3,2]` || !strings.Contains(string(got["event"]), `"seq":5`) {
				t.Errorf("answer %s does not describe the game after the event", raw)
			}
			if string(got["ack"]) != tc.wantAck {
				t.Errorf("ack %s, want %s", got["ack"], tc.wantAck)
			}
			if _, has := got["duplicate"]; has != tc.dup {
				t.Errorf("duplicate present %v, want %v (%s)", has, tc.dup, raw)
			}
		})
	}
}
