package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"syscall"
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
	// A queue bound of 8 messages: the socket is closed as too slow a few
	// messages after its kernel buffers fill, before the write in flight
	// (several messages) times out, even on a loaded machine; that write
	// then stops inside a frame, the case that lost the close frame.
	const writeTimeout = time.Second
	ts := newTestServer(t, config{Hub: hubConfig{MsgRate: 10_000, WriteTimeout: writeTimeout, MaxQueueBytes: 256 << 10}})
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
	time.Sleep(2 * writeTimeout)
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

// dialStatus opens a socket on path from a forwarded address and returns
// it, or the HTTP status and error code it was refused with.
func dialStatus(t *testing.T, c *client, path, ip string) (*wsClient, int, string) {
	t.Helper()
	var h []string
	if ip != "" {
		h = []string{"X-Forwarded-For", ip}
	}
	w, res, err := c.dialWS(path, h...)
	if err == nil {
		return w, 101, ""
	}
	if res == nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	var e errorBody
	body, _ := io.ReadAll(res.Body)
	json.Unmarshal(body, &e)
	return nil, res.StatusCode, e.Error.Code
}

// TestSocketsPerAddress: one address may hold only so many anonymous
// sockets; behind a proxy that is the forwarded address, and without
// -behind-proxy a forged X-Forwarded-For does not get around it.
// Signed-in sockets count against their user instead.
func TestSocketsPerAddress(t *testing.T) {
	ts := newTestServer(t, config{BehindProxy: true, WSMaxPerAddr: 3})
	anon := newClient(t, ts.URL)
	var held []*wsClient
	for range 3 {
		w, status, _ := dialStatus(t, anon, "/ws/sports-updates/", "198.51.100.7")
		if status != 101 {
			t.Fatalf("socket within the limit: %d", status)
		}
		held = append(held, w)
	}
	// A socket is counted once the hub admits it, just after its 101 (a
	// socket let in by a race is closed then with 1008): wait for that.
	for !ts.srv.hub.addrFull("198.51.100.7") {
		time.Sleep(time.Millisecond)
	}
	if _, status, code := dialStatus(t, anon, "/ws", "198.51.100.7"); status != 429 || code != "too_many_connections" {
		t.Fatalf("socket over the address's limit: %d %s", status, code)
	}
	if _, status, _ := dialStatus(t, anon, "/ws", "198.51.100.8"); status != 101 {
		t.Fatalf("another address: %d", status)
	}
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	if _, status, _ := dialStatus(t, ann, "/ws", "198.51.100.7"); status != 101 {
		t.Fatalf("a signed-in user at the full address: %d", status)
	}
	// A closed socket frees its place.
	held[0].ws.Close(websocket.StatusNormalClosure, "")
	for ts.srv.hub.addrFull("198.51.100.7") {
		time.Sleep(time.Millisecond)
	}
	if _, status, _ := dialStatus(t, anon, "/ws", "198.51.100.7"); status != 101 {
		t.Fatalf("after one closed: %d", status)
	}

	// Not behind a proxy, X-Forwarded-For is the client's own say-so.
	direct := newTestServer(t, config{WSMaxPerAddr: 2})
	spoof := newClient(t, direct.URL)
	for i := range 2 {
		if _, status, _ := dialStatus(t, spoof, "/ws", fmt.Sprintf("203.0.113.%d", i)); status != 101 {
			t.Fatalf("socket %d: %d", i, status)
		}
	}
	for !direct.srv.hub.addrFull("127.0.0.1") {
		time.Sleep(time.Millisecond)
	}
	if _, status, _ := dialStatus(t, spoof, "/ws", "203.0.113.99"); status != 429 {
		t.Fatalf("a forged X-Forwarded-For got around the limit: %d", status)
	}
}

// TestSocketsRefusedNearDescriptorLimit: as descriptors run low,
// anonymous sockets are refused with 503 before the upgrade, while a
// signed-in user can still open one.
func TestSocketsRefusedNearDescriptorLimit(t *testing.T) {
	ts := newTestServer(t, config{WSMaxPerAddr: 1000})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	fds := ts.srv.fds
	// Pretend the process may hold only a few more descriptors than the
	// reserves it keeps.
	fds.limit.Store(fds.base.Load() + fds.sockets() + fdReserveCore + fdReserveUsersMin + 4)
	anon := newClient(t, ts.URL)
	opened := 0
	for ; opened < 50; opened++ {
		_, status, code := dialStatus(t, anon, "/ws/sports-updates/", "")
		if status == 101 {
			continue
		}
		if status != 503 || code != "server_busy" {
			t.Fatalf("refusal near the limit: %d %s", status, code)
		}
		break
	}
	if opened == 0 || opened == 50 {
		t.Fatalf("%d anonymous sockets opened near the limit", opened)
	}
	if _, status, code := dialStatus(t, ann, "/ws", ""); status != 101 {
		t.Fatalf("signed-in user near the limit: %d %s", status, code)
	}
}

// TestStartRaisesOpenFileLimit: serving starts by raising the soft limit
// on open files to the hard limit, and logs both.
func TestStartRaisesOpenFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 1024 {
		t.Skipf("hard limit %d is too low to lower the soft one under it", lim.Max)
	}
	lowered := lim
	lowered.Cur = 512
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })

	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "app.db"))
	defer app.Stop(t)
	var now syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now)
	if now.Cur != lim.Max {
		t.Fatalf("soft limit after start %d, want the hard limit %d", now.Cur, lim.Max)
	}
	logged := app.stderr.String()
	if !strings.Contains(logged, `msg="open-file limit"`) || !strings.Contains(logged, fmt.Sprintf("soft=%d hard=%d raised=true", lim.Max, lim.Max)) {
		t.Fatalf("log does not say the limit was raised: %s", app.stderr)
	}
}
