package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// connMode is which endpoint a socket came in on.
type connMode int

const (
	modeMux     connMode = iota // /ws: the full protocol
	modeFitness                 // /ws/fitness-tracking/: the user's own topic; bare JSON frames are pubs to it
	modeSports                  // /ws/sports-updates/: the games feed, each frame a bare game update
)

// subscription is one socket following one topic.
type subscription struct {
	topic  string
	access access
	raw    bool // send the message's data alone, not the msg envelope (sports-updates seed path)
	// conflate: a spectator of games who falls behind gets each game's
	// latest state in place of every state in between (docs/protocol.md).
	conflate bool

	// Guarded by the socket's mu.
	last       int64 // highest offset queued to this socket
	catchingUp bool  // resume or snapshot in progress: live messages wait in pending
	pending    []pendingMsg
}

type pendingMsg struct {
	offset int64
	frame  []byte // framed by wsTextFrame
}

// wsConn is one WebSocket. Its handler goroutine reads; a writer
// goroutine exists only while frames wait in its queue.
type wsConn struct {
	id   uint64
	hub  *hub
	ws   *websocket.Conn
	net  *frameConn // the socket under ws; the writer writes framed batches to it directly
	p    *principal // nil for an anonymous socket
	addr string     // the client's address (the forwarded one behind a proxy)
	mode connMode

	limiter    *rate.Limiter
	violations int // consecutive frames over the rate limit
	pinging    atomic.Bool
	abort      atomic.Bool // set by closeNow: the writer stops and sends the close frame
	slowClose  atomic.Bool // closed as too slow: a write stuck on it gets closeWait more, so that its 4008 can still follow

	mu          sync.Mutex
	queue       [][]byte
	keys        []string             // each queued frame's conflation key, or ""
	conflIdx    map[string]int       // conflation key -> its frame's index in queue
	queued      int                  // bytes in queue
	writing     bool                 // a writer goroutine runs
	flushing    bool                 // the fan-out writes this socket's queue at the end of its batch
	closed      bool                 // the socket is finished: nothing more is queued or written
	closeCode   websocket.StatusCode // set with closeReason by closeAfterFlush and closeNow:
	closeReason string               // the writer sends this close frame, then exits
	subs        map[string]*subscription
}

// serveWS upgrades a request on one of the three socket paths and runs the
// socket until it ends.
func (s *server) serveWS(mode connMode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != codeUnauthorized || mode == modeFitness {
				writeError(w, r, s.log, err) // a bad token is an error; no credentials at all is anonymous
				return
			}
			p = nil
		}
		if p != nil {
			kept := *p
			kept.User.passwordHash = "" // the socket outlives the request; keep no secret with it
			p = &kept
		}
		// Refused before the upgrade, with a JSON status and the
		// connection closed: a flood of sockets from one address, or any
		// anonymous socket once descriptors run low (signed-in users keep
		// a reserve, the database another; see fdlimit.go).
		addr := s.clientIP(r)
		var refuse error
		switch {
		case p == nil && s.hub.addrFull(addr):
			refuse = errAddrTooMany
		case !s.fds.allowSocket(p != nil):
			refuse = errNoFDs
			w.Header().Set("Retry-After", "5")
		}
		if refuse != nil {
			w.Header().Set("Connection", "close")
			writeError(w, r, s.log, refuse)
			return
		}
		c := &wsConn{
			hub:     s.hub,
			p:       p,
			addr:    addr,
			mode:    mode,
			limiter: rate.NewLimiter(s.hub.cfg.MsgRate, s.hub.cfg.MsgBurst),
			subs:    map[string]*subscription{},
		}
		fw := &framingWriter{ResponseWriter: w}
		ws, err := websocket.Accept(fw, r, &websocket.AcceptOptions{OriginPatterns: s.hub.cfg.OriginPatterns})
		if err != nil {
			return // Accept has answered (403 for a foreign Origin)
		}
		ws.SetReadLimit(s.hub.cfg.ReadLimit)
		c.ws, c.net = ws, fw.conn
		// Limits are enforced after the upgrade: a browser cannot read an
		// HTTP status of a refused upgrade, but it can read a close reason.
		if err := s.hub.admit(c); err != nil {
			code := websocket.StatusTryAgainLater
			if err == errUserTooMany || err == errAddrTooMany {
				code = websocket.StatusPolicyViolation
			}
			ws.Close(code, err.(*apiError).Message)
			return
		}
		// The socket lives on in a goroutine of its own, and this handler
		// returns: that frees the request and the deep stack that serving
		// it grew, which would otherwise stay with every idle socket.
		go func() {
			defer s.hub.release(c)
			switch mode {
			case modeFitness:
				offStack(func() { c.subscribe(clientFrame{Op: opSub, Topic: userTopic(p.User.ID)}) })
			case modeSports:
				c.subscribeRaw(gamesTopic)
			}
			c.readLoop()
		}()
	}
}

func (c *wsConn) readLoop() {
	defer func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.ws.CloseNow()
	}()
	closing := false // a close frame is queued: what the client sends now is ignored
	for {
		// No context: a cancellable one costs every read a timer hook and
		// every socket a child context. Closing the socket ends the read.
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		c.hub.stats.framesIn.Add(1)
		if closing {
			continue // the close frame is queued; wait for the peer's answer
		}
		if !c.limiter.Allow() {
			if c.violations++; c.violations > 100 {
				// The client learns why in an error frame first, then the
				// close frame follows what is queued; reading goes on, unused,
				// until the close handshake ends the socket.
				c.sendError(nil, "", newFrameError("flooding", "far over the rate limit for too long; this socket is being closed (1008)"))
				c.closeAfterFlush(websocket.StatusPolicyViolation, "too many messages; slow down")
				closing = true
				continue
			}
			c.sendError(nil, "", newFrameError("rate_limited", "too many messages; this one was dropped"))
			continue
		}
		c.violations = 0
		if typ != websocket.MessageText {
			c.sendError(nil, "", newFrameError("invalid_json", "binary frames are not understood; send JSON text frames"))
			continue
		}
		// RFC 6455 (8.1): a text frame that is not UTF-8 fails the
		// connection with 1007; the library does not check.
		if !utf8.Valid(data) {
			c.closeAfterFlush(websocket.StatusInvalidFramePayloadData, "text frames must be valid UTF-8")
			closing = true
			continue
		}
		// Handled off the reader's stack, which lives as long as the
		// socket: decoding, authorizing, reading a snapshot or waiting on a
		// write would grow it for good (see offStack).
		offStack(func() {
			switch c.mode {
			case modeMux:
				c.handleFrame(data)
			case modeFitness:
				c.handleFitnessFrame(data)
			case modeSports:
				c.handleSportsFrame(data)
			}
		})
	}
}

func (c *wsConn) handleFrame(data []byte) {
	f, ferr := decodeClientFrame(data)
	if ferr != nil {
		c.sendError(nil, "", ferr)
		return
	}
	switch f.Op {
	case opPing:
		c.send(serverFrame{Op: opPong, ID: f.ID}.encode())
	case opSub:
		c.subscribe(f)
	case opUnsub:
		c.unsubscribe(f)
	case opPub:
		c.publish(f)
	case "":
		c.sendError(f.ID, f.Topic, newFrameError("invalid_op", `every frame needs an "op": sub, unsub, pub or ping`))
	default:
		c.sendError(f.ID, f.Topic, newFrameError("unknown_op", "unknown op "+strconv.Quote(f.Op)+"; use sub, unsub, pub or ping"))
	}
}

// handleFitnessFrame takes the seed's fitness updates: a full protocol
// frame (it has an "op"), or a bare JSON object, which is published to the
// user's own topic and acknowledged like a pub (its "id", if any, is the
// idempotency key).
func (c *wsConn) handleFitnessFrame(data []byte) {
	var probe struct {
		Op *string         `json:"op"`
		ID json.RawMessage `json:"id"`
	}
	if !jsonObject(data) || json.Unmarshal(data, &probe) != nil {
		c.sendError(nil, "", newFrameError("invalid_json",
			`fitness updates are JSON objects, e.g. {"id":"u1","type":"sample","hr":142}; full protocol frames with an "op" also work`))
		return
	}
	if probe.Op != nil {
		c.handleFrame(data)
		return
	}
	if !validClientID(probe.ID) {
		c.sendError(nil, "", newFrameError("invalid_id", "id must be a string of at most 128 characters or a number"))
		return
	}
	c.publish(clientFrame{Op: opPub, Topic: userTopic(c.p.User.ID), ID: probe.ID, Data: data})
}

// offStack runs fn on a goroutine of its own and waits for it. A socket's
// reader goroutine lives as long as the socket, and a stack grown on it
// stays grown: authorizing, reading a topic's head and snapshot or
// waiting on a write go deep, and every idle socket would keep the stack
// they grew. The short-lived goroutine's stack goes when it ends.
func offStack(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// handleSportsFrame takes a score update on the sports-updates seed path.
// Only a game's scorekeeper may send one; the games feature installs the
// handler that checks that and applies it.
func (c *wsConn) handleSportsFrame(data []byte) {
	if !jsonObject(data) || !json.Valid(data) {
		c.sendError(nil, "", newFrameError("invalid_json",
			`score updates are JSON objects, e.g. {"game":"12","kind":"score","team":"home","points":1}`))
		return
	}
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	json.Unmarshal(data, &probe)
	if !validClientID(probe.ID) {
		probe.ID = nil
	}
	handler := c.hub.sportsHandler
	if handler == nil || c.p == nil {
		c.sendError(probe.ID, "", errNoSportsUpdates)
		return
	}
	ack, err := handler(context.Background(), c, data)
	if err != nil {
		c.sendError(probe.ID, "", c.frameErrorFrom(err))
		return
	}
	c.send(ack)
}

// authorize works out what this socket may do on topic, with share as the
// share token offered.
func (c *wsConn) authorize(topic, share string) (access, *frameError) {
	kindName, id, ok := parseTopic(topic)
	if !ok {
		return accessNone, newFrameError("invalid_topic", `topics look like "user:12", "game:7" or "games"`)
	}
	kind := c.hub.kinds[kindName]
	if kind == nil || kind.needsID != (id != "") {
		return accessNone, newFrameError("unknown_topic", "there is no topic "+strconv.Quote(topic))
	}
	a, err := kind.authorize(context.Background(), c.p, id, share)
	if err != nil {
		c.hub.log.Error("authorize topic", "topic", topic, "err", err)
		return accessNone, newFrameError("internal", "could not check access to this topic")
	}
	if a == accessNone {
		return accessNone, newFrameError("forbidden", "you may not follow "+topic)
	}
	return a, nil
}

// subscribe follows a topic. With an offset it resumes: the messages after
// that offset follow in order, with no gap and no duplicate; when they are
// no longer kept (or the epoch differs) the answer says recovered:false and
// carries a snapshot instead. Live messages that arrive meanwhile wait in
// the subscription and are queued after the catch-up, skipping any the
// catch-up already sent.
func (c *wsConn) subscribe(f clientFrame) {
	a, ferr := c.authorize(f.Topic, f.Token)
	if ferr != nil {
		c.sendError(f.ID, f.Topic, ferr)
		return
	}
	if f.Offset != nil && *f.Offset < 0 {
		c.sendError(f.ID, f.Topic, newFrameError("invalid_offset", "offset must be 0 or more"))
		return
	}
	c.mu.Lock()
	_, resub := c.subs[f.Topic]
	if !resub && len(c.subs) >= c.hub.cfg.MaxSubsPerConn {
		c.mu.Unlock()
		c.sendError(f.ID, f.Topic, newFrameError("too_many_subscriptions", "this socket follows too many topics; unsubscribe from some"))
		return
	}
	kindName, _, _ := parseTopic(f.Topic)
	sub := &subscription{topic: f.Topic, access: a, catchingUp: true,
		conflate: a == accessRead && (kindName == "game" || f.Topic == gamesTopic)}
	c.subs[f.Topic] = sub
	c.mu.Unlock()
	c.hub.addSub(f.Topic, c, sub) // from here on, live messages reach sub.pending

	head, snapshot, err := c.readHead(f.Topic)
	if err != nil {
		c.hub.log.Error("subscribe", "topic", f.Topic, "err", err)
		c.dropSub(f.Topic, sub)
		c.sendError(f.ID, f.Topic, newFrameError("internal", "could not read the topic"))
		return
	}

	var history []Message
	answer := serverFrame{Op: opSubscribed, Topic: f.Topic, ID: f.ID, Epoch: &head.Epoch}
	start := head.Last
	if f.Offset != nil {
		recovered, msgs, err := c.catchUp(f.Topic, *f.Offset, f.Epoch, head)
		if err != nil {
			c.hub.log.Error("resume", "topic", f.Topic, "err", err)
		}
		answer.Recovered = &recovered
		if recovered {
			history, start, snapshot = msgs, *f.Offset, nil
			c.hub.stats.recovered.Add(1)
		} else {
			c.hub.stats.notRecovered.Add(1)
		}
	}
	answer.Offset = &start
	answer.Snapshot = snapshot

	c.mu.Lock()
	defer c.mu.Unlock()
	sub.last = start
	c.sendLocked(answer.encode())
	for _, m := range history {
		if m.Offset > sub.last {
			c.sendLocked(encodeMsgFrame(m))
			sub.last = m.Offset
		}
	}
	c.drainPendingLocked(sub)
}

// subscribeRaw follows topic for the sports-updates seed path: no
// envelope, no snapshot, no resume; each message's data as it commits,
// from the moment the subscription exists.
func (c *wsConn) subscribeRaw(topic string) {
	sub := &subscription{topic: topic, access: accessRead, raw: true, conflate: true}
	c.mu.Lock()
	c.subs[topic] = sub
	c.mu.Unlock()
	c.hub.addSub(topic, c, sub)
}

func (c *wsConn) drainPendingLocked(sub *subscription) {
	for _, p := range sub.pending {
		c.queued -= len(p.frame) // counted while pending; enqueueLocked counts it again
		c.hub.stats.queueBytes.Add(-int64(len(p.frame)))
		if p.offset > sub.last {
			c.enqueueLocked(p.frame)
			sub.last = p.offset
		}
	}
	sub.pending, sub.catchingUp = nil, false
}

// readHead reads the topic's head and snapshot in one read transaction,
// so that the snapshot is the state as of exactly that offset.
func (c *wsConn) readHead(topic string) (TopicHead, any, error) {
	kindName, id, _ := parseTopic(topic)
	kind := c.hub.kinds[kindName]
	ctx := context.Background()
	tx, err := c.hub.store.BeginRead(ctx)
	if err != nil {
		return TopicHead{}, nil, err
	}
	defer tx.Rollback()
	head, err := topicHead(ctx, tx, topic)
	if err != nil {
		return head, nil, err
	}
	var snapshot any
	if kind.snapshot != nil {
		if snapshot, err = kind.snapshot(ctx, tx, id); err != nil {
			return head, nil, err
		}
	}
	return head, snapshot, nil
}

// catchUp loads what a resuming subscriber missed after offset `from`. It
// reports recovered only when it has every message from from+1 on (or
// there is nothing to send) in the same epoch.
func (c *wsConn) catchUp(topic string, from, epoch int64, head TopicHead) (bool, []Message, error) {
	sameHistory := from == 0 || epoch == head.Epoch
	switch {
	case !sameHistory || from > head.Last:
		return false, nil, nil
	case from == head.Last:
		return true, nil, nil
	case head.Oldest == 0 || head.Oldest > from+1 || head.Last-from > int64(c.hub.cfg.MaxReplay):
		return false, nil, nil // pruned, or too much to replay
	}
	msgs, err := c.hub.store.MessagesAfter(context.Background(), topic, from, c.hub.cfg.MaxReplay)
	if err != nil {
		return false, nil, err
	}
	if len(msgs) == 0 || msgs[0].Offset != from+1 {
		return false, nil, nil // pruned between the head and this read
	}
	return true, msgs, nil
}

func (c *wsConn) unsubscribe(f clientFrame) {
	c.mu.Lock()
	sub := c.subs[f.Topic]
	c.mu.Unlock()
	if sub == nil {
		c.sendError(f.ID, f.Topic, newFrameError("not_subscribed", "this socket does not follow "+strconv.Quote(f.Topic)))
		return
	}
	c.dropSub(f.Topic, sub)
	c.send(serverFrame{Op: opAck, ID: f.ID, Topic: f.Topic}.encode())
}

func (c *wsConn) dropSub(topic string, sub *subscription) {
	c.hub.removeSub(topic, c)
	c.mu.Lock()
	if c.subs[topic] == sub {
		delete(c.subs, topic)
	}
	c.mu.Unlock()
}

// publish appends a client's message to a topic it may write, and answers
// ack with the offset once it has committed. A retried id is acknowledged
// again with the first offset and duplicate:true, and not appended twice.
func (c *wsConn) publish(f clientFrame) {
	c.mu.Lock()
	sub := c.subs[f.Topic]
	c.mu.Unlock()
	a := accessNone
	if sub != nil {
		a = sub.access
	} else {
		var ferr *frameError
		if a, ferr = c.authorize(f.Topic, ""); ferr != nil {
			c.sendError(f.ID, f.Topic, ferr)
			return
		}
	}
	if a < accessWrite || c.p == nil {
		c.sendError(f.ID, f.Topic, newFrameError("forbidden", "you may not publish to "+f.Topic))
		return
	}
	if !jsonObject(f.Data) {
		c.sendError(f.ID, f.Topic, newFrameError("invalid_data", `"data" must be a JSON object`))
		return
	}
	kindName, id, _ := parseTopic(f.Topic)
	if hook := c.hub.kinds[kindName].publish; hook != nil {
		if err := hook(context.Background(), c.p, id, f.Data, clientIDKey(f.ID)); err != nil {
			c.sendError(f.ID, f.Topic, c.frameErrorFrom(err))
			return
		}
		c.send(serverFrame{Op: opAck, ID: f.ID, Topic: f.Topic}.encode())
		return
	}
	var msg Message
	var dup bool
	err := c.hub.store.Write(context.Background(), func(tx *Tx) error {
		var err error
		msg, dup, err = c.hub.store.AppendMessage(tx, f.Topic, f.Data, c.p.User.ID, clientIDKey(f.ID))
		return err
	})
	if err != nil {
		c.sendError(f.ID, f.Topic, c.frameErrorFrom(err))
		return
	}
	c.send(serverFrame{Op: opAck, ID: f.ID, Topic: f.Topic, Offset: &msg.Offset, Epoch: &msg.Epoch, Duplicate: dup}.encode())
}

// frameErrorFrom shows an error from a write to the client: the code and
// message of a frameError or apiError as they are, a missing object as
// forbidden (as subscribing to it would say), anything else as
// "unavailable", logged.
func (c *wsConn) frameErrorFrom(err error) *frameError {
	var fe *frameError
	var ae *apiError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &ae):
		return newFrameError(ae.Code.String(), ae.Message)
	case errors.Is(err, errNotFound):
		return newFrameError("forbidden", "there is no such thing you may change")
	}
	if !isCloseOrCanceled(err) {
		c.hub.log.Error("socket write failed", "err", err)
	}
	return newFrameError("unavailable", "the message was not saved; send it again")
}

// clientIDKey is the idempotency key for a request id: the string itself,
// or a number's literal text.
func clientIDKey(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return "#" + strings.TrimSpace(string(raw)) // numbers never collide with strings
}

func (c *wsConn) sendError(id json.RawMessage, topic string, e *frameError) {
	c.send(errorFrame(id, topic, e))
}

// deliver hands a live message to one subscription, called by the fan-out
// goroutine with the message already framed. While the subscription
// catches up the message waits in pending; afterwards, unless already
// sent, it goes to pushLocked. key is the message's conflation key when
// the subscription takes the latest state in place of every intermediate
// one (game spectators), else "". flush is the fan-out's list of sockets
// to write once its batch of messages is queued, or nil for a lone
// message, written to an idle socket at once.
func (c *wsConn) deliver(sub *subscription, offset int64, framed []byte, key string, flush *[]*wsConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if sub.catchingUp {
		sub.pending = append(sub.pending, pendingMsg{offset, framed})
		c.queued += len(framed) // pending frames count against the bound too
		c.hub.stats.queueBytes.Add(int64(len(framed)))
		if c.queued > c.hub.cfg.MaxQueueBytes {
			c.tooSlowLocked()
		}
		return
	}
	if offset <= sub.last {
		return
	}
	sub.last = offset
	c.pushLocked(framed, key, flush)
}

// send queues one JSON frame.
func (c *wsConn) send(payload []byte) {
	c.sendFramed(wsTextFrame(payload))
}

// sendFramed queues one frame already made by wsTextFrame.
func (c *wsConn) sendFramed(framed []byte) {
	c.mu.Lock()
	c.pushLocked(framed, "", nil)
	c.mu.Unlock()
}

// sendLocked queues one JSON frame; c.mu is held.
func (c *wsConn) sendLocked(payload []byte) {
	c.pushLocked(wsTextFrame(payload), "", nil)
}

// enqueueLocked sends a framed message in its turn.
func (c *wsConn) enqueueLocked(framed []byte) { c.pushLocked(framed, "", nil) }

// pushLocked sends a framed message in its turn. The common case, an idle
// socket with room in its kernel buffer, is written right here, without
// blocking: no queue, no goroutine. Otherwise the frame is queued, for the
// fan-out to write once its batch is queued (flush), or for the socket's
// writer goroutine, which runs only while the kernel will not take more.
//
// A frame with a conflation key replaces a queued frame with the same key
// in place while the socket is behind (its writer waits on a full kernel
// buffer): a spectator who has fallen behind gets a game's latest state,
// not every state in between. One who keeps up gets every state. A socket whose queue outgrows MaxQueueBytes
// is closed as too slow: publishing never waits on a socket.
func (c *wsConn) pushLocked(framed []byte, key string, flush *[]*wsConn) {
	if c.closed || c.closeReason != "" {
		return
	}
	if key != "" && c.writing { // behind: the kernel would not take more
		if i, ok := c.conflIdx[key]; ok {
			c.queued += len(framed) - len(c.queue[i])
			c.hub.stats.queueBytes.Add(int64(len(framed) - len(c.queue[i])))
			c.queue[i] = framed
			c.hub.stats.conflated.Add(1)
			return
		}
	}
	if flush == nil && !c.writing && !c.flushing && len(c.queue) == 0 {
		n, ok := c.net.tryWrite(framed)
		if ok {
			c.hub.stats.framesOut.Add(1)
			return
		}
		if n > 0 {
			// Part of the frame is on the wire: the rest must follow
			// before anything else, so it is queued whatever the bound.
			c.appendLocked(framed[n:], "")
			c.startWriterLocked()
			return
		}
	}
	if c.queued+len(framed) > c.hub.cfg.MaxQueueBytes {
		c.tooSlowLocked()
		return
	}
	c.appendLocked(framed, key)
	switch {
	case c.writing:
	case flush != nil:
		if !c.flushing {
			c.flushing = true
			*flush = append(*flush, c)
		}
	default:
		c.startWriterLocked()
	}
}

func (c *wsConn) appendLocked(framed []byte, key string) {
	if key != "" {
		if c.conflIdx == nil {
			c.conflIdx = map[string]int{}
		}
		c.conflIdx[key] = len(c.queue)
	}
	c.queue = append(c.queue, framed)
	c.keys = append(c.keys, key)
	c.queued += len(framed)
	c.hub.stats.queueBytes.Add(int64(len(framed)))
}

// takeQueueLocked hands over everything queued.
func (c *wsConn) takeQueueLocked() ([][]byte, int) {
	batch, n := c.queue, c.queued
	c.queue, c.keys, c.queued, c.conflIdx = nil, nil, 0, nil
	return batch, n
}

// flush writes what the fan-out queued for this socket during its batch,
// in one system call if the kernel takes it all at once; the rest goes to
// the socket's writer goroutine. scratch is the fan-out's buffer, returned
// for reuse.
func (c *wsConn) flush(scratch []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushing = false
	if c.writing || c.closed || c.closeReason != "" || len(c.queue) == 0 {
		return scratch
	}
	n, scratch := c.net.tryWriteFrames(c.queue, scratch)
	if n == 0 {
		c.startWriterLocked()
		return scratch
	}
	written, i := n, 0
	for i < len(c.queue) && n >= len(c.queue[i]) {
		n -= len(c.queue[i])
		i++
	}
	c.hub.stats.framesOut.Add(int64(i))
	c.queued -= written
	c.hub.stats.queueBytes.Add(-int64(written))
	if i == len(c.queue) {
		c.queue, c.keys, c.conflIdx = c.queue[:0], c.keys[:0], nil
		return scratch
	}
	c.queue, c.keys = c.queue[i:], c.keys[i:]
	if n > 0 { // the first frame left went out in part: only its rest remains, and stays
		c.queue[0], c.keys[0] = c.queue[0][n:], ""
	}
	c.conflIdx = nil
	for j, k := range c.keys {
		if k != "" {
			if c.conflIdx == nil {
				c.conflIdx = map[string]int{}
			}
			c.conflIdx[k] = j
		}
	}
	c.startWriterLocked()
	return scratch
}

// closeWait is how much longer than WriteTimeout a socket already closed
// as too slow may stay stuck in a write: if the client reads again within
// it, the write ends and the 4008 close frame follows, so the client knows
// to resume. Defaults to 5s, the wait the WebSocket library gives a close
// frame.
const closeWait = 5 * time.Second

func (c *wsConn) tooSlowLocked() {
	c.hub.stats.slowClosed.Add(1)
	c.slowClose.Store(true)
	c.closeNowLocked(closeTooSlow, "too slow to keep up; reconnect and resume from your last offset")
}

// writeLoop runs while the kernel will not take a socket's frames at once:
// it writes everything queued, in chunks of one writev each, and exits
// when the queue is empty. No deadline is set per write: the hub's tick
// closes a socket stuck in one write longer than WriteTimeout. When a
// close is pending it writes the close frame last (after the queue for
// closeAfterFlush, after the chunk in flight for closeNow), so the client
// reads why it was closed.
func (c *wsConn) writeLoop() {
	for {
		c.mu.Lock()
		batch, bytes := c.takeQueueLocked()
		if len(batch) == 0 || c.abort.Load() {
			c.writing = false
			code, reason := c.closeCode, c.closeReason
			if reason != "" {
				c.closed = true
			}
			c.mu.Unlock()
			c.hub.stats.queueBytes.Add(-int64(bytes))
			if reason != "" {
				if c.net.abandonPartial() {
					c.ws.CloseNow() // a frame was cut short: no close frame can follow it
				} else {
					c.ws.Close(code, reason)
				}
			}
			return
		}
		c.mu.Unlock()
		c.hub.stats.queueBytes.Add(-int64(bytes))

		if err := c.net.writeFrames(batch); err != nil {
			c.mu.Lock()
			c.closed, c.writing = true, false
			c.hub.stats.queueBytes.Add(-int64(c.queued))
			c.takeQueueLocked()
			c.mu.Unlock()
			c.ws.CloseNow()
			return
		}
		c.hub.stats.framesOut.Add(int64(len(batch)))
	}
}

// closeAfterFlush closes the socket with code once what is queued has
// been written (used at shutdown).
func (c *wsConn) closeAfterFlush(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeReason != "" {
		return
	}
	c.closeCode, c.closeReason = code, reason
	c.startWriterLocked()
}

// goAway closes the socket at shutdown. An idle socket (the usual case)
// takes frame, a close frame made once by wsCloseFrame for every socket,
// straight onto the wire here, and its connection is closed at once: no
// goroutine and no wait for the client's answering close frame. RFC 6455
// lets the server close first, the client still reads 1001 and why, and
// thousands of sockets close in one pass instead of each waiting for a
// round trip of its own. A socket with frames queued or a write under way
// closes from its writer once they are out, within the hub's CloseGrace.
func (c *wsConn) goAway(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeReason != "" {
		return
	}
	if !c.writing && len(c.queue) == 0 {
		// An idle socket's kernel buffer is empty, so the few bytes go out
		// whole; if some did not, nothing can follow them anyway.
		if n, ok := c.net.tryWrite(frame); ok || n > 0 {
			c.closed = true
			c.net.Close()
			return
		}
	}
	c.closeCode, c.closeReason = websocket.StatusGoingAway, "server shutting down; reconnect and resume"
	c.startWriterLocked()
}

// closeNow drops what is queued and closes the socket with code as soon
// as the frame being written, if any, is out.
func (c *wsConn) closeNow(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeNowLocked(code, reason)
}

func (c *wsConn) closeNowLocked(code websocket.StatusCode, reason string) {
	if c.closed || c.abort.Load() {
		return
	}
	c.closeCode, c.closeReason = code, reason
	c.abort.Store(true)
	c.hub.stats.queueBytes.Add(-int64(c.queued))
	c.takeQueueLocked()
	for _, sub := range c.subs {
		sub.pending = nil
	}
	c.startWriterLocked()
}

func (c *wsConn) startWriterLocked() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// ping checks the peer is alive; one that does not answer in PongTimeout
// is dropped. It runs on its own goroutine only while a ping is out.
func (c *wsConn) ping() {
	if c.ws == nil || !c.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.pinging.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), c.hub.cfg.PongTimeout)
		defer cancel()
		written := c.net.written.Load()
		if err := c.ws.Ping(ctx); err != nil {
			if c.net.written.Load() != written || !c.net.stuckSince().IsZero() {
				// The ping is behind data the peer has yet to read, and it
				// has been taking data meanwhile: it is slow, not dead. The
				// hub's tick closes it if one write makes no progress for
				// WriteTimeout.
				return
			}
			c.ws.CloseNow() // dead peer, or already closed
		}
	}()
}
