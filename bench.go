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
	"os"
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
	Target      string // fitcast, centrifuge (bench/centrifuge) or django (bench/django)
	Path        string // which fitcast socket path the subscribers use
	Subscribers int
	Rate        float64 // messages per second, scheduled on a fixed timeline
	Duration    time.Duration
	Username    string
	Password    string
	Token       string // an API token: sign in without a password hash
	signUpFirst bool   // a new account: sign up before trying to sign in (failed sign-ins are rate limited)
	DialWorkers int
	Publishers  int // sockets or HTTP connections the scheduled sends are spread over
	Settle      time.Duration
	Games       bool // score events posted over HTTP to a public game
	Payload     int  // bytes of padding in each message a peer server relays
	PID         int  // the server's process, read from /proc; 0: its /metrics
	Drain       time.Duration
	Startup     int    // with Exec: cold starts to time instead of a load
	Exec        string // the fitcast binary for -startup
	DB          string // its database for -startup
}

// benchReport is what `fitcast bench` prints.
type benchReport struct {
	Connected           int
	Scheduled, Sent     int64 // sends on the timeline; of them, sent and accepted
	Rejected            int64
	SentLate            time.Duration // p99 of how late a send started after its scheduled moment
	SendSpan            time.Duration // first scheduled send to the last send done
	Expected            int64
	Received            int64
	Conflated           int64 // game states skipped because a later one superseded them
	Lost                int64
	Duplicates          int64
	P50, P90, P99       time.Duration
	Max                 time.Duration
	Window              time.Duration // first scheduled send to the last delivery
	DeliveriesPerS      float64
	RSSBefore           float64 // server RSS before any sign-in or socket, bytes
	HeapBefore          float64 // Go heap and stacks in use then (fitcast only)
	RSSIdle             float64 // with every socket open and idle
	HeapIdle, StackIdle float64 // Go heap and stacks in use then
	RSSEnd              float64
	ServerCPU           float64 // CPU seconds the server used in the window
	ClientCPU           float64 // CPU seconds this load generator used in the window
	SlowDisconnects     float64
	Closed              int64 // subscriber sockets the server closed during the run
}

// benchCommand is `fitcast bench`: a load generator that opens many
// subscriber sockets to a running server, sends messages on a fixed
// timeline, and reports delivery, loss, latency and the server's memory
// and CPU. It talks only to the URL it is given (and, with -pid, reads that
// process's counters from /proc).
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fitcast bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.URL, "url", "http://"+DefaultAddr, "server to load")
	fs.StringVar(&cfg.Target, "target", "fitcast", "what serves -url: fitcast, centrifuge (the server in bench/centrifuge) or django (the seed design in bench/django)")
	fs.StringVar(&cfg.Path, "path", "", "fitcast socket path of the subscribers: ws-user (/ws signed in, following the user's topic; the default), sports (/ws/sports-updates/, anonymous; the default with -games), fitness (/ws/fitness-tracking/, signed in), ws-games (/ws anonymous, following the games feed), ws-game (/ws anonymous, following the bench game)")
	fs.IntVar(&cfg.Subscribers, "subs", 1000, "subscriber sockets to open")
	fs.Float64Var(&cfg.Rate, "rate", 10, "messages per second, sent on a fixed timeline whether or not earlier sends have finished")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long the timeline runs")
	fs.StringVar(&cfg.Username, "user", "bench", "account to use; created if sign-up allows")
	fs.StringVar(&cfg.Password, "password", "bench-password", "its password")
	fs.StringVar(&cfg.Token, "token", "", "an API token of the account to use instead of its password, so that no password is hashed during the run (make one with -make-token)")
	makeToken := fs.Bool("make-token", false, "sign in with -user and -password, print a new API token for -token, and exit")
	fs.IntVar(&cfg.DialWorkers, "dial-workers", 32, "sockets opened in parallel")
	fs.IntVar(&cfg.Publishers, "publishers", 0, "connections the sends are spread over (0: enough for -rate)")
	fs.DurationVar(&cfg.Settle, "settle", 3*time.Second, "idle time before measuring memory")
	fs.DurationVar(&cfg.Drain, "drain", 10*time.Second, "longest wait for the last deliveries after the timeline ends")
	fs.BoolVar(&cfg.Games, "games", false, "load a live game: a scorekeeper posts score events over HTTP (POST /api/games/{id}/events) while spectators watch; latency is from each event's scheduled send")
	fs.IntVar(&cfg.Payload, "payload", 600, "with -target centrifuge or django: bytes of padding per message, to match a fitcast game frame")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process id: CPU and memory are read from /proc (needed for centrifuge and django)")
	fs.IntVar(&cfg.Startup, "startup", 0, "time N cold starts of -exec instead: process start to the first 200 from /healthz, then idle RSS")
	fs.StringVar(&cfg.Exec, "exec", "", "with -startup: the fitcast binary")
	fs.StringVar(&cfg.DB, "db", "", "with -startup: the database it opens (an existing one, as a restart would)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fitcast bench [flags]\n\nWith a signed-in path, start the server with -ws-max-per-user above -subs, since every socket signs in as one user.\n\nFlags:")
		fs.PrintDefaults()
	}
	live := fs.Bool("live", false, "load live sessions instead: -athletes streaming -rate samples/s each over their sockets, -spectators watching each")
	var lc liveBenchConfig
	fs.IntVar(&lc.Athletes, "athletes", 100, "with -live: athletes streaming at once, each with an account and session of its own")
	fs.IntVar(&lc.Spectators, "spectators", 10, "with -live: spectators per athlete")
	fs.IntVar(&lc.Batch, "batch", 1, "with -live: samples per message")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *makeToken {
		hc, _, err := benchSession(ctx, cfg)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"name": "bench"})
		res, err := hc.Post(cfg.URL+"/api/tokens", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var t struct{ Token string }
		if json.NewDecoder(res.Body).Decode(&t); t.Token == "" {
			return fmt.Errorf("make token: %s", res.Status)
		}
		fmt.Fprintln(stdout, t.Token)
		return nil
	}
	if cfg.Startup > 0 {
		return runStartupBench(ctx, cfg, stdout)
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
	if cfg.Path == "" {
		cfg.Path = "ws-user"
		if cfg.Games {
			cfg.Path = "sports"
		}
	}
	switch {
	case cfg.Target != "fitcast" && cfg.Target != "centrifuge" && cfg.Target != "django":
		return errors.New("bench: -target must be fitcast, centrifuge or django")
	case cfg.Target != "fitcast" && cfg.PID == 0:
		return errors.New("bench: -target " + cfg.Target + " needs -pid")
	case !slices.Contains([]string{"ws-user", "sports", "fitness", "ws-games", "ws-game"}, cfg.Path):
		return errors.New("bench: unknown -path " + cfg.Path)
	case cfg.Target == "fitcast" && cfg.Games != (cfg.Path != "ws-user" && cfg.Path != "fitness"):
		return errors.New("bench: -path sports, ws-games and ws-game go with -games; ws-user and fitness without")
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
	secs := cfg.Duration.Seconds()
	if cfg.Target == "fitcast" {
		fmt.Fprintf(w, "target         fitcast, path %s\n", cfg.Path)
	} else {
		fmt.Fprintf(w, "target         %s\n", cfg.Target)
	}
	fmt.Fprintf(w, "subscribers    %d connected of %d\n", r.Connected, cfg.Subscribers)
	fmt.Fprintf(w, "offered        %d messages at %.0f/s for %s\n", r.Scheduled, cfg.Rate, cfg.Duration)
	fmt.Fprintf(w, "achieved       %d sent and accepted (%.0f/s over %s, the first scheduled send to the last done; %d refused), p99 start of a send %s after its scheduled moment\n",
		r.Sent, float64(r.Sent)/max(secs, r.SendSpan.Seconds()), r.SendSpan.Round(time.Millisecond), r.Rejected, r.SentLate)
	fmt.Fprintf(w, "deliveries     %d received of %d expected (lost %d, superseded by a later state %d, duplicates %d)\n",
		r.Received, r.Expected, r.Lost, r.Conflated, r.Duplicates)
	fmt.Fprintf(w, "throughput     %.0f deliveries/s over %s (first scheduled send to last delivery)\n", r.DeliveriesPerS, r.Window.Round(time.Millisecond))
	fmt.Fprintf(w, "latency        from the scheduled send: p50 %s  p90 %s  p99 %s  max %s\n", r.P50, r.P90, r.P99, r.Max)
	fmt.Fprintf(w, "server RSS     before any sign-in %s, idle with sockets %s, end %s\n", mib(r.RSSBefore), mib(r.RSSIdle), mib(r.RSSEnd))
	if r.Connected > 0 {
		fmt.Fprintf(w, "per socket     %.1f KiB of server RSS while idle", (r.RSSIdle-r.RSSBefore)/float64(r.Connected)/1024)
		if r.HeapIdle > 0 {
			fmt.Fprintf(w, " (Go heap and stacks in use: %.1f KiB, of which stacks %.1f KiB)",
				(r.HeapIdle+r.StackIdle-r.HeapBefore)/float64(r.Connected)/1024, r.StackIdle/float64(r.Connected)/1024)
		}
		fmt.Fprintln(w)
	}
	if r.Window > 0 {
		fmt.Fprintf(w, "cpu            server %.2f cores, load generator %.2f cores, over the window\n", r.ServerCPU/r.Window.Seconds(), r.ClientCPU/r.Window.Seconds())
	}
	if r.Received > 0 {
		fmt.Fprintf(w, "cpu/delivery   server %.2f µs\n", r.ServerCPU*1e6/float64(r.Received))
	}
	fmt.Fprintf(w, "closed         %d subscriber sockets closed by the server (slow-client closes: %.0f)\n", r.Closed, r.SlowDisconnects)
}

// bearer adds an API token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// benchSession signs in (signing up first if the account is new) and
// returns an HTTP client holding the session cookie, and the user. With
// a token it only asks who that is: no password is hashed.
func benchSession(ctx context.Context, cfg benchConfig) (*http.Client, User, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var u User
	if cfg.Token != "" {
		hc.Transport = bearer{cfg.Token, hc.Transport}
		req, _ := http.NewRequestWithContext(ctx, "GET", cfg.URL+"/api/me", nil)
		res, err := hc.Do(req)
		if err != nil {
			return nil, u, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, u, fmt.Errorf("token refused: %s", res.Status)
		}
		return hc, u, json.NewDecoder(res.Body).Decode(&u)
	}
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
	first, second := "/api/login", "/api/signup"
	if cfg.signUpFirst {
		first, second = second, first
	}
	status, data, err := post(first)
	if err == nil && status/100 != 2 {
		status, data, err = post(second)
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

// procStats reads a process's resident memory (bytes) and CPU time
// (seconds) from /proc.
func procStats(pid int) (rss, cpu float64) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
				rss = kb * 1024
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command name, which is in parentheses and may hold spaces.
		if i := bytes.LastIndexByte(b, ')'); i > 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				ut, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				cpu = (ut + st) / 100 // USER_HZ is 100 on Linux
			}
		}
	}
	return rss, cpu
}

// serverProbe reads the server's memory and CPU: from /proc with -pid,
// else from fitcast's /metrics.
type serverProbe struct {
	cfg benchConfig
	hc  *http.Client
}

func (p serverProbe) rss(ctx context.Context) float64 {
	if p.cfg.PID > 0 {
		r, _ := procStats(p.cfg.PID)
		return r
	}
	return serverMetric(ctx, p.hc, p.cfg.URL, "process_resident_memory_bytes")
}

func (p serverProbe) cpu(ctx context.Context) float64 {
	if p.cfg.PID > 0 {
		_, c := procStats(p.cfg.PID)
		return c
	}
	return serverMetric(ctx, p.hc, p.cfg.URL, "process_cpu_seconds_total")
}

// goMem is fitcast's Go heap and stacks in use, from /metrics.
func (p serverProbe) goMem(ctx context.Context) (heap, stacks float64) {
	if p.cfg.Target != "fitcast" {
		return 0, 0
	}
	return serverMetric(ctx, p.hc, p.cfg.URL, "go_memstats_heap_inuse_bytes"), serverMetric(ctx, p.hc, p.cfg.URL, "go_memstats_stack_inuse_bytes")
}

// benchSubscriber reads one subscriber socket. A frame that carries its
// scheduled send time ("sent") is timed at once; a game update carries
// only its event's seq, which is timed after the run against the moment
// that event's send was scheduled.
type benchSubscriber struct {
	ws        *websocket.Conn
	latencies []time.Duration // frames that carry "sent"
	seqs      []int64         // game updates: the event's seq ...
	at        []int64         // ... and when it arrived, unix ns
	seen      map[int64]bool
	dups      int64
	lastAt    int64 // when the last timed message arrived, unix ns
	closed    bool  // the server closed it (not the bench)
}

// read records every bench message until the socket closes. It reuses one
// buffer and picks the numbers out without a JSON decoder: the load
// generator shares the machine with the server, so its own cost is kept
// small. A frame may hold several messages, one a line (centrifuge's JSON
// protocol batches them so).
func (s *benchSubscriber) read(wg *sync.WaitGroup, received *atomic.Int64, stopping *atomic.Bool) {
	defer wg.Done()
	buf := make([]byte, 0, 1024)
	for {
		_, r, err := s.ws.Reader(context.Background())
		if err != nil {
			s.closed = !stopping.Load()
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
				s.closed = !stopping.Load()
				return
			}
		}
		now := time.Now().UnixNano()
		for line := range bytes.SplitSeq(buf, []byte("\n")) {
			seq, ok := jsonIntField(line, `"seq":`)
			if !ok {
				continue
			}
			if sent, ok := jsonIntField(line, `"sent":`); ok {
				if s.seen[seq] {
					s.dups++
					continue
				}
				s.seen[seq] = true
				s.latencies = append(s.latencies, time.Duration(now-sent))
				s.lastAt = now
				received.Add(1)
				continue
			}
			s.seqs = append(s.seqs, seq)
			s.at = append(s.at, now)
		}
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

// openLoop sends n messages on a fixed timeline: message k is due at
// start + k/rate whether or not earlier sends have finished (a send that
// blocks delays neither the schedule nor the latency measured from it:
// no coordinated omission). Due messages wait for the first free one of
// workers senders; send gets the worker, k and the scheduled moment. It
// returns when every send has finished, with how late each began.
func openLoop(ctx context.Context, start time.Time, rate float64, n int64, workers int, send func(w int, k int64, due time.Time)) []time.Duration {
	due := func(k int64) time.Time { return start.Add(time.Duration(float64(k) * float64(time.Second) / rate)) }
	jobs := make(chan int64, n)
	late := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := range jobs {
				at := due(k)
				late[w] = append(late[w], time.Since(at))
				send(w, k, at)
			}
		})
	}
	for k := int64(0); k < n && ctx.Err() == nil; k++ {
		if d := time.Until(due(k)); d > 0 {
			time.Sleep(d)
		}
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return slices.Concat(late...)
}

// quantile is the p-quantile of sorted durations.
func quantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func runBench(ctx context.Context, cfg benchConfig, log io.Writer) (benchReport, error) {
	var rep benchReport
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	probe := serverProbe{cfg, hc}
	// The baseline comes before any sign-in: a password hash leaves
	// megabytes of free heap behind, which would be charged to nothing.
	rep.RSSBefore = probe.rss(ctx)
	heap0, stack0 := probe.goMem(ctx)
	rep.HeapBefore = heap0 + stack0

	base := "ws" + strings.TrimPrefix(cfg.URL, "http")
	var user User
	var gameID string
	signIn := func() error {
		if gameID != "" || user.ID != 0 {
			return nil
		}
		var err error
		if hc, user, err = benchSession(ctx, cfg); err != nil {
			return err
		}
		probe.hc = hc
		if !cfg.Games {
			return nil
		}
		body, _ := json.Marshal(map[string]string{"sport": "generic", "home": "Bench A", "away": "Bench B", "visibility": "public"})
		req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+"/api/games", bytes.NewReader(body))
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		var g struct{ ID string }
		json.NewDecoder(res.Body).Decode(&g)
		res.Body.Close()
		if g.ID == "" {
			return fmt.Errorf("create game: %s", res.Status)
		}
		gameID = g.ID
		return nil
	}
	// Anonymous spectators open before anyone signs in, so that the
	// memory they cost is measured alone.
	if cfg.Target == "fitcast" && (cfg.Path == "ws-user" || cfg.Path == "fitness" || cfg.Path == "ws-game") {
		if err := signIn(); err != nil {
			return rep, err
		}
	}
	plainDial := func(url string, client *http.Client) (*websocket.Conn, error) {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			return nil, err
		}
		ws.SetReadLimit(1 << 20)
		return ws, nil
	}
	dial := func() (*websocket.Conn, error) {
		switch {
		case cfg.Target == "centrifuge":
			return centrifugeSubscribe(ctx, base+"/connection/websocket")
		case cfg.Target == "django" || cfg.Path == "sports":
			return plainDial(base+"/ws/sports-updates/", nil)
		case cfg.Path == "fitness":
			return plainDial(base+"/ws/fitness-tracking/", hc)
		case cfg.Path == "ws-games":
			return benchSubscribe(ctx, base+"/ws", nil, map[string]any{"op": "sub", "topic": gamesTopic})
		case cfg.Path == "ws-game":
			return benchSubscribe(ctx, base+"/ws", nil, map[string]any{"op": "sub", "topic": gameTopic(gameID)})
		}
		return benchSubscribe(ctx, base+"/ws", hc, map[string]any{"op": "sub", "topic": userTopic(user.ID)})
	}

	// Open the subscribers, a few at a time. Each reads from the start, so
	// that it answers the server's pings while idle, as a browser does.
	subs := make([]*benchSubscriber, cfg.Subscribers)
	var readers sync.WaitGroup
	var received atomic.Int64
	var stopping atomic.Bool
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	started := time.Now()
	for range cfg.DialWorkers {
		wg.Go(func() {
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
				s := &benchSubscriber{ws: ws, seen: map[int64]bool{}}
				subs[i] = s
				readers.Add(1)
				go s.read(&readers, &received, &stopping)
			}
		})
	}
	wg.Wait()
	subs = slices.DeleteFunc(subs, func(s *benchSubscriber) bool { return s == nil })
	rep.Connected = len(subs)
	fmt.Fprintf(log, "bench: %d sockets open in %s (%d failed)\n", len(subs), time.Since(started).Round(time.Millisecond), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(log, "bench: first dial error: %s\n", e)
	}
	defer func() {
		stopping.Store(true)
		for _, s := range subs {
			s.ws.CloseNow()
		}
	}()
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	rep.RSSIdle = probe.rss(ctx)
	rep.HeapIdle, rep.StackIdle = probe.goMem(ctx)
	if cfg.Target == "fitcast" {
		if err := signIn(); err != nil {
			return rep, err
		}
	}

	// The senders. fitcast's game events go over HTTP, as a scorekeeper's
	// app sends them; the peers' messages go as each design takes them
	// (centrifuge: an HTTP handler that publishes; Django: the seed
	// consumer's receive). /ws pubs go over sockets, at most 80 a second
	// each (the server allows 100).
	n := int64(cfg.Duration.Seconds() * cfg.Rate)
	rep.Scheduled = n
	// Enough senders that they are never what holds the rate back: an
	// HTTP send waits for its commit, a socket may carry 80 pubs a second.
	workers := cfg.Publishers
	if workers <= 0 {
		workers = max(8, int(cfg.Rate/80)+1)
		if cfg.Games || cfg.Target == "centrifuge" {
			workers = max(64, int(cfg.Rate/10))
		}
	}
	var sent, rejected atomic.Int64
	var seqMu sync.Mutex
	seqDue := map[int64]time.Time{} // game event seq -> its send's scheduled moment
	pad := strings.Repeat("x", max(cfg.Payload, 0))
	var send func(w int, k int64, due time.Time)
	switch {
	case cfg.Target == "centrifuge":
		pc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
		send = func(w int, k int64, due time.Time) {
			body, _ := json.Marshal(map[string]any{"seq": k + 1, "sent": due.UnixNano(), "pad": pad})
			res, err := pc.Post(cfg.URL+"/publish", "application/json", bytes.NewReader(body))
			if err != nil {
				rejected.Add(1)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				sent.Add(1)
			} else {
				rejected.Add(1)
			}
		}
	case cfg.Games:
		var tr http.RoundTripper = &http.Transport{MaxIdleConnsPerHost: workers}
		if cfg.Token != "" {
			tr = bearer{cfg.Token, tr}
		}
		pc := &http.Client{Jar: hc.Jar, Timeout: 30 * time.Second, Transport: tr}
		send = func(w int, k int64, due time.Time) {
			body, _ := json.Marshal(map[string]any{"kind": "score", "team": "home", "points": 1})
			res, err := pc.Post(cfg.URL+"/api/games/"+gameID+"/events", "application/json", bytes.NewReader(body))
			if err != nil {
				rejected.Add(1)
				return
			}
			var out struct{ Event GameEvent }
			json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if res.StatusCode/100 != 2 || out.Event.Seq == 0 {
				rejected.Add(1)
				return
			}
			seqMu.Lock()
			seqDue[out.Event.Seq] = due
			seqMu.Unlock()
			sent.Add(1)
		}
	default: // sockets: fitcast /ws pubs, or the Django seed consumer
		pubs := make([]*websocket.Conn, workers)
		for i := range pubs {
			var err error
			if cfg.Target == "django" {
				pubs[i], err = plainDial(base+"/ws/sports-updates/", nil)
			} else {
				pubs[i], err = benchSubscribe(ctx, base+"/ws", hc, map[string]any{"op": "sub", "topic": userTopic(user.ID)})
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
					if bytes.HasPrefix(data, []byte(`{"op":"error"`)) {
						rejected.Add(1)
						sent.Add(-1)
					}
				}
			}(pubs[i])
		}
		topic := userTopic(user.ID)
		send = func(w int, k int64, due time.Time) {
			data := map[string]any{"seq": k + 1, "sent": due.UnixNano()}
			frame, _ := json.Marshal(map[string]any{"op": "pub", "topic": topic, "id": fmt.Sprintf("bench-%d-%d", start0.UnixNano(), k), "data": data})
			if cfg.Target == "django" {
				data["pad"] = pad
				frame, _ = json.Marshal(data)
			}
			if pubs[w].Write(ctx, websocket.MessageText, frame) == nil {
				sent.Add(1)
			} else {
				rejected.Add(1)
			}
		}
	}

	serverCPU0, clientCPU0 := probe.cpu(ctx), ownCPU()
	start := time.Now().Add(20 * time.Millisecond)
	late := openLoop(ctx, start, cfg.Rate, n, workers, send)
	rep.SendSpan = time.Since(start)
	slices.Sort(late)
	rep.SentLate = quantile(late, .99)
	time.Sleep(200 * time.Millisecond) // let refusals on sockets arrive before counting
	rep.Sent, rep.Rejected = sent.Load(), rejected.Load()
	rep.Expected = rep.Sent * int64(len(subs))

	// Wait for the last deliveries: game updates are counted after the
	// run, so for them this waits until the deliveries stop coming.
	lastCount, lastChange := int64(-1), time.Now()
	for wait := time.Now().Add(cfg.Drain); time.Now().Before(wait); {
		got := received.Load()
		if cfg.Games && cfg.Target == "fitcast" {
			got = 0
			for _, s := range subs {
				got += int64(len(s.seqs)) // racy read of a length: only a progress signal
			}
		}
		if got != lastCount {
			lastCount, lastChange = got, time.Now()
		}
		if (!cfg.Games || cfg.Target != "fitcast") && got >= rep.Expected {
			break
		}
		if time.Since(lastChange) > 3*time.Second {
			break // nothing has come for a while: what is missing is lost
		}
		time.Sleep(20 * time.Millisecond)
	}
	rep.ServerCPU = probe.cpu(ctx) - serverCPU0
	rep.ClientCPU = ownCPU() - clientCPU0
	stopping.Store(true)
	for _, s := range subs {
		s.ws.CloseNow()
	}
	readers.Wait()

	// Every latency is measured from the scheduled send. A game spectator
	// that receives event k has, with it, every earlier event's state:
	// those events count as delivered then (superseded, when their own
	// frame never came).
	var all []time.Duration
	var lastAt int64
	for _, s := range subs {
		if s.closed {
			rep.Closed++
		}
		all = append(all, s.latencies...)
		rep.Duplicates += s.dups
		lastAt = max(lastAt, s.lastAt)
		prev := int64(0)
		for i, seq := range s.seqs {
			if seq <= prev {
				rep.Duplicates++
				continue
			}
			for e := prev + 1; e <= seq; e++ {
				due, ok := seqDue[e]
				if !ok {
					continue // not one of the bench's events
				}
				all = append(all, time.Duration(s.at[i]-due.UnixNano()))
				if e < seq {
					rep.Conflated++
				}
			}
			prev = seq
			lastAt = max(lastAt, s.at[i])
		}
	}
	rep.Received = int64(len(all)) - rep.Conflated
	rep.Lost = rep.Expected - int64(len(all))
	if lastAt > 0 {
		rep.Window = time.Duration(lastAt - start.UnixNano())
		rep.DeliveriesPerS = float64(rep.Received) / rep.Window.Seconds()
	}
	if len(all) > 0 {
		slices.Sort(all)
		rep.P50, rep.P90, rep.P99, rep.Max = quantile(all, .50), quantile(all, .90), quantile(all, .99), all[len(all)-1]
	}
	rep.RSSEnd = probe.rss(ctx)
	if cfg.Target == "fitcast" {
		rep.SlowDisconnects = serverMetric(ctx, hc, cfg.URL, "fitcast_ws_slow_disconnects_total")
	}
	return rep, nil
}

// start0 names this run's pub ids, so that a second run against the same
// server is not taken for retries of the first.
var start0 = time.Now()
