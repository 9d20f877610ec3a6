package main

import (
	"context"
	"testing"
)

// Each feature registers its kinds once when the server is set up, whole:
// the games feed answers with its live games from the start.
func TestTopicKindsRegisteredByTheirFeatures(t *testing.T) {
	ts := newTestServer(t, config{})
	h := ts.srv.hub
	for _, name := range []string{"user", "workout", "game", gamesTopic} {
		if k := h.kinds[name]; k == nil || k.authorize == nil || k.snapshot == nil {
			t.Errorf("kind %q not registered whole: %+v", name, k)
		}
	}
	snap, err := h.kinds[gamesTopic].snapshot(context.Background(), ts.srv.store.reader, "")
	if err != nil {
		t.Fatal(err)
	}
	if games, ok := snap.(map[string]any)["games"].([]gameUpdate); !ok || games == nil {
		t.Fatalf("games feed snapshot %#v, want the live games", snap)
	}
}

func TestRegisterKindTwicePanics(t *testing.T) {
	ts := newTestServer(t, config{})
	defer func() {
		if recover() == nil {
			t.Fatal("registering a kind twice did not panic")
		}
	}()
	ts.srv.hub.registerKind("game", &topicKind{})
}
