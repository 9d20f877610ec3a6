package main

import (
	"context"
	"encoding/json"
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

// TestInvalidUTF8Closes1007: a text frame that is not UTF-8 fails the
// connection with 1007, as RFC 6455 asks, on every socket path.
func TestInvalidUTF8Closes1007(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	for _, path := range []string{"/ws", "/ws/fitness-tracking/", "/ws/sports-updates/"} {
		w := c.mustDialWS(path)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := w.ws.Write(ctx, websocket.MessageText, []byte("{\"op\":\"ping\",\"id\":\"\xff\xfe\"}")); err != nil {
			t.Fatal(err)
		}
		cancel()
		w.expectClose(websocket.StatusInvalidFramePayloadData)
	}
}

// TestFloodCloseExplainsFirst: a client closed with 1008 for flooding
// reads an error frame saying why before the close frame.
func TestFloodCloseExplainsFirst(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	flood := c.mustDialWS("/ws")
	go func() {
		for i := 0; i < 2000; i++ {
			if flood.ws.Write(context.Background(), websocket.MessageText, []byte(`{"op":"ping"}`)) != nil {
				return
			}
		}
	}()
	var last frame
	for {
		data, err := flood.readRaw(15 * time.Second)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation {
				t.Fatalf("flood ended with %v, want 1008", err)
			}
			break
		}
		last = frame{}
		if err := json.Unmarshal(data, &last); err != nil {
			t.Fatalf("frame %s: %v", data, err)
		}
	}
	if last.Op != opError || last.Error == nil || last.Error.Code != "flooding" {
		t.Fatalf("last frame before the 1008 close: %+v (error %+v), want a flooding error", last, last.Error)
	}
}
