package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// hubConfig holds the hub's limits. Zero fields take the defaults below.
type hubConfig struct {
	MaxConns        int           // sockets open at once. Defaults to 50,000.
	MaxConnsPerUser int           // sockets one signed-in user may hold. Defaults to 64.
	MaxConnsPerAddr int           // anonymous sockets one client address may hold. Defaults to 256.
	MaxSubsPerConn  int           // topics one socket may follow. Defaults to 100.
	MaxQueueBytes   int           // bytes waiting to be written to one socket before it is closed as too slow. Defaults to 1 MiB.
	ReadLimit       int64         // largest frame a client may send. Defaults to 64 KiB.
	WriteTimeout    time.Duration // a socket stuck this long in one write is closed (checked each second). Defaults to 10s.
	PingInterval    time.Duration // each socket is pinged this often. Defaults to 30s.
	PongTimeout     time.Duration // a ping unanswered for this long drops the socket. Defaults to 20s.
	MsgRate         rate.Limit    // client frames per second per socket. Defaults to 100.
	MsgBurst        int           // burst above MsgRate. Defaults to 200.
	MaxReplay       int           // most messages a resume replays; more gets a snapshot. Defaults to 5,000.
	PruneInterval   time.Duration // how often history beyond retention is deleted. Defaults to 10m.
	CloseGrace      time.Duration // at shutdown, how long sockets get to flush and finish the close handshake before they are cut. Defaults to 1s.
	Retention       map[string]Retention
	OriginPatterns  []string // extra origins allowed to open sockets (the request's own host always is)
}

func (c *hubConfig) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxConns, 50_000)
	def(&c.MaxConnsPerUser, 64)
	def(&c.MaxConnsPerAddr, DefaultWSMaxPerAddr)
	def(&c.MaxSubsPerConn, 100)
	def(&c.MaxQueueBytes, 1<<20)
	def(&c.MsgBurst, 200)
	def(&c.MaxReplay, 5000)
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 20 * time.Second
	}
	if c.CloseGrace <= 0 {
		c.CloseGrace = time.Second
	}
	if c.PruneInterval <= 0 {
		c.PruneInterval = 10 * time.Minute
	}
	if c.MsgRate <= 0 {
		c.MsgRate = 100
	}
}

// hubStats are the hub's counters, read by /metrics and the load tool.
type hubStats struct {
	conns, subs             atomic.Int64
	framesIn, framesOut     atomic.Int64
	slowClosed, queueBytes  atomic.Int64
	recovered, notRecovered atomic.Int64
	published               atomic.Int64
	conflated               atomic.Int64 // queued game states replaced by a later one
}

// hub routes committed topic messages to the sockets that follow them.
//
// The store hands it each message after commit, in offset order
// (publish), and the hub frames it once. Fan-out runs on one goroutine per
// CPU, each serving a fixed share of the sockets, in message order. A
// fan-out goroutine writes the frame straight to an idle socket when the
// kernel takes it at once, and otherwise queues it for that socket's
// writer, started when frames are queued and gone when its queue is empty:
// fan-out never waits on a socket, and an idle socket costs no goroutine
// beyond its reader.
type hub struct {
	cfg   hubConfig
	store *Store
	log   *slog.Logger
	kinds map[string]*topicKind
	stats hubStats

	mu             sync.RWMutex
	topics         map[string]map[*wsConn]*subscription
	conns          map[*wsConn]struct{}
	perUser        map[int64]int
	perAddr        map[string]int // anonymous sockets per client address
	presenceDirty  map[string]struct{}
	closing        bool
	nextConnID     uint64
	sportsHandler  sportsHandler  // set by the games feature; nil refuses every update
	connsWG        sync.WaitGroup // one per open socket, done when its handler returns
	loopsWG        sync.WaitGroup
	shards         []*fanoutShard
	stop           chan struct{}
	stopOnce       sync.Once
	fanoutFinished sync.WaitGroup
}

// fanoutShard is one fan-out goroutine's inbox. Shard i serves the sockets
// whose id modulo len(shards) is i, so each socket hears every message from
// the same goroutine, in order.
type fanoutShard struct {
	mu     sync.Mutex
	outbox []*outMsg
	wake   chan struct{}

	// Used by the shard's goroutine only.
	flush   []*wsConn // sockets with frames queued during this batch
	scratch []byte    // the buffer their frames are written from
}

// outMsg is a committed message framed once for every subscriber.
type outMsg struct {
	Message
	key     string    // conflation key: one game's states replace each other in a behind spectator's queue
	frame   []byte    // the msg envelope, framed
	rawOnce sync.Once // the bare data, framed, for seed-path subscribers
	raw     []byte
}

func (m *outMsg) rawFrame() []byte {
	m.rawOnce.Do(func() { m.raw = wsTextFrame(m.Data) })
	return m.raw
}

func newHub(cfg hubConfig, store *Store, log *slog.Logger) *hub {
	cfg.setDefaults()
	h := &hub{
		cfg:           cfg,
		store:         store,
		log:           log,
		kinds:         map[string]*topicKind{},
		topics:        map[string]map[*wsConn]*subscription{},
		conns:         map[*wsConn]struct{}{},
		perUser:       map[int64]int{},
		perAddr:       map[string]int{},
		presenceDirty: map[string]struct{}{},
		stop:          make(chan struct{}),
	}
	store.SetPublisher(h.publish)
	for range runtime.GOMAXPROCS(0) {
		sh := &fanoutShard{wake: make(chan struct{}, 1)}
		h.shards = append(h.shards, sh)
		h.fanoutFinished.Add(1)
		go h.fanoutLoop(len(h.shards)-1, sh)
	}
	h.loopsWG.Add(2)
	go h.tickLoop()
	go h.pruneLoop()
	return h
}

// pruneLoop deletes, every PruneInterval, the history each topic kind no
// longer keeps.
func (h *hub) pruneLoop() {
	defer h.loopsWG.Done()
	t := time.NewTicker(h.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.prune(context.Background())
		}
	}
}

// prune applies retention to every kind of topic once.
func (h *hub) prune(ctx context.Context) {
	for kind := range h.kinds {
		n, err := h.store.PruneTopics(ctx, kind, h.retention(kind))
		if err != nil {
			if !errors.Is(err, errClosed) {
				h.log.Error("prune topic history", "kind", kind, "err", err)
			}
			return
		}
		if n > 0 {
			h.log.Debug("pruned topic history", "kind", kind, "messages", n)
		}
	}
}

// retention is the history kept for a kind of topic: -retention's value,
// else the kind's default.
func (h *hub) retention(kind string) Retention {
	if r, ok := h.cfg.Retention[kind]; ok {
		return r
	}
	if k := h.kinds[kind]; k != nil {
		return k.retention
	}
	return Retention{MaxAge: defaultRetentionAge, MaxCount: defaultRetentionCount}
}

// publish takes a committed message from the store's writer. It frames
// the message and hands it to every fan-out shard; it never waits for
// fan-out, so the writer is not held up by it.
func (h *hub) publish(m Message) {
	h.stats.published.Add(1)
	om := &outMsg{Message: m, frame: wsTextFrame(encodeMsgFrame(m)), key: conflationKey(m)}
	for _, sh := range h.shards {
		sh.mu.Lock()
		sh.outbox = append(sh.outbox, om)
		sh.mu.Unlock()
		select {
		case sh.wake <- struct{}{}:
		default:
		}
	}
}

func (h *hub) fanoutLoop(shard int, sh *fanoutShard) {
	defer h.fanoutFinished.Done()
	for {
		select {
		case <-sh.wake:
		case <-h.stop:
			h.fanoutPending(shard, sh) // what committed before shutdown still goes out
			return
		}
		h.fanoutPending(shard, sh)
	}
}

func (h *hub) fanoutPending(shard int, sh *fanoutShard) {
	sh.mu.Lock()
	batch := sh.outbox
	sh.outbox = nil
	sh.mu.Unlock()
	n := uint64(len(h.shards))
	// A lone message is written straight to idle sockets. When messages
	// have piled up, they are queued first and each socket's share is then
	// written in one system call: under load, batching beats writing each
	// frame as it comes. Both happen here, without blocking; a socket's
	// writer goroutine starts only when its kernel buffer is full.
	var flush *[]*wsConn
	if len(batch) > 1 {
		flush = &sh.flush
	}
	for _, m := range batch {
		h.mu.RLock()
		for c, sub := range h.topics[m.Topic] {
			if c.id%n != uint64(shard) {
				continue
			}
			key := ""
			if sub.conflate {
				key = m.key
			}
			if sub.raw {
				c.deliver(sub, m.Offset, m.rawFrame(), key, flush)
			} else {
				c.deliver(sub, m.Offset, m.frame, key, flush)
			}
		}
		h.mu.RUnlock()
	}
	for i, c := range sh.flush {
		sh.scratch = c.flush(sh.scratch)
		sh.flush[i] = nil
	}
	sh.flush = sh.flush[:0]
	if cap(sh.scratch) > 1<<20 {
		sh.scratch = nil // a burst's buffer is not kept
	}
}

// conflationKey says which of a topic's messages supersede each other for
// a spectator who has fallen behind: every update of one game (each
// carries the game's whole state), on its own topic or on the games feed.
func conflationKey(m Message) string {
	kind, _, _ := parseTopic(m.Topic)
	switch {
	case kind == "game":
		return m.Topic
	case m.Topic == gamesTopic:
		if id, ok := jsonStringField(m.Data, `"game":"`); ok {
			return "games/" + id
		}
	}
	return ""
}

// jsonStringField finds key (such as `"game":"`) in b and returns the
// string after it, which must hold no escapes.
func jsonStringField(b []byte, key string) (string, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return "", false
	}
	b = b[i+len(key):]
	end := bytes.IndexByte(b, '"')
	if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
		return "", false
	}
	return string(b[:end]), true
}

// tickLoop is the hub's one shared timer: each second it sends the
// presence counts that changed, and pings the slice of sockets whose turn
// it is, so that pings are spread evenly over PingInterval.
func (h *hub) tickLoop() {
	defer h.loopsWG.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	slots := uint64(h.cfg.PingInterval / time.Second)
	if slots == 0 {
		slots = 1
	}
	for tick := uint64(0); ; tick++ {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		h.flushPresence()
		var due, stuck []*wsConn
		now := time.Now()
		h.mu.RLock()
		for c := range h.conns {
			if c.id%slots == tick%slots {
				due = append(due, c)
			}
			limit := h.cfg.WriteTimeout
			if c.slowClose.Load() {
				limit += closeWait
			}
			if since := c.net.stuckSince(); !since.IsZero() && now.Sub(since) > limit {
				stuck = append(stuck, c)
			}
		}
		h.mu.RUnlock()
		for _, c := range due {
			c.ping()
		}
		for _, c := range stuck {
			c.ws.CloseNow() // its write fails, and the writer lets the socket go
		}
	}
}

// flushPresence sends {"op":"presence"} to every topic whose subscriber
// count changed since the last tick: at most once a second per topic. It
// says how many follow the topic and how many of them may only read (a
// live session's spectators, as against its owner's own screens).
func (h *hub) flushPresence() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for topic := range h.presenceDirty {
		subs := h.topics[topic]
		n, readers := len(subs), 0
		for _, sub := range subs {
			if sub.access == accessRead {
				readers++
			}
		}
		frame := wsTextFrame(serverFrame{Op: opPresence, Topic: topic, Count: &n, Readers: &readers}.encode())
		for c, sub := range subs {
			if !sub.raw {
				c.sendFramed(frame)
			}
		}
		delete(h.presenceDirty, topic)
	}
}

// errHubFull and friends refuse a socket before it is upgraded.
var (
	errHubClosing  = errorf(codeShuttingDown, "the server is shutting down; reconnect shortly")
	errHubFull     = errorf(codeServerFull, "the server has too many open sockets; try again later")
	errUserTooMany = errorf(codeTooManySockets, "you have too many open sockets; close some tabs or devices")
	errAddrTooMany = errorf(codeTooManySockets, "too many open sockets from your address; close some, or sign in")
	errNoFDs       = errorf(codeServerBusy, "the server is near its limit of open connections; try again later")
)

// addrFull reports, before an upgrade, whether an anonymous socket from
// addr would be over the per-address limit. admit checks again, exactly:
// this early answer spares the upgrade (and its descriptor's lifetime)
// for a client that is flooding.
func (h *hub) addrFull(addr string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.perAddr[addr] >= h.cfg.MaxConnsPerAddr
}

// admit registers a socket, enforcing the connection limits. Its errors
// are *apiError.
func (h *hub) admit(c *wsConn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closing:
		return errHubClosing
	case len(h.conns) >= h.cfg.MaxConns:
		return errHubFull
	case c.p != nil && h.perUser[c.p.User.ID] >= h.cfg.MaxConnsPerUser:
		return errUserTooMany
	case c.p == nil && h.perAddr[c.addr] >= h.cfg.MaxConnsPerAddr:
		return errAddrTooMany
	}
	h.nextConnID++
	c.id = h.nextConnID
	h.conns[c] = struct{}{}
	if c.p != nil {
		h.perUser[c.p.User.ID]++
	} else {
		h.perAddr[c.addr]++
	}
	h.connsWG.Add(1)
	h.stats.conns.Add(1)
	return nil
}

// release forgets a socket and all its subscriptions.
func (h *hub) release(c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[c]; !ok {
		return
	}
	delete(h.conns, c)
	if c.p != nil {
		if h.perUser[c.p.User.ID]--; h.perUser[c.p.User.ID] <= 0 {
			delete(h.perUser, c.p.User.ID)
		}
	} else if h.perAddr[c.addr]--; h.perAddr[c.addr] <= 0 {
		delete(h.perAddr, c.addr)
	}
	c.mu.Lock()
	topics := make([]string, 0, len(c.subs))
	for topic := range c.subs {
		topics = append(topics, topic)
	}
	c.mu.Unlock()
	for _, topic := range topics {
		h.removeSubLocked(topic, c)
	}
	h.stats.conns.Add(-1)
	h.connsWG.Done()
}

func (h *hub) addSub(topic string, c *wsConn, sub *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := h.topics[topic]
	if subs == nil {
		subs = map[*wsConn]*subscription{}
		h.topics[topic] = subs
	}
	if _, existed := subs[c]; !existed {
		h.stats.subs.Add(1)
	}
	subs[c] = sub
	h.markPresence(topic)
}

func (h *hub) removeSub(topic string, c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeSubLocked(topic, c)
}

func (h *hub) removeSubLocked(topic string, c *wsConn) {
	subs := h.topics[topic]
	if _, ok := subs[c]; !ok {
		return
	}
	delete(subs, c)
	h.stats.subs.Add(-1)
	if len(subs) == 0 {
		delete(h.topics, topic)
	}
	h.markPresence(topic)
}

func (h *hub) markPresence(topic string) {
	kind, _, _ := parseTopic(topic)
	if k := h.kinds[kind]; k != nil && k.presence {
		h.presenceDirty[topic] = struct{}{}
	}
}

// subscriberCount is how many sockets follow topic.
func (h *hub) subscriberCount(topic string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.topics[topic])
}

// dropCredential closes, with 4001, every socket signed in with a session
// or token that match says is gone, so a revoked device stops receiving
// at once rather than at its next reconnect.
func (h *hub) dropCredential(match func(p *principal) bool) {
	h.mu.RLock()
	var gone []*wsConn
	for c := range h.conns {
		if c.p != nil && match(c.p) {
			gone = append(gone, c)
		}
	}
	h.mu.RUnlock()
	for _, c := range gone {
		c.closeNow(closeCredentialsRevoked, "signed out: this session or token was revoked")
	}
}

// revokeReaders ends every read-only subscription to topic, telling each
// socket why: a spectator link was revoked, replaced or expired. Sockets
// that may write (the owner's) keep theirs.
func (h *hub) revokeReaders(topic string) {
	h.mu.RLock()
	var readers []*wsConn
	for c, sub := range h.topics[topic] {
		if sub.access < accessWrite {
			readers = append(readers, c)
		}
	}
	h.mu.RUnlock()
	for _, c := range readers {
		c.mu.Lock()
		sub := c.subs[topic]
		c.mu.Unlock()
		if sub == nil {
			continue
		}
		c.dropSub(topic, sub)
		c.sendError(nil, topic, newFrameError("link_revoked", "this link has expired or was revoked"))
	}
}

// Close stops the hub for shutdown: it refuses new sockets, sends out what
// has already committed, then flushes every socket's queue and closes it
// with 1001 (going away), all sockets in one pass (see goAway).
// It waits CloseGrace (or to ctx's deadline, if sooner) for them, then
// cuts the connections still open: a restart must not wait on clients
// that are slow to answer the close handshake, and every one of them
// resumes from its last offset anyway.
func (h *hub) Close(ctx context.Context) {
	h.mu.Lock()
	h.closing = true
	h.mu.Unlock()
	h.stopOnce.Do(func() { close(h.stop) })
	h.fanoutFinished.Wait()

	h.mu.RLock()
	conns := make([]*wsConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.RUnlock()
	bye := wsCloseFrame(websocket.StatusGoingAway, "server shutting down; reconnect and resume")
	for _, c := range conns {
		c.goAway(bye)
	}
	done := make(chan struct{})
	go func() {
		h.connsWG.Wait()
		close(done)
	}()
	grace, cancel := context.WithTimeout(ctx, h.cfg.CloseGrace)
	defer cancel()
	select {
	case <-done:
	case <-grace.Done():
		// Closing the network connection ends the socket's reads, writes
		// and any close handshake under way at once. (CloseNow would not:
		// on a socket already closing it waits for that handshake.)
		for _, c := range conns {
			c.net.Close()
		}
		<-done
	}
	h.loopsWG.Wait()
}

// sportsHandler applies a score update sent on /ws/sports-updates/ and
// returns the frame to answer with; a *frameError is shown to the client.
type sportsHandler func(ctx context.Context, c *wsConn, data json.RawMessage) ([]byte, error)

// errNoSportsUpdates answers a frame on the sports-updates path from a
// socket that keeps no game.
var errNoSportsUpdates = newFrameError("forbidden", "only a game's scorekeeper may send updates here")

func isCloseOrCanceled(err error) bool {
	return websocket.CloseStatus(err) != -1 || errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed) || errors.Is(err, errClosed)
}
