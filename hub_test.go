package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

// frame is any server frame, decoded loosely for assertions.
type frame struct {
	Op        string          `json:"op"`
	Topic     string          `json:"topic"`
	ID        json.RawMessage `json:"id"`
	Offset    *int64          `json:"offset"`
	Epoch     *int64          `json:"epoch"`
	Recovered *bool           `json:"recovered"`
	Duplicate bool            `json:"duplicate"`
	Snapshot  json.RawMessage `json:"snapshot"`
	Count     *int            `json:"count"`
	Readers   *int            `json:"readers"`
	Data      json.RawMessage `json:"data"`
	Error     *frameError     `json:"error"`
}

// wsClient is a real WebSocket client against a real server.
type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

// dialWS opens a socket on path as c (its cookies and token), with extra
// headers as name/value pairs.
func (c *client) dialWS(path string, header ...string) (*wsClient, *http.Response, error) {
	h := http.Header{}
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+path, &websocket.DialOptions{
		HTTPClient: c.hc, HTTPHeader: h,
	})
	if err != nil {
		return nil, res, err
	}
	ws.SetReadLimit(1 << 20)
	wc := &wsClient{t: c.t, ws: ws}
	c.t.Cleanup(func() { ws.CloseNow() })
	return wc, res, nil
}

func (c *client) mustDialWS(path string) *wsClient {
	c.t.Helper()
	wc, _, err := c.dialWS(path)
	if err != nil {
		c.t.Fatalf("dial %s: %v", path, err)
	}
	return wc
}

func (w *wsClient) sendRaw(s string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatal(err)
	}
	w.sendRaw(string(b))
}

// readRaw reads one frame's bytes, or returns the error that ended the socket.
func (w *wsClient) readRaw(timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, data, err := w.ws.Read(ctx)
	return data, err
}

func (w *wsClient) read() frame {
	w.t.Helper()
	data, err := w.readRaw(10 * time.Second)
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		w.t.Fatalf("frame %s is not JSON: %v", data, err)
	}
	return f
}

// expect reads a frame and checks its op.
func (w *wsClient) expect(op string) frame {
	w.t.Helper()
	f := w.read()
	if f.Op != op {
		w.t.Fatalf("got %s frame %+v (error %v), want %s", f.Op, f, f.Error, op)
	}
	return f
}

func (w *wsClient) expectError(code string) frame {
	w.t.Helper()
	f := w.expect(opError)
	if f.Error == nil || f.Error.Code != code || f.Error.Message == "" {
		w.t.Fatalf("error frame %+v, want code %s", f.Error, code)
	}
	return f
}

// expectClose reads until the socket ends and checks its close code.
func (w *wsClient) expectClose(code websocket.StatusCode) string {
	w.t.Helper()
	for {
		_, err := w.readRaw(15 * time.Second)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("socket ended with %v, want close %d", err, code)
		}
		if ce.Code != code {
			w.t.Fatalf("close %d %q, want %d", ce.Code, ce.Reason, code)
		}
		return ce.Reason
	}
}

func (w *wsClient) subscribe(topic string, extra map[string]any) frame {
	w.t.Helper()
	f := map[string]any{"op": "sub", "topic": topic, "id": "sub-" + topic}
	for k, v := range extra {
		f[k] = v
	}
	w.send(f)
	return w.expect(opSubscribed)
}

// publishN publishes n messages {"n": i} with ids prefix-i and waits for
// every ack.
func (w *wsClient) publishN(topic, prefix string, from, n int) []int64 {
	w.t.Helper()
	for i := from; i < from+n; i++ {
		w.send(map[string]any{"op": "pub", "topic": topic, "id": fmt.Sprintf("%s-%d", prefix, i), "data": map[string]int{"n": i}})
	}
	var offsets []int64
	for len(offsets) < n {
		f := w.read()
		if f.Op == opAck {
			offsets = append(offsets, *f.Offset)
		} else if f.Op == opError {
			w.t.Fatalf("publish: %+v", f.Error)
		}
	}
	return offsets
}

// collectMsgs reads frames until it has n msg frames, skipping others.
func (w *wsClient) collectMsgs(n int) []frame {
	w.t.Helper()
	var msgs []frame
	for len(msgs) < n {
		f := w.read()
		if f.Op == opMsg {
			msgs = append(msgs, f)
		}
	}
	return msgs
}

func msgN(t *testing.T, f frame) int {
	var d struct{ N int }
	if err := json.Unmarshal(f.Data, &d); err != nil {
		t.Fatalf("data %s: %v", f.Data, err)
	}
	return d.N
}

// assertSequence checks msgs carry n = from, from+1, ... with offsets
// rising by one.
func assertSequence(t *testing.T, msgs []frame, from int) {
	t.Helper()
	for i, m := range msgs {
		if got := msgN(t, m); got != from+i {
			t.Fatalf("message %d has n=%d, want %d", i, got, from+i)
		}
		if i > 0 && *m.Offset != *msgs[i-1].Offset+1 {
			t.Fatalf("offsets jump from %d to %d", *msgs[i-1].Offset, *m.Offset)
		}
	}
}

func TestHubFanOutInOrder(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)

	const subscribers, messages = 40, 60
	subs := make([]*wsClient, subscribers)
	for i := range subs {
		subs[i] = c.mustDialWS("/ws")
		f := subs[i].subscribe(topic, nil)
		if f.Topic != topic || string(f.ID) != `"sub-`+topic+`"` || f.Recovered != nil || !strings.Contains(string(f.Snapshot), `"username":"ann"`) {
			t.Fatalf("subscribed frame %+v, snapshot %s", f, f.Snapshot)
		}
	}
	pub := c.mustDialWS("/ws")
	offsets := pub.publishN(topic, "m", 0, messages)
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msgs := s.collectMsgs(messages)
			assertSequence(t, msgs, 0)
			if *msgs[0].Offset != offsets[0] || *msgs[messages-1].Offset != offsets[messages-1] {
				t.Errorf("offsets %d..%d, acks said %d..%d", *msgs[0].Offset, *msgs[messages-1].Offset, offsets[0], offsets[messages-1])
			}
		}()
	}
	wg.Wait()
}

func TestHubResumeAfterDisconnect(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	pub := c.mustDialWS("/ws")

	sub := c.mustDialWS("/ws")
	sub.subscribe(topic, nil)
	pub.publishN(topic, "a", 0, 10)
	seen := sub.collectMsgs(10)
	last := seen[9]
	sub.ws.Close(websocket.StatusNormalClosure, "tunnel")

	pub.publishN(topic, "b", 10, 15) // missed while away

	again := c.mustDialWS("/ws")
	f := again.subscribe(topic, map[string]any{"offset": *last.Offset, "epoch": *last.Epoch})
	if f.Recovered == nil || !*f.Recovered || *f.Offset != *last.Offset || f.Snapshot != nil {
		t.Fatalf("resume answer %+v snapshot %s", f, f.Snapshot)
	}
	pub.publishN(topic, "c", 25, 5) // live after the catch-up
	msgs := again.collectMsgs(20)
	assertSequence(t, msgs, 10)
	if *msgs[0].Offset != *last.Offset+1 {
		t.Fatalf("first replayed offset %d, want %d", *msgs[0].Offset, *last.Offset+1)
	}
	// Nothing more: no duplicates behind the live ones.
	pub.send(map[string]any{"op": "ping", "id": 1})
	if f := pub.expect(opPong); string(f.ID) != "1" {
		t.Fatalf("pong id %s", f.ID)
	}
	if data, err := again.readRaw(200 * time.Millisecond); err == nil {
		t.Fatalf("extra frame after resume: %s", data)
	}
}

// TestHubResumeRacesLivePublishing resumes while another socket publishes
// as fast as it can, which is where a gap or a duplicate would show.
func TestHubResumeRacesLivePublishing(t *testing.T) {
	ts := newTestServer(t, config{Hub: hubConfig{MsgRate: 10_000}}) // this publisher does not pace itself
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	pub := c.mustDialWS("/ws")
	pre := pub.publishN(topic, "pre", 0, 50)
	head, _ := ts.store.TopicHead(context.Background(), topic)

	done := make(chan struct{})
	go func() {
		defer close(done)
		pub.publishN(topic, "live", 50, 300)
	}()
	for i := 0; i < 5; i++ {
		sub := c.mustDialWS("/ws")
		from := 10 * (i + 1) // resume after message n=from-1
		f := sub.subscribe(topic, map[string]any{"offset": pre[from-1], "epoch": head.Epoch})
		if f.Recovered == nil || !*f.Recovered {
			t.Fatalf("resume from %d not recovered: %+v", from, f)
		}
		assertSequence(t, sub.collectMsgs(350-from), from)
	}
	<-done
}

func TestHubResumeNotRecovered(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	pub := c.mustDialWS("/ws")
	offsets := pub.publishN(topic, "a", 0, 30)
	head, _ := ts.store.TopicHead(context.Background(), topic)

	// Keep only the newest 5 messages.
	if n, err := ts.store.PruneTopics(context.Background(), "user", Retention{MaxCount: 5}); err != nil || n < 25 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	sub := c.mustDialWS("/ws")
	f := sub.subscribe(topic, map[string]any{"offset": offsets[3], "epoch": head.Epoch})
	if f.Recovered == nil || *f.Recovered || *f.Offset != head.Last || !strings.Contains(string(f.Snapshot), `"username":"ann"`) {
		t.Fatalf("pruned resume: %+v snapshot %s", f, f.Snapshot)
	}
	// Within what is kept, resume still works.
	f = sub.subscribe(topic, map[string]any{"offset": offsets[26], "epoch": head.Epoch})
	if !*f.Recovered {
		t.Fatalf("resume inside retention: %+v", f)
	}
	assertSequence(t, sub.collectMsgs(3), 27)

	// Another epoch (say, a restored backup) or an offset from the future.
	for _, extra := range []map[string]any{
		{"offset": offsets[28], "epoch": head.Epoch + 1},
		{"offset": head.Last + 10, "epoch": head.Epoch},
	} {
		f = sub.subscribe(topic, extra)
		if *f.Recovered || f.Snapshot == nil || *f.Offset != head.Last {
			t.Fatalf("resume %v: %+v", extra, f)
		}
	}
	body := c.must(200, "GET", "/metrics", nil).Body
	if !strings.Contains(string(body), `fitcast_ws_resumes_total{recovered="false"} 3`) {
		t.Errorf("resume metrics not counted:\n%s", body)
	}
}

func TestHubIdempotentPub(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	w := c.mustDialWS("/ws")
	w.subscribe(topic, nil)

	w.send(map[string]any{"op": "pub", "topic": topic, "id": "once", "data": map[string]int{"n": 1}})
	first := w.read()
	if first.Op == opMsg {
		first = w.read()
	}
	if first.Op != opAck || first.Duplicate {
		t.Fatalf("first ack %+v", first)
	}
	w.send(map[string]any{"op": "pub", "topic": topic, "id": "once", "data": map[string]int{"n": 1}})
	for {
		f := w.read()
		if f.Op == opMsg {
			continue
		}
		if f.Op != opAck || !f.Duplicate || *f.Offset != *first.Offset {
			t.Fatalf("retry ack %+v, want duplicate of offset %d", f, *first.Offset)
		}
		break
	}
	// A number id and the same digits as a string are different ids.
	w.send(map[string]any{"op": "pub", "topic": topic, "id": 7, "data": map[string]int{"n": 2}})
	w.send(map[string]any{"op": "pub", "topic": topic, "id": "7", "data": map[string]int{"n": 3}})
	acks := 0
	for acks < 2 {
		if f := w.read(); f.Op == opAck {
			acks++
			if f.Duplicate {
				t.Fatalf("id 7 and \"7\" collided: %+v", f)
			}
		}
	}
	var stored int
	ts.store.reader.QueryRow("SELECT count(*) FROM topic_messages WHERE topic = ? AND sender = ?", topic, ann.ID).Scan(&stored)
	if stored != 3 {
		t.Fatalf("%d messages stored, want 3", stored)
	}
}

func TestHubRefusesTopicsAndBadFrames(t *testing.T) {
	ts := newTestServer(t, config{SignupOpen: true})
	ann := newClient(t, ts.URL)
	annUser := ann.signUp("ann", "password123")
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	w := bob.mustDialWS("/ws")

	cases := []struct {
		frame string
		code  string
	}{
		{`{"op":"sub","topic":"` + userTopic(annUser.ID) + `","id":"x"}`, "forbidden"},
		{`{"op":"pub","topic":"` + userTopic(annUser.ID) + `","data":{"a":1}}`, "forbidden"},
		{`{"op":"pub","topic":"games","data":{"a":1}}`, "forbidden"},
		{`{"op":"sub","topic":"user"}`, "unknown_topic"},
		{`{"op":"sub","topic":"games:1"}`, "unknown_topic"},
		{`{"op":"sub","topic":"nothing:1"}`, "unknown_topic"},
		{`{"op":"sub","topic":"user:1; DROP TABLE users"}`, "invalid_topic"},
		{`{"op":"sub","topic":""}`, "invalid_topic"},
		{`{"op":"sub","topic":"games","offset":-1}`, "invalid_offset"},
		{`{"op":"unsub","topic":"games"}`, "not_subscribed"},
		{`{"op":"dance"}`, "unknown_op"},
		{`{"topic":"games"}`, "invalid_op"},
		{`{"op":"sub","topic":"games","id":{"x":1}}`, "invalid_id"},
		{`{"op":"sub","topic":"games","id":"` + strings.Repeat("i", 200) + `"}`, "invalid_id"},
		{`Update message`, "invalid_json"},
		{`{"op":"sub",`, "invalid_json"},
		{`[1,2,3]`, "invalid_json"},
		{`{"op":"sub","offset":"ten","topic":"games"}`, "invalid_json"},
	}
	for _, tc := range cases {
		w.sendRaw(tc.frame)
		w.expectError(tc.code)
	}
	// Publishing needs a JSON object.
	mine := userTopic(annUser.ID + 1)
	w.sendRaw(`{"op":"pub","topic":"` + mine + `","data":[1]}`)
	w.expectError("invalid_data")
	// Binary frames get an error too, and after all that the socket still works.
	ctx := context.Background()
	w.ws.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3})
	w.expectError("invalid_json")
	w.send(map[string]any{"op": "ping", "id": "still-here"})
	w.expect(opPong)
	var n int
	ts.store.reader.QueryRow("SELECT count(*) FROM topic_messages WHERE topic = ?", userTopic(annUser.ID)).Scan(&n)
	if n != 1 { // only ann's own sign-up session event
		t.Fatalf("refused frames wrote %d messages to ann's topic", n-1)
	}

	// Anonymous sockets may follow the public feed, nothing private.
	anon := newClient(t, ts.URL).mustDialWS("/ws")
	anon.subscribe(gamesTopic, nil)
	anon.send(map[string]any{"op": "sub", "topic": userTopic(annUser.ID)})
	anon.expectError("forbidden")
}

func TestHubOversizedFrameClosesWith1009(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	w := c.mustDialWS("/ws")
	// The server closes as soon as it has read the frame's header, so the
	// rest of the frame may meet a closed connection: the write's error
	// says nothing, the close code that comes back says it all.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.ws.Write(ctx, websocket.MessageText, []byte(`{"op":"ping","id":"`+strings.Repeat("x", 70<<10)+`"}`))
	w.expectClose(websocket.StatusMessageTooBig)
}

func TestHubRateLimit(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	w := c.mustDialWS("/ws")
	const sent = 260 // the burst (200) and then some
	for i := 0; i < sent; i++ {
		w.send(map[string]any{"op": "ping", "id": i})
	}
	pongs, limited := 0, 0
	for pongs+limited < sent {
		f := w.read()
		switch {
		case f.Op == opPong:
			pongs++
		case f.Op == opError && f.Error.Code == "rate_limited":
			limited++
		default:
			t.Fatalf("unexpected frame %+v", f)
		}
	}
	if limited == 0 || pongs < 200 {
		t.Fatalf("%d answered, %d rate limited", pongs, limited)
	}
	time.Sleep(100 * time.Millisecond) // the bucket refills
	w.send(map[string]any{"op": "ping", "id": "after"})
	w.expect(opPong)

	// A client that keeps flooding is disconnected.
	flood := c.mustDialWS("/ws")
	go func() {
		for i := 0; i < 2000; i++ {
			if flood.ws.Write(context.Background(), websocket.MessageText, []byte(`{"op":"ping"}`)) != nil {
				return
			}
		}
	}()
	flood.expectClose(websocket.StatusPolicyViolation)
}

func TestHubCrossOriginUpgradeRefused(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	_, res, err := c.dialWS("/ws", "Origin", "https://evil.example")
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: err %v, response %v", err, res)
	}
	if _, _, err := c.dialWS("/ws", "Origin", ts.URL); err != nil {
		t.Fatalf("same-origin upgrade refused: %v", err)
	}
}

func TestHubSessionRevokedClosesItsSockets(t *testing.T) {
	ts := newTestServer(t, config{})
	phone := newClient(t, ts.URL)
	ann := phone.signUp("ann", "password123")
	laptop := newClient(t, ts.URL)
	laptop.logIn("ann", "password123")
	phoneWS := phone.mustDialWS("/ws")
	phoneWS.subscribe(userTopic(ann.ID), nil)
	laptopWS := laptop.mustDialWS("/ws")
	laptopWS.subscribe(userTopic(ann.ID), nil)

	var list []sessionView
	laptop.must(200, "GET", "/api/sessions", nil).JSON(&list)
	for _, s := range list {
		if !s.Current {
			laptop.must(204, "DELETE", fmt.Sprintf("/api/sessions/%d", s.ID), nil)
		}
	}
	phoneWS.expectClose(closeCredentialsRevoked)
	// The laptop hears about it on its own topic.
	for {
		f := laptopWS.expect(opMsg)
		if strings.Contains(string(f.Data), `"type":"session.revoked"`) {
			break
		}
	}
}

func TestHubSlowClientIsClosedOthersKeepUp(t *testing.T) {
	ts := newTestServer(t, config{Hub: hubConfig{
		MaxQueueBytes: 1 << 20,
		WriteTimeout:  time.Minute, // stalled, not dead: it reads the close frame later
		MsgRate:       10_000,
	}})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)

	slow := c.mustDialWS("/ws")
	slow.subscribe(topic, nil) // and then never reads
	fast := c.mustDialWS("/ws")
	fast.subscribe(topic, nil)
	pub := c.mustDialWS("/ws")

	const n = 600 // 19 MB in all: more than the stalled socket's kernel buffers and queue hold
	big := strings.Repeat("x", 32<<10)
	received := make(chan int, 1)
	go func() {
		count := 0
		for count < n {
			data, err := fast.readRaw(20 * time.Second)
			if err != nil {
				t.Errorf("fast subscriber: %v", err)
				break
			}
			if strings.HasPrefix(string(data), `{"op":"msg"`) {
				count++
			}
		}
		received <- count
	}()
	for i := 0; i < n; i++ {
		pub.send(map[string]any{"op": "pub", "topic": topic, "data": map[string]any{"n": i, "pad": big}})
		pub.expect(opAck)
	}
	if got := <-received; got != n {
		t.Fatalf("the fast subscriber got %d of %d messages while another stalled", got, n)
	}
	if reason := slow.expectClose(closeTooSlow); !strings.Contains(reason, "resume") {
		t.Fatalf("slow close reason %q", reason)
	}
	if ts.srv.hub.stats.slowClosed.Load() != 1 {
		t.Fatalf("slow disconnects counted: %d", ts.srv.hub.stats.slowClosed.Load())
	}
}

func TestHubPresence(t *testing.T) {
	ts := newTestServer(t, config{})
	h := ts.srv.hub
	// A kind with presence, as the live-workout and game topics have.
	h.kinds["room"] = &topicKind{
		needsID:   true,
		authorize: func(context.Context, *principal, string, string) (access, error) { return accessRead, nil },
		presence:  true,
	}
	a := newClient(t, ts.URL).mustDialWS("/ws")
	a.subscribe("room:1", nil)
	if f := a.expect(opPresence); f.Topic != "room:1" || *f.Count != 1 {
		t.Fatalf("presence %+v", f)
	}
	var others []*wsClient
	for range 3 {
		o := newClient(t, ts.URL).mustDialWS("/ws")
		o.subscribe("room:1", nil)
		others = append(others, o)
	}
	// Joins within one tick are pushed as one update.
	for {
		f := a.expect(opPresence)
		if *f.Count == 4 {
			break
		}
	}
	others[0].ws.Close(websocket.StatusNormalClosure, "")
	for {
		if f := a.expect(opPresence); *f.Count == 3 {
			break
		}
	}
	if got := h.subscriberCount("room:1"); got != 3 {
		t.Fatalf("subscriberCount = %d", got)
	}
}

func TestSeedFitnessTrackingPath(t *testing.T) {
	ts := newTestServer(t, config{})
	anon := newClient(t, ts.URL)
	if _, res, err := anon.dialWS("/ws/fitness-tracking/"); err == nil || res.StatusCode != 401 {
		t.Fatalf("anonymous fitness socket: %v %v", err, res)
	}
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	phone := c.mustDialWS("/ws/fitness-tracking/")
	if f := phone.expect(opSubscribed); f.Topic != userTopic(ann.ID) {
		t.Fatalf("implicit subscription %+v", f)
	}
	other := c.mustDialWS("/ws")
	other.subscribe(userTopic(ann.ID), nil)

	// The seed's own client sends a plain string: it is told the shape.
	phone.sendRaw("Update message")
	if f := phone.expectError("invalid_json"); !strings.Contains(f.Error.Message, `"type":"sample"`) {
		t.Fatalf("error does not explain the shape: %s", f.Error.Message)
	}
	phone.sendRaw(`{"id":"s1","type":"sample","hr":142}`)
	var ack frame
	for ack.Op != opAck {
		ack = phone.read()
	}
	if string(ack.ID) != `"s1"` || ack.Offset == nil {
		t.Fatalf("ack %+v", ack)
	}
	phone.sendRaw(`{"id":"s1","type":"sample","hr":142}`) // a retry
	for {
		f := phone.read()
		if f.Op == opAck {
			if !f.Duplicate {
				t.Fatalf("retry not recognised: %+v", f)
			}
			break
		}
	}
	m := other.expect(opMsg)
	if !strings.Contains(string(m.Data), `"hr":142`) {
		t.Fatalf("other screen got %s", m.Data)
	}
	if data, err := other.readRaw(200 * time.Millisecond); err == nil {
		t.Fatalf("the retry was delivered again: %s", data)
	}
}

func TestSeedSportsUpdatesPath(t *testing.T) {
	ts := newTestServer(t, config{})
	fan := newClient(t, ts.URL).mustDialWS("/ws/sports-updates/")
	// Give the implicit subscription a moment, then publish as the games
	// feature will, from a committed write.
	deadline := time.Now().Add(5 * time.Second)
	for ts.srv.hub.subscriberCount(gamesTopic) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	update := map[string]any{"game": "12", "home": "Lions", "away": "Tigers", "score": map[string]int{"home": 2, "away": 1}, "status": "live"}
	err := ts.store.Write(context.Background(), func(tx *Tx) error { return ts.store.PublishEvent(tx, gamesTopic, update) })
	if err != nil {
		t.Fatal(err)
	}
	data, err := fan.readRaw(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any // what the seed's JSON.parse(e.data) sees
	if err := json.Unmarshal(data, &got); err != nil || got["game"] != "12" || got["home"] != "Lions" {
		t.Fatalf("frame %s: %v", data, err)
	}
	// Nobody here keeps a game, so nobody may send.
	fan.sendRaw(`{"game":"12","kind":"score","team":"home","points":1}`)
	fan.expectError("forbidden")
	fan.sendRaw("Update message")
	fan.expectError("invalid_json")
}

func TestHubShutdownFlushesAndSays1001(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	w := c.mustDialWS("/ws")
	w.subscribe(userTopic(ann.ID), nil)
	for i := 0; i < 50; i++ {
		err := ts.store.Write(context.Background(), func(tx *Tx) error {
			return ts.store.PublishEvent(tx, userTopic(ann.ID), map[string]int{"n": i})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	ts.srv.hub.Close(context.Background())
	assertSequence(t, w.collectMsgs(50), 0)
	w.expectClose(websocket.StatusGoingAway)
}

func TestHubNoGoroutineLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		ts := newTestServer(t, config{})
		defer func() {
			ts.srv.hub.Close(context.Background())
			ts.Close()
			ts.store.Close()
		}()
		c := newClient(t, ts.URL)
		ann := c.signUp("ann", "password123")
		for i := 0; i < 200; i++ {
			w := c.mustDialWS("/ws")
			w.subscribe(userTopic(ann.ID), nil)
			if i%2 == 0 {
				w.ws.Close(websocket.StatusNormalClosure, "")
			} else {
				w.ws.CloseNow()
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for ts.srv.hub.stats.conns.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := ts.srv.hub.stats.conns.Load(); n != 0 {
			t.Errorf("%d connections still registered", n)
		}
		c.hc.CloseIdleConnections()
	}()
}

// TestHubPings keeps a socket that answers pings, long after its last
// batch's write deadline, and drops one that stopped answering.
func TestHubPings(t *testing.T) {
	ts := newTestServer(t, config{Hub: hubConfig{PingInterval: time.Second, PongTimeout: 500 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}})
	h := ts.srv.hub
	c := newClient(t, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)

	alive := c.mustDialWS("/ws")
	alive.subscribe(topic, nil)
	dead := c.mustDialWS("/ws")
	dead.subscribe(topic, nil) // and never reads again, so never answers a ping
	publish := func(n int) {
		err := ts.store.Write(context.Background(), func(tx *Tx) error {
			return ts.store.PublishEvent(tx, topic, map[string]int{"n": n})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish(0)
	assertSequence(t, alive.collectMsgs(1), 0)

	got := make(chan error, 1)
	go func() { // reading answers pings meanwhile
		for {
			data, err := alive.readRaw(15 * time.Second)
			if err != nil || strings.Contains(string(data), `"n":1`) {
				got <- err
				return
			}
		}
	}()
	time.Sleep(3 * time.Second)
	publish(1)
	if err := <-got; err != nil {
		t.Fatalf("the socket that answered pings was dropped: %v", err)
	}
	if n := h.stats.conns.Load(); n != 1 {
		t.Fatalf("%d sockets open, want 1 (the silent one dropped)", n)
	}
}

// BenchmarkHubFanout measures deliveries per second from one topic to
// 1,000 real sockets over loopback: each iteration is one committed
// message that every subscriber must receive.
func BenchmarkHubFanout(b *testing.B) {
	const subscribers = 1000
	ts := newTestServer(b, config{WSMaxPerUser: subscribers + 1})
	c := newClient(b, ts.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)
	var received atomic.Int64
	for range subscribers {
		w := c.mustDialWS("/ws")
		w.subscribe(topic, nil)
		go func() {
			for {
				if _, _, err := w.ws.Read(context.Background()); err != nil {
					return
				}
				received.Add(1)
			}
		}()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := ts.store.Write(context.Background(), func(tx *Tx) error {
			return ts.store.PublishEvent(tx, topic, map[string]int{"n": i})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	want := int64(b.N) * subscribers
	for received.Load() < want {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
}

func FuzzDecodeClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"op":"sub","topic":"user:1","id":"r1","offset":5,"epoch":123}`,
		`{"op":"pub","topic":"user:1","id":7,"data":{"n":1}}`,
		`{"op":"ping"}`,
		`Update message`,
		`{"op":"sub","id":{"a":1}}`,
		`{"op":"sub","offset":-1e400}`,
		"{\"op\":\"pub\",\"data\":\"\xff\"}",
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, ferr := decodeClientFrame(data)
		if ferr != nil {
			if ferr.Code == "" || ferr.Message == "" {
				t.Fatalf("error without code or message: %+v", ferr)
			}
			return
		}
		if !validClientID(fr.ID) {
			t.Fatalf("accepted an invalid id %q", fr.ID)
		}
		// Whatever decodes must survive the rest of the pipeline's pure parts.
		parseTopic(fr.Topic)
		clientIDKey(fr.ID)
		errorFrame(fr.ID, fr.Topic, newFrameError("x", "y"))
	})
}

// TestFrameConnPartialWrite fills a real socket until a non-blocking write
// goes out only in part, and checks that the rest is written before a
// write from the WebSocket library, so the stream never interleaves
// inside a frame.
func TestFrameConnPartialWrite(t *testing.T) {
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

	chunk := bytes.Repeat([]byte("x"), 48<<10)
	var sent bytes.Buffer
	var rest []byte
	for i := 0; i < 10_000 && rest == nil; i++ {
		frame := append([]byte(fmt.Sprintf("<%d>", i)), chunk...)
		n, ok := fc.tryWrite(frame)
		sent.Write(frame[:n])
		if !ok && n > 0 {
			rest = frame[n:]
		} else if !ok {
			t.Skip("the socket filled exactly at a frame boundary; no partial write to test")
		}
	}
	if rest == nil {
		t.Fatal("the socket never filled")
	}
	if _, ok := fc.tryWrite([]byte("more")); ok {
		t.Fatal("tryWrite wrote past an unfinished frame")
	}

	libraryWrote := make(chan struct{})
	go func() {
		fc.Write([]byte("PONG")) // must wait for the rest of the frame
		close(libraryWrote)
	}()
	received := make(chan []byte)
	go func() {
		all, _ := io.ReadAll(client)
		received <- all
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-libraryWrote:
		t.Fatal("the library wrote in the middle of a frame")
	default:
	}
	if err := fc.writeFrames([][]byte{rest}); err != nil {
		t.Fatal(err)
	}
	<-libraryWrote
	server.Close()
	want := append(sent.Bytes(), rest...)
	want = append(want, "PONG"...)
	if got := <-received; !bytes.Equal(got, want) {
		t.Fatalf("stream of %d bytes differs from the %d written in order", len(got), len(want))
	}
}
