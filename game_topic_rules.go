package main

import "encoding/json"

// The rules of game topics on sockets (registerGameTopics), kept apart
// from the store so that each can be tried on its own.

// gameAccess is what p (nil for an anonymous socket) may do on a game's
// topic, g being the game as p sees it: its scorekeepers write, anyone it
// is visible to reads (a public or unlisted game, whose id is the link;
// a private one only to its owner), and to anyone else the game does not
// exist.
func gameAccess(g Game, p *principal) access {
	switch {
	case g.CanScore:
		return accessWrite
	case g.visibleTo(p):
		return accessRead
	}
	return accessNone
}

// gameEventOf is the event a scorekeeper's update asks for: an undo
// carries nothing else.
func gameEventOf(in eventInput) GameEvent {
	if in.Kind == "undo" {
		return GameEvent{Kind: "undo"}
	}
	return in.event()
}

// decodeGamePub reads the data of a pub on a game's topic as an event.
func decodeGamePub(data json.RawMessage) (GameEvent, error) {
	var in eventInput
	if err := json.Unmarshal(data, &in); err != nil {
		return GameEvent{}, newFrameError("invalid_data", "an event looks like {\"kind\":\"score\",\"team\":\"home\",\"points\":1}")
	}
	return gameEventOf(in), nil
}

// parseSportsUpdate reads a frame sent on the sports-updates path: a JSON
// object naming its game, with an optional client id to acknowledge.
func parseSportsUpdate(data json.RawMessage) (eventInput, GameEvent, error) {
	var in eventInput
	if err := json.Unmarshal(data, &in); err != nil || in.Game == "" {
		return in, GameEvent{}, newFrameError("invalid_data", `updates look like {"game":"<id>","kind":"score","team":"home","points":1}`)
	}
	if !validClientID(in.ID) {
		return in, GameEvent{}, newFrameError("invalid_id", "id must be a string of at most 128 characters or a number")
	}
	return in, gameEventOf(in), nil
}

// sportsAck is the answer to an update on the sports-updates path: like
// every frame on that path, one object about one game (g after the event
// got), with the client's id as ack and whether the update was a resend.
func sportsAck(g Game, got GameEvent, id json.RawMessage, dup bool) ([]byte, error) {
	ack := g.update(&got)
	return json.Marshal(struct {
		gameUpdate
		Ack       json.RawMessage `json:"ack,omitempty"`
		Duplicate bool            `json:"duplicate,omitempty"`
	}{ack, id, dup})
}
