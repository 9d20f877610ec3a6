package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

	mu          sync.Mutex
	queue       [][]byte
	queued      int  // bytes in queue
	headCut     bool // queue[0] is the rest of a frame tryWrite half wrote: it must go out before anything else
	closeQueued bool // goAway put the close frame itself in the queue (or on the wire): the writer sends no other
	writing     bool
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
			if !errors.As(err, &ae) || ae.Code != "unauthorized" || mode == modeFitness {
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
				c.subscribe(clientFrame{Op: opSub, Topic: userTopic(p.User.ID)})
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
		switch c.mode {
		case modeMux:
			c.handleFrame(data)
		case modeFitness:
			c.handleFitnessFrame(data)
		case modeSports:
			c.handleSportsFrame(data)
		}
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
	sub := &subscription{topic: f.Topic, access: a, catchingUp: true}
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
	sub := &subscription{topic: topic, access: accessRead, raw: true}
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
	tx, err := c.hub.store.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
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
		return newFrameError(ae.Code, ae.Message)
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
// sent, it is written at once (direct, and the socket is idle and takes
// it) or queued for the socket's writer.
func (c *wsConn) deliver(sub *subscription, offset int64, framed []byte, direct bool) {
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
	// The common case, an idle socket with room in its kernel buffer, is
	// written right here: no queue, no goroutine, no deadline.
	if direct && !c.writing && c.closeReason == "" {
		n, ok := c.net.tryWrite(framed)
		if ok {
			c.hub.stats.framesOut.Add(1)
			return
		}
		if n > 0 {
			// Half a frame is on the wire: the rest must follow before
			// anything else, so it is queued whatever the bound.
			c.queue = append(c.queue, framed[n:])
			c.headCut = len(c.queue) == 1
			c.queued += len(framed) - n
			c.hub.stats.queueBytes.Add(int64(len(framed) - n))
			c.startWriterLocked()
			return
		}
	}
	c.enqueueLocked(framed)
}

// send queues one JSON frame.
func (c *wsConn) send(payload []byte) {
	c.sendFramed(wsTextFrame(payload))
}

// sendFramed queues one frame already made by wsTextFrame.
func (c *wsConn) sendFramed(framed []byte) {
	c.mu.Lock()
	c.enqueueLocked(framed)
	c.mu.Unlock()
}

// sendLocked queues one JSON frame; c.mu is held.
func (c *wsConn) sendLocked(payload []byte) {
	c.enqueueLocked(wsTextFrame(payload))
}

// enqueueLocked queues a framed message and makes sure a writer runs. A
// socket whose queue outgrows MaxQueueBytes is closed as too slow instead:
// publishing never waits on a socket.
func (c *wsConn) enqueueLocked(framed []byte) {
	if c.closed || c.closeReason != "" {
		return
	}
	if c.queued+len(framed) > c.hub.cfg.MaxQueueBytes {
		c.tooSlowLocked()
		return
	}
	c.queue = append(c.queue, framed)
	c.queued += len(framed)
	c.hub.stats.queueBytes.Add(int64(len(framed)))
	c.startWriterLocked()
}

func (c *wsConn) tooSlowLocked() {
	c.hub.stats.slowClosed.Add(1)
	c.closeNowLocked(closeTooSlow, "too slow to keep up; reconnect and resume from your last offset")
}

// writeLoop writes everything queued, each batch in one system call under
// one deadline, and exits when the queue is empty. When a close is pending
// it writes the close frame last (after the queue for closeAfterFlush,
// after the batch in flight for closeNow), so the client reads why it was
// closed.
func (c *wsConn) writeLoop() {
	for {
		c.mu.Lock()
		batch, bytes, headCut := c.queue, c.queued, c.headCut
		c.queue, c.queued, c.headCut = nil, 0, false
		if len(batch) == 0 || c.abort.Load() {
			c.writing = false
			code, reason := c.closeCode, c.closeReason
			if reason != "" {
				c.closed = true
			}
			c.mu.Unlock()
			c.hub.stats.queueBytes.Add(-int64(bytes))
			if reason != "" && c.closeQueued {
				c.net.Close() // the close frame went out with the queue (see goAway)
				return
			}
			if reason != "" {
				// closeNow keeps only the rest of a half-written frame
				// (headCut): finish it, so the close frame can follow.
				if headCut && len(batch) > 0 {
					if _, err := c.net.writeFramesN(batch[:1], closeWait); err != nil {
						c.ws.CloseNow()
						return
					}
				}
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

		if n, err := c.net.writeFramesN(batch, c.hub.cfg.WriteTimeout); err != nil {
			c.mu.Lock()
			c.closed, c.writing = true, false
			c.hub.stats.queueBytes.Add(-int64(c.queued))
			c.queue, c.queued = nil, 0
			code, reason := c.closeCode, c.closeReason
			c.mu.Unlock()
			// A socket already being closed as too slow (4008) whose
			// batch timed out still gets its close frame, so the client
			// knows to resume: the frame the write stopped in is finished
			// and the close frame sent, each within a bounded wait
			// (closeWait, then the library's 5 s). A dead peer, or a
			// stall with nothing decided, is cut at once as before.
			// (While a frame is cut, writeFramesN keeps the stream marked
			// partial, so that no ping slips into the middle of it.)
			if reason != "" && c.abort.Load() && isTimeout(err) {
				rest := cutFrameRest(batch, n, headCut)
				if rest == nil || func() error { _, err := c.net.writeFramesN([][]byte{rest}, closeWait); return err }() == nil {
					c.ws.Close(code, reason)
					return
				}
			}
			c.net.abandonPartial() // frees any library write waiting for the cut frame
			c.ws.CloseNow()
			return
		}
		c.hub.stats.framesOut.Add(int64(len(batch)))
	}
}

// closeWait bounds how long a socket being closed gets to take the rest of
// a frame it was cut off in, before its close frame. Defaults to 5s, the
// wait the WebSocket library gives the close frame itself.
const closeWait = 5 * time.Second

// cutFrameRest is what remains unwritten of the frame that a write of
// batch stopped in after n bytes, or nil when it stopped between frames.
// headCut says batch[0] is itself the rest of a frame, so stopping before
// it still leaves a frame unfinished.
func cutFrameRest(batch [][]byte, n int64, headCut bool) []byte {
	for i, f := range batch {
		if n < int64(len(f)) {
			if n == 0 && !(i == 0 && headCut) {
				return nil
			}
			return f[n:]
		}
		n -= int64(len(f))
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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

// goAway closes the socket at shutdown: frame, a close frame made once by
// wsCloseFrame for every socket, goes after what is queued, and the
// connection is closed right after it. An idle socket (the usual case)
// takes the frame straight onto the wire here, with no goroutine and no
// wait for the client's answering close frame: RFC 6455 lets the server
// close the connection first, the client still reads 1001 and why, and
// thousands of sockets close in one pass instead of each waiting for a
// round trip and a wakeup of its own. A socket with frames queued closes
// from its writer once they are out, within the hub's CloseGrace.
func (c *wsConn) goAway(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeReason != "" {
		return
	}
	c.closeCode, c.closeReason, c.closeQueued = websocket.StatusGoingAway, "server shutting down", true
	if !c.writing && len(c.queue) == 0 {
		n, ok := c.net.tryWrite(frame)
		if ok {
			c.closed = true
			c.net.Close()
			return
		}
		if n > 0 {
			frame = frame[n:]
			c.headCut = true
		}
	}
	c.queue = append(c.queue, frame)
	c.queued += len(frame)
	c.hub.stats.queueBytes.Add(int64(len(frame)))
	c.startWriterLocked()
}

// wsCloseFrame is a server's close frame (unmasked) with code and a
// reason of at most 123 bytes.
func wsCloseFrame(code websocket.StatusCode, reason string) []byte {
	payload := append([]byte{byte(code >> 8), byte(code)}, reason[:min(len(reason), 123)]...)
	return append([]byte{0x88, byte(len(payload))}, payload...)
}

// closeNow drops what is queued and closes the socket with code as soon
// as the frame being written, if any, is out.
func (c *wsConn) closeNow(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeNowLocked(code, reason)
}

func (c *wsConn) closeNowLocked(code websocket.StatusCode, reason string) {
	if c.closed || c.abort.Load() || c.closeQueued {
		return // already closing; a shutdown's close frame is queued and its grace bounds the rest
	}
	c.closeCode, c.closeReason = code, reason
	c.abort.Store(true)
	c.hub.stats.queueBytes.Add(-int64(c.queued))
	// Everything queued is dropped but the rest of a frame already half on
	// the wire: without it no close frame could follow.
	if c.headCut && len(c.queue) > 0 {
		c.queue = c.queue[:1]
		c.queued = len(c.queue[0])
		c.hub.stats.queueBytes.Add(int64(c.queued))
	} else {
		c.queue, c.queued = nil, 0
	}
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
		if err := c.ws.Ping(ctx); err != nil {
			c.ws.CloseNow() // dead peer, or already closed
		}
	}()
}

// frameConn is the network connection under a server socket. The hub
// writes its already-framed messages here directly: one frame at a time,
// without blocking, from the fan-out (tryWrite), or a whole batch in one
// writev from the socket's writer (writeFrames). The WebSocket library
// writes only control frames (pings, pongs, close), each as one Write.
// mu keeps these from interleaving; partial marks a frame tryWrite could
// only half write, whose rest the writer must send before anyone else
// writes.
type frameConn struct {
	net.Conn
	raw    syscall.RawConn
	prefix []byte // bytes the HTTP server had read past the handshake

	mu      sync.Mutex
	partial bool
	broken  bool       // a partial frame was abandoned; the stream is unusable
	done    *sync.Cond // made on first use: signals that partial has cleared
}

func (c *frameConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// Write is the library's path: one complete control frame per call.
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.partial {
		c.waitPartialLocked()
	}
	if c.broken {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

// abandonPartial gives up on the rest of a partly written frame, when the
// socket is being closed without sending it. It reports whether there was
// one; the library's writes then fail instead of waiting for it.
func (c *frameConn) abandonPartial() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.partial {
		return false
	}
	c.partial, c.broken = false, true
	if c.done != nil {
		c.done.Broadcast()
	}
	return true
}

func (c *frameConn) waitPartialLocked() {
	if c.done == nil {
		c.done = sync.NewCond(&c.mu)
	}
	c.done.Wait()
}

// tryWrite writes frame if the socket takes it at once, and never blocks.
// It reports how much it wrote and whether that was all; after a partial
// write the caller must queue the rest for writeFrames.
func (c *frameConn) tryWrite(frame []byte) (int, bool) {
	if c.raw == nil || !c.mu.TryLock() {
		return 0, false
	}
	defer c.mu.Unlock()
	if c.partial {
		return 0, false
	}
	var n int
	err := c.raw.Write(func(fd uintptr) bool {
		n, _ = syscall.Write(int(fd), frame)
		return true // never wait for the socket to drain
	})
	if err != nil || n <= 0 {
		return 0, false
	}
	if n < len(frame) {
		c.partial = true
		return n, false
	}
	return n, true
}

// writeFrames writes complete frames (after the rest of a partial one, if
// any) in one system call, within timeout.
func (c *frameConn) writeFrames(frames [][]byte, timeout time.Duration) error {
	_, err := c.writeFramesN(frames, timeout)
	return err
}

// writeFramesN is writeFrames, also reporting how many bytes went out, so
// that a write cut short can tell where in which frame it stopped.
func (c *frameConn) writeFramesN(frames [][]byte, timeout time.Duration) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Conn.SetWriteDeadline(time.Now().Add(timeout))
	// WriteTo consumes the slice it is given, element by element: it gets
	// a copy, so that frames still says where each frame began.
	bufs := append(make(net.Buffers, 0, len(frames)), frames...)
	n, err := bufs.WriteTo(c.Conn)
	c.Conn.SetWriteDeadline(time.Time{}) // the library's writes have their own timeouts
	if err != nil && cutFrameRest(frames, n, c.partial) != nil {
		// The write stopped inside a frame: the stream stays partial, and
		// the library's writes wait, until the caller finishes that frame
		// or abandons it.
		c.partial = true
		return n, err
	}
	if c.partial {
		c.partial = false
		if c.done != nil { // someone is waiting
			c.done.Broadcast()
		}
	}
	return n, err
}

// framingWriter hands the WebSocket library a frameConn, with small
// buffers, when it hijacks the connection. The HTTP server's own 4 KiB
// read and write buffers would otherwise stay with every idle socket.
type framingWriter struct {
	http.ResponseWriter
	conn *frameConn
}

func (w *framingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *framingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	fc := &frameConn{Conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		fc.raw, _ = sc.SyscallConn()
	}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		fc.prefix = bytes.Clone(b)
	}
	w.conn = fc
	// Client frames are small; a larger one is read straight past the
	// buffer. The library only writes control frames (at most 139 bytes),
	// and the write buffer must hold a whole one so that it reaches
	// frameConn in a single Write.
	return fc, bufio.NewReadWriter(bufio.NewReaderSize(fc, 256), bufio.NewWriterSize(fc, 256)), nil
}
