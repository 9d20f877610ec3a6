package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// benchConfig is what `fitcast bench` measures.
type benchConfig struct {
	URL         string
	Subscribers int
	Rate        float64 // messages per second from the publisher
	Duration    time.Duration
	Username    string
	Password    string
	DialWorkers int
	Settle      time.Duration
	Games       bool // spectators on /ws/sports-updates/, a scorekeeper scoring a public game
}

// benchReport is what `fitcast bench` prints.
type benchReport struct {
	Connected       int
	Sent            int64
	Expected        int64
	Received        int64
	Lost            int64
	Duplicates      int64
	P50, P90, P99   time.Duration
	Max             time.Duration
	DeliveriesPerS  float64
	RSSBefore       float64 // server RSS before the sockets opened, bytes
	RSSIdle         float64 // with every socket open and idle
	RSSEnd          float64
	HeapIdle        float64 // Go heap in use while idle with sockets
	StackIdle       float64 // goroutine stacks while idle with sockets
	ServerCPU       float64 // cores the server used while publishing
	ClientCPU       float64 // cores this load generator used meanwhile
	SlowDisconnects float64
}

// benchCommand is `fitcast bench`: a load generator that opens many
// subscriber sockets to a running fitcast, publishes at a steady rate, and
// reports delivery, loss, latency and the server's memory. It talks only
// to the URL it is given.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fitcast bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.URL, "url", "http://"+DefaultAddr, "fitcast to load")
	fs.IntVar(&cfg.Subscribers, "subs", 1000, "subscriber sockets to open")
	fs.Float64Var(&cfg.Rate, "rate", 10, "messages per second to publish")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to publish")
	fs.StringVar(&cfg.Username, "user", "bench", "account to use; created if sign-up allows")
	fs.StringVar(&cfg.Password, "password", "bench-password", "its password")
	fs.IntVar(&cfg.DialWorkers, "dial-workers", 32, "sockets opened in parallel")
	fs.DurationVar(&cfg.Settle, "settle", 3*time.Second, "idle time before measuring memory")
	fs.BoolVar(&cfg.Games, "games", false, "load a live game instead: anonymous spectators on /ws/sports-updates/ while a scorekeeper scores a public game at -rate events/s (latency is measured from when each event was recorded)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fitcast bench [flags]\n\nWithout -games, start the server with -ws-max-per-user above -subs, since every socket signs in as one user.\n\nFlags:")
		fs.PrintDefaults()
	}
	live := fs.Bool("live", false, "load live sessions instead: -athletes streaming -rate samples/s each over their sockets, -spectators watching each")
	var lc liveBenchConfig
	fs.IntVar(&lc.Athletes, "athletes", 100, "with -live: athletes streaming at once")
	fs.IntVar(&lc.Spectators, "spectators", 10, "with -live: spectators per athlete")
	fs.IntVar(&lc.Batch, "batch", 1, "with -live: samples per message")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *live {
		lc.Rate, lc.Duration = cfg.Rate, cfg.Duration
		if lc.Athletes < 1 || lc.Spectators < 0 || lc.Batch < 1 || lc.Rate <= 0 {
			return errors.New("bench: -athletes, -batch and -rate must be positive")
		}
		return runLiveBench(ctx, cfg, lc, stdout, stderr)
	}
	if cfg.Subscribers < 1 || cfg.Rate <= 0 || cfg.Duration <= 0 {
		return errors.New("bench: -subs, -rate and -duration must be positive")
	}
	rep, err := runBench(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.print(stdout, cfg)
	return nil
}

func (r benchReport) print(w io.Writer, cfg benchConfig) {
	mib := func(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
	fmt.Fprintf(w, "subscribers    %d connected of %d\n", r.Connected, cfg.Subscribers)
	fmt.Fprintf(w, "published      %d messages at %.0f/s for %s\n", r.Sent, cfg.Rate, cfg.Duration)
	fmt.Fprintf(w, "deliveries     %d received of %d expected (lost %d, duplicates %d)\n", r.Received, r.Expected, r.Lost, r.Duplicates)
	fmt.Fprintf(w, "throughput     %.0f deliveries/s\n", r.DeliveriesPerS)
	fmt.Fprintf(w, "latency        p50 %s  p90 %s  p99 %s  max %s\n", r.P50, r.P90, r.P99, r.Max)
	fmt.Fprintf(w, "server RSS     before %s, idle with sockets %s (Go heap %s, stacks %s), end %s\n",
		mib(r.RSSBefore), mib(r.RSSIdle), mib(r.HeapIdle), mib(r.StackIdle), mib(r.RSSEnd))
	fmt.Fprintf(w, "cpu            server %.2f cores, load generator %.2f cores, while publishing\n", r.ServerCPU, r.ClientCPU)
	if r.Connected > 0 {
		fmt.Fprintf(w, "per socket     %.1f KiB of server RSS while idle\n", (r.RSSIdle-r.RSSBefore)/float64(r.Connected)/1024)
	}
	fmt.Fprintf(w, "slow closes    %.0f\n", r.SlowDisconnects)
}

// benchSession signs in (signing up first if the account is new) and
// returns an HTTP client holding the session cookie, and the user.
func benchSession(ctx context.Context, cfg benchConfig) (*http.Client, User, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(credentials{cfg.Username, cfg.Password})
	post := func(path string) (int, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		return res.StatusCode, data, err
	}
	var u User
	status, data, err := post("/api/login")
	if err == nil && status != http.StatusOK {
		status, data, err = post("/api/signup")
	}
	if err != nil {
		return nil, u, err
	}
	if status/100 != 2 {
		return nil, u, fmt.Errorf("cannot sign in or sign up as %s: %s", cfg.Username, data)
	}
	return hc, u, json.Unmarshal(data, &u)
}

// serverMetric reads one unlabelled value from the server's /metrics.
func serverMetric(ctx context.Context, hc *http.Client, base, name string) float64 {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	res, err := hc.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

type benchSubscriber struct {
	games     bool // frames are game updates: the event's seq and recording time
	ws        *websocket.Conn
	latencies []time.Duration
	seen      map[int64]bool
	dups      int64
}

// read records the latency of every bench message until the socket
// closes. It reuses one buffer and picks the two numbers out without a
// JSON decoder: the load generator shares the machine with the server, so
// its own cost is kept small.
func (s *benchSubscriber) read(wg *sync.WaitGroup, received *atomic.Int64) {
	defer wg.Done()
	buf := make([]byte, 0, 512)
	for {
		_, r, err := s.ws.Reader(context.Background())
		if err != nil {
			return
		}
		buf = buf[:0]
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
		}
		var sent, seq int64
		var ok1, ok2 bool
		if s.games {
			seq, ok2 = jsonIntField(buf, `"seq":`)
			sent, ok1 = jsonTimeField(buf, `"at":"`)
		} else {
			sent, ok1 = jsonIntField(buf, `"sent":`)
			seq, ok2 = jsonIntField(buf, `"seq":`)
			ok1 = ok1 && bytes.HasPrefix(buf, []byte(`{"op":"msg"`))
		}
		if !ok1 || !ok2 {
			continue
		}
		lat := time.Duration(time.Now().UnixNano() - sent)
		if s.seen[seq] {
			s.dups++
			continue
		}
		s.seen[seq] = true
		s.latencies = append(s.latencies, lat)
		received.Add(1)
	}
}

// benchSubscribe opens a socket at url as client (nil: anonymous), sends
// sub, and returns once the server has answered "subscribed", so that
// the subscription is live before it is counted.
func benchSubscribe(ctx context.Context, url string, client *http.Client, sub map[string]any) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(4 << 20)
	frame, _ := json.Marshal(sub)
	if err := ws.Write(dctx, websocket.MessageText, frame); err != nil {
		return nil, err
	}
	for {
		_, data, err := ws.Read(dctx)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(data, []byte(`"op":"subscribed"`)) {
			return ws, nil
		}
		if bytes.Contains(data, []byte(`"op":"error"`)) {
			return nil, fmt.Errorf("subscribe: %s", data)
		}
	}
}

// ownCPU is the CPU time this process has used, in seconds.
func ownCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// jsonTimeField finds key (such as `"at":"`) in b and parses the RFC 3339
// time after it, as unix nanoseconds.
func jsonTimeField(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	end := bytes.IndexByte(b, '"')
	if end < 0 {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(b[:end]))
	return t.UnixNano(), err == nil
}

// jsonIntField finds key (such as `"seq":`) in b and parses the integer
// after it.
func jsonIntField(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	end := 0
	for end < len(b) && (b[end] == '-' || (b[end] >= '0' && b[end] <= '9')) {
		end++
	}
	v, err := strconv.ParseInt(string(b[:end]), 10, 64)
	return v, err == nil
}

func runBench(ctx context.Context, cfg benchConfig, log io.Writer) (benchReport, error) {
	var rep benchReport
	hc, u, err := benchSession(ctx, cfg)
	if err != nil {
		return rep, err
	}
	topic := userTopic(u.ID)
	wsURL := "ws" + strings.TrimPrefix(cfg.URL, "http") + "/ws"
	rep.RSSBefore = serverMetric(ctx, hc, cfg.URL, "process_resident_memory_bytes")

	var gameID string
	if cfg.Games {
		body, _ := json.Marshal(map[string]string{"sport": "generic", "home": "Bench A", "away": "Bench B", "visibility": "public"})
		req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+"/api/games", bytes.NewReader(body))
		res, err := hc.Do(req)
		if err != nil {
			return rep, err
		}
		var g struct{ ID string }
		json.NewDecoder(res.Body).Decode(&g)
		res.Body.Close()
		if g.ID == "" {
			return rep, fmt.Errorf("create game: %s", res.Status)
		}
		gameID = g.ID
	}
	sportsURL := "ws" + strings.TrimPrefix(cfg.URL, "http") + "/ws/sports-updates/"
	// dialSpectator opens an anonymous socket on the seed path, which
	// follows the public feed without subscribing.
	dialSpectator := func() (*websocket.Conn, error) {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(dctx, sportsURL, nil)
		if err != nil {
			return nil, err
		}
		ws.SetReadLimit(1 << 20)
		return ws, nil
	}
	dial := func() (*websocket.Conn, error) {
		if cfg.Games {
			return dialSpectator()
		}
		return benchSubscribe(ctx, wsURL, hc, map[string]any{"op": "sub", "topic": topic})
	}

	// Open the subscribers, a few at a time. Each reads from the start, so
	// that it answers the server's pings while idle, as a browser does.
	subs := make([]*benchSubscriber, cfg.Subscribers)
	var readers sync.WaitGroup
	var received atomic.Int64
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	started := time.Now()
	for range cfg.DialWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.Subscribers || ctx.Err() != nil {
					return
				}
				ws, err := dial()
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				s := &benchSubscriber{ws: ws, seen: map[int64]bool{}, games: cfg.Games}
				subs[i] = s
				readers.Add(1)
				go s.read(&readers, &received)
			}
		}()
	}
	wg.Wait()
	subs = slices.DeleteFunc(subs, func(s *benchSubscriber) bool { return s == nil })
	rep.Connected = len(subs)
	fmt.Fprintf(log, "bench: %d sockets open in %s (%d failed)\n", len(subs), time.Since(started).Round(time.Millisecond), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(log, "bench: first dial error: %s\n", e)
	}
	defer func() {
		for _, s := range subs {
			s.ws.CloseNow()
		}
	}()
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	rep.RSSIdle = serverMetric(ctx, hc, cfg.URL, "process_resident_memory_bytes")
	rep.HeapIdle = serverMetric(ctx, hc, cfg.URL, "go_memstats_heap_inuse_bytes")
	rep.StackIdle = serverMetric(ctx, hc, cfg.URL, "go_memstats_stack_inuse_bytes")

	// Publishers: each socket may send 100 frames a second (the server's
	// per-socket rate limit), so higher rates are spread over several.
	pubs := make([]*websocket.Conn, int(cfg.Rate/80)+1)
	var rejected atomic.Int64
	for i := range pubs {
		if cfg.Games {
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			pubs[i], _, err = websocket.Dial(dctx, sportsURL, &websocket.DialOptions{HTTPClient: hc})
			cancel()
		} else {
			pubs[i], err = dial()
		}
		if err != nil {
			return rep, fmt.Errorf("publisher: %w", err)
		}
		defer pubs[i].CloseNow()
		go func(ws *websocket.Conn) { // drain acks and copies; count refusals
			for {
				_, data, err := ws.Read(context.Background())
				if err != nil {
					return
				}
				if bytes.HasPrefix(data, []byte(`{"op":"error"`)) && !bytes.Contains(data, []byte(`"game"`)) {
					rejected.Add(1)
				}
			}
		}(pubs[i])
	}
	serverCPU0, clientCPU0 := serverMetric(ctx, hc, cfg.URL, "process_cpu_seconds_total"), ownCPU()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	tick := time.NewTicker(interval)
	deadline := time.Now().Add(cfg.Duration)
	pubStart := time.Now()
	for seq := int64(1); time.Now().Before(deadline); seq++ {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return rep, ctx.Err()
		}
		id := fmt.Sprintf("bench-%d-%d", pubStart.UnixNano(), seq)
		frame, _ := json.Marshal(map[string]any{"op": "pub", "topic": topic, "id": id,
			"data": map[string]any{"seq": seq, "sent": time.Now().UnixNano()}})
		if cfg.Games {
			frame, _ = json.Marshal(map[string]any{"game": gameID, "kind": "score", "team": "home", "points": 1, "id": id})
		}
		if err := pubs[seq%int64(len(pubs))].Write(ctx, websocket.MessageText, frame); err != nil {
			return rep, fmt.Errorf("publish: %w", err)
		}
		rep.Sent = seq
	}
	tick.Stop()
	time.Sleep(100 * time.Millisecond) // let refusals arrive before counting
	rep.Sent -= rejected.Load()
	rep.Expected = rep.Sent * int64(len(subs))
	// Give the last deliveries time to land.
	for wait := time.Now().Add(10 * time.Second); received.Load() < rep.Expected && time.Now().Before(wait); {
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(pubStart)
	rep.ServerCPU = (serverMetric(ctx, hc, cfg.URL, "process_cpu_seconds_total") - serverCPU0) / elapsed.Seconds()
	rep.ClientCPU = (ownCPU() - clientCPU0) / elapsed.Seconds()
	for _, s := range subs {
		s.ws.CloseNow()
	}
	readers.Wait()

	var all []time.Duration
	for _, s := range subs {
		all = append(all, s.latencies...)
		rep.Duplicates += s.dups
	}
	rep.Received = int64(len(all))
	rep.Lost = rep.Expected - rep.Received
	rep.DeliveriesPerS = float64(rep.Received) / elapsed.Seconds()
	if len(all) > 0 {
		slices.Sort(all)
		q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
		rep.P50, rep.P90, rep.P99, rep.Max = q(.50), q(.90), q(.99), all[len(all)-1]
	}
	rep.RSSEnd = serverMetric(ctx, hc, cfg.URL, "process_resident_memory_bytes")
	rep.SlowDisconnects = serverMetric(ctx, hc, cfg.URL, "fitcast_ws_slow_disconnects_total")
	return rep, nil
}
