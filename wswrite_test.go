package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBehindSpectatorGetsLatestGameState stalls a spectator on the seed
// path while two games publish far more than its queue bound holds. It is
// not closed: while it is behind, each game's newer state replaces the
// queued one, and when it reads again it gets, in order, states of each
// game ending with the latest.
func TestBehindSpectatorGetsLatestGameState(t *testing.T) {
	ts := newTestServer(t, config{Hub: hubConfig{MaxQueueBytes: 1 << 20, WriteTimeout: time.Minute}})
	anon := newClient(t, ts.URL)
	spectator := anon.mustDialWS("/ws/sports-updates/")
	spectator.ws.SetReadLimit(1 << 20)
	for ts.srv.hub.subscriberCount(gamesTopic) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	const n = 300 // 18 MB in all, alternating between two games
	pad := strings.Repeat("x", 60<<10)
	for i := range n {
		err := ts.store.Write(context.Background(), func(tx *Tx) error {
			return ts.store.PublishEvent(tx, gamesTopic, map[string]any{"game": fmt.Sprintf("g%d", i%2), "n": i, "pad": pad})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	last := map[string]int{"g0": -1, "g1": -1}
	frames := 0
	for last["g0"] != n-2 || last["g1"] != n-1 {
		data, err := spectator.readRaw(10 * time.Second)
		if err != nil {
			t.Fatalf("after %d frames (latest %v): %v", frames, last, err)
		}
		var u struct {
			Game string
			N    int
		}
		if err := json.Unmarshal(data, &u); err != nil {
			t.Fatal(err)
		}
		if u.N <= last[u.Game] {
			t.Fatalf("game %s: state %d after %d", u.Game, u.N, last[u.Game])
		}
		last[u.Game] = u.N
		frames++
	}
	h := ts.srv.hub
	if frames >= n || h.stats.conflated.Load() == 0 {
		t.Fatalf("%d frames for %d states, %d conflated: nothing was skipped", frames, n, h.stats.conflated.Load())
	}
	if h.stats.slowClosed.Load() != 0 {
		t.Fatal("the behind spectator was closed as too slow")
	}
}

// TestSlowSocketOutlivesALatePong: a subscriber that stops reading while
// megabytes are on their way cannot answer a ping that waits behind them.
// It is slow, not dead, and keeps its socket: when it reads again it gets
// everything.
func TestSlowSocketOutlivesALatePong(t *testing.T) {
	ts := newTestServer(t, config{Hub: hubConfig{PingInterval: time.Hour, PongTimeout: 100 * time.Millisecond,
		WriteTimeout: time.Hour, MaxQueueBytes: 64 << 20}})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	slow := c.mustDialWS("/ws")
	slow.ws.SetReadLimit(1 << 20)
	slow.subscribe(topic, nil)
	h := ts.srv.hub
	h.mu.RLock()
	var conn *wsConn
	for c := range h.conns {
		conn = c
	}
	h.mu.RUnlock()

	// Publish until the socket's writer waits on a full kernel buffer.
	pad := strings.Repeat("x", 256<<10)
	n := 0
	for ; n < 200 && conn.net.stuckSince().IsZero(); n++ {
		err := ts.store.Write(context.Background(), func(tx *Tx) error {
			return ts.store.PublishEvent(tx, topic, map[string]any{"n": n, "pad": pad})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if conn.net.stuckSince().IsZero() {
		time.Sleep(100 * time.Millisecond) // the last frames are still on their way to the writer
	}
	if conn.net.stuckSince().IsZero() {
		t.Fatalf("the writer is not waiting after %d messages", n)
	}
	for range 3 { // pings go out, and their pongs cannot come back in time
		conn.ping()
		for conn.pinging.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for i := range n {
		var m frame
		for m.Op != opMsg {
			m = slow.read()
		}
		if got := msgN(t, m); got != i {
			t.Fatalf("message %d, want %d", got, i)
		}
	}
}

// TestPingJumpsQueuedData: while the socket's writer is blocked on a full
// kernel buffer with more data queued behind, a ping is taken at once and
// goes out at the next frame boundary, ahead of the data still queued.
func TestPingJumpsQueuedData(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	fc := &frameConn{Conn: server}
	fc.raw, _ = server.(syscall.Conn).SyscallConn()

	var frames [][]byte
	var all bytes.Buffer
	for i := range 400 { // 19 MB: more than the kernel buffers hold
		f := append(fmt.Appendf(nil, "<%d>", i), bytes.Repeat([]byte("x"), 48<<10)...)
		frames = append(frames, f)
		all.Write(f)
	}
	wrote := make(chan error, 1)
	go func() { wrote <- fc.writeFrames(frames) }()
	for fc.stuckSince().IsZero() {
		time.Sleep(time.Millisecond)
	}
	ping := []byte{0x89, 0x00}
	if _, err := fc.Write(ping); err != nil { // returns at once: the client is not reading
		t.Fatal(err)
	}
	select {
	case <-wrote:
		t.Fatal("all the data went out before the client read any")
	default:
	}
	received := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(client)
		received <- b
	}()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	server.Close()
	got := <-received
	at := bytes.Index(got, ping)
	if at < 0 || len(got) != all.Len()+len(ping) {
		t.Fatalf("ping at %d in %d bytes (data %d)", at, len(got), all.Len())
	}
	if !bytes.Equal(append(got[:at:at], got[at+len(ping):]...), all.Bytes()) {
		t.Fatal("the data around the ping is not the data written, in order")
	}
	if got[at+len(ping)] != '<' || at >= all.Len()/2 {
		t.Fatalf("ping at byte %d of %d: not at a frame boundary ahead of the queued data", at, all.Len())
	}
}
