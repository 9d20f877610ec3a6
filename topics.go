package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// access is what a subscriber may do on a topic.
type access int

const (
	accessNone access = iota
	accessRead
	accessWrite
)

// topicKind is everything the hub needs to know about one kind of topic.
// Each feature registers its kinds with registerKind.
type topicKind struct {
	// needsID says whether topics of this kind are "kind:id" or a bare "kind".
	needsID bool
	// authorize says what p (nil for an anonymous socket) may do on the
	// topic with this id. share is the share token the subscription sent.
	// Objects that do not exist and objects p may not see both answer
	// accessNone, so that ids cannot be probed.
	authorize func(ctx context.Context, p *principal, id, share string) (access, error)
	// snapshot is the topic's current state, for a subscriber that starts
	// fresh or cannot resume. nil means the topic has no state beyond its
	// messages.
	snapshot func(ctx context.Context, q querier, id string) (any, error)
	// publish, when set, handles a pub from a socket with write access
	// instead of appending data to the topic as it is: the topic's owner
	// feature validates it, stores it, and publishes what results. Its
	// errors are shown to the client (apiError and frameError alike).
	publish func(ctx context.Context, p *principal, id string, data json.RawMessage, clientID string) error
	// presence turns on subscriber counts pushed to the topic.
	presence bool
	// retention is how much history the kind keeps by default.
	retention Retention
}

// Default retention per topic kind; -retention overrides them.
const (
	defaultRetentionAge   = 7 * 24 * time.Hour
	defaultRetentionCount = 10_000
)

// userTopic is a user's private topic: every change to their data is
// published here, so all their open screens update at once.
func userTopic(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// gamesTopic is the public feed of live game updates.
const gamesTopic = "games"

// registerKind adds a kind of topic to the hub. Each feature registers
// the kinds it owns, once, from its own register function called when the
// server is set up (users here, games in games.go, live workouts in
// live.go); registering a name twice is a programming error.
func (h *hub) registerKind(name string, k *topicKind) {
	if _, dup := h.kinds[name]; dup {
		panic("topic kind " + name + " registered twice")
	}
	h.kinds[name] = k
}

// registerUserTopics lets each signed-in socket follow its user's own
// topic, which every change to their data is published on.
func (s *server) registerUserTopics() {
	s.hub.registerKind("user", &topicKind{
		needsID: true,
		authorize: func(ctx context.Context, p *principal, id, share string) (access, error) {
			if p != nil && id == strconv.FormatInt(p.User.ID, 10) {
				return accessWrite, nil
			}
			return accessNone, nil
		},
		snapshot: func(ctx context.Context, q querier, id string) (any, error) {
			u, err := userIn(ctx, q, id)
			if err != nil {
				return nil, err
			}
			return map[string]any{"user": u}, nil
		},
		retention: Retention{MaxAge: defaultRetentionAge, MaxCount: defaultRetentionCount},
	})
}

// parseRetention reads -retention: comma-separated kind=age/count items,
// such as "user=168h/10000,games=48h/5000". Either part may be 0 (no limit).
func parseRetention(s string) (map[string]Retention, error) {
	out := map[string]Retention{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		kind, spec, ok := strings.Cut(strings.TrimSpace(item), "=")
		age, count, ok2 := strings.Cut(spec, "/")
		if !ok || !ok2 || kind == "" {
			return nil, fmt.Errorf("-retention %q: want kind=age/count, e.g. user=168h/10000", item)
		}
		var r Retention
		var err error
		if age != "0" {
			if r.MaxAge, err = time.ParseDuration(age); err != nil || r.MaxAge < 0 {
				return nil, fmt.Errorf("-retention %q: bad age %q", item, age)
			}
		}
		if r.MaxCount, err = strconv.ParseInt(count, 10, 64); err != nil || r.MaxCount < 0 {
			return nil, fmt.Errorf("-retention %q: bad count %q", item, count)
		}
		out[kind] = r
	}
	return out, nil
}

// jsonObject reports whether raw is a JSON object (pub payloads must be).
func jsonObject(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}
