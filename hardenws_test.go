package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestStalledSubscriberGets4008: a subscriber that stops reading for
// longer than a write may take (a phone in a tunnel) falls behind and is
// closed; when it reads again it must find the documented 4008 close
// frame after what it had been sent, so that it knows to resume, not a
// bare disconnect.
func TestStalledSubscriberGets4008(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	ts := newTestServer(t, config{Hub: hubConfig{MsgRate: 10_000, WriteTimeout: writeTimeout}})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)

	slow := c.mustDialWS("/ws")
	slow.subscribe(topic, nil) // and then reads nothing for a while
	pub := c.mustDialWS("/ws")
	big := strings.Repeat("x", 32<<10)
	for i := 0; ts.srv.hub.stats.slowClosed.Load() == 0; i++ {
		if i > 20000 {
			t.Fatal("the stalled subscriber was never closed")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := pub.ws.Write(ctx, websocket.MessageText, []byte(`{"op":"pub","topic":"`+topic+`","data":{"pad":"`+big+`"}}`))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		pub.expect(opAck)
	}
	// Stay stalled past the write timeout, so that the write in flight
	// times out (this sets up the case; nothing is timed).
	time.Sleep(3 * writeTimeout)
	for {
		_, err := slow.readRaw(time.Minute)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != closeTooSlow || !strings.Contains(ce.Reason, "resume") {
			t.Fatalf("stalled subscriber ended with %v, want close %d", err, closeTooSlow)
		}
		return
	}
}
