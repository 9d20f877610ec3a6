package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// liveBenchConfig is `fitcast bench -live`: athletes streaming samples to
// live sessions while spectators watch each one.
type liveBenchConfig struct {
	Athletes   int
	Spectators int     // per athlete
	Rate       float64 // samples per second per athlete
	Batch      int     // samples per message
	Duration   time.Duration
}

// runLiveBench signs up one account per athlete and starts its live
// session, opens each session's spectators through a share link, then
// sends every athlete's batches on a fixed timeline (batch n of athlete i
// is due at begin + i/athletes + n intervals, whether or not earlier ones
// went out on time) and times each ack, the moment the batch is committed,
// from when the batch was due. Server CPU is measured over the sending
// window only.
func runLiveBench(ctx context.Context, cfg benchConfig, lc liveBenchConfig, out, log io.Writer) error {
	wsBase := "ws" + strings.TrimPrefix(cfg.URL, "http") + "/ws"
	type athlete struct {
		id      string
		hc      *http.Client
		ws      *websocket.Conn
		share   string
		mu      sync.Mutex
		due     map[string]time.Time
		lats    []time.Duration
		acked   int
		lastAck time.Time
	}
	post := func(hc *http.Client, path string, body any, into any) error {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+path, bytes.NewReader(data))
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode/100 != 2 {
			msg, _ := io.ReadAll(res.Body)
			return fmt.Errorf("%s: %s", path, msg)
		}
		return json.NewDecoder(res.Body).Decode(into)
	}
	var readers sync.WaitGroup
	// Each athlete reads from the moment its socket opens, so that it
	// answers the server's pings while the others are being set up.
	startAcks := func(a *athlete) {
		readers.Add(1)
		go func() { // acks
			defer readers.Done()
			for {
				_, data, err := a.ws.Read(context.Background())
				if err != nil {
					return
				}
				if !bytes.HasPrefix(data, []byte(`{"op":"ack"`)) {
					continue
				}
				now := time.Now()
				var f struct{ ID string }
				json.Unmarshal(data, &f)
				a.mu.Lock()
				if t, ok := a.due[f.ID]; ok {
					a.lats = append(a.lats, now.Sub(t))
					a.acked++
					a.lastAck = now
					delete(a.due, f.ID)
				}
				a.mu.Unlock()
			}
		}()
	}
	athletes := make([]*athlete, lc.Athletes)
	var spectators []*websocket.Conn
	var specMu sync.Mutex
	var delivered atomic.Int64
	started := time.Now()
	var next atomic.Int64
	var firstErr atomic.Value
	var setup sync.WaitGroup
	for range 8 {
		setup.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(athletes) || firstErr.Load() != nil {
					return
				}
				if err := func() error {
					ac := cfg
					ac.Username, ac.signUpFirst = fmt.Sprintf("%s-a%d", cfg.Username, i), true
					hc, _, err := benchSession(ctx, ac)
					if err != nil {
						return err
					}
					var l LiveSession
					if err := post(hc, "/api/live", map[string]any{"sport": "run"}, &l); err != nil {
						return err
					}
					var share struct{ Token string }
					if err := post(hc, "/api/live/"+l.ID+"/share", map[string]any{}, &share); err != nil {
						return err
					}
					ws, err := benchSubscribe(ctx, wsBase, hc, map[string]any{"op": "sub", "topic": workoutTopic(l.ID)})
					if err != nil {
						return fmt.Errorf("athlete %d: %w", i, err)
					}
					athletes[i] = &athlete{id: l.ID, hc: hc, ws: ws, share: share.Token, due: map[string]time.Time{}}
					startAcks(athletes[i])
					return nil
				}(); err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	setup.Wait()
	if e := firstErr.Load(); e != nil {
		for _, a := range athletes {
			if a != nil {
				a.ws.CloseNow()
			}
		}
		return e.(error)
	}
	next.Store(0)
	for range 8 {
		setup.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(athletes)*lc.Spectators {
					return
				}
				a := athletes[i/max(lc.Spectators, 1)]
				sw, err := benchSubscribe(ctx, wsBase, nil, map[string]any{"op": "sub", "topic": workoutTopic(a.id), "token": a.share})
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("spectator: %w", err))
					return
				}
				specMu.Lock()
				spectators = append(spectators, sw)
				specMu.Unlock()
				readers.Add(1)
				go func() {
					defer readers.Done()
					for {
						_, data, err := sw.Read(context.Background())
						if err != nil {
							return
						}
						if bytes.HasPrefix(data, []byte(`{"op":"msg"`)) {
							delivered.Add(1)
						}
					}
				}()
			}
		})
	}
	setup.Wait()
	defer func() {
		for _, a := range athletes {
			a.ws.CloseNow()
		}
		for _, s := range spectators {
			s.CloseNow()
		}
		readers.Wait()
	}()
	if e := firstErr.Load(); e != nil {
		return e.(error)
	}
	fmt.Fprintf(log, "bench: %d athletes and %d spectators ready in %s\n", len(athletes), len(spectators), time.Since(started).Round(time.Millisecond))

	probe := serverProbe{cfg, athletes[0].hc}
	rss0 := probe.rss(ctx)
	interval := time.Duration(float64(time.Second) * float64(lc.Batch) / lc.Rate)
	perAthlete := int(lc.Duration / interval)
	begin := time.Now().Add(50 * time.Millisecond)
	end := begin.Add(time.Duration(perAthlete) * interval) // every batch is due before this
	var cpu0, cpu1 float64
	var cpuWG sync.WaitGroup
	cpuWG.Go(func() {
		time.Sleep(time.Until(begin))
		cpu0 = probe.cpu(ctx)
		time.Sleep(time.Until(end))
		cpu1 = probe.cpu(ctx)
	})
	var wg sync.WaitGroup
	var batches, late atomic.Int64
	for i, a := range athletes {
		wg.Go(func() {
			offset := time.Duration(i) * interval / time.Duration(len(athletes))
			t := 0.0
			for n := range perAthlete {
				due := begin.Add(offset + time.Duration(n)*interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				} else if d < -interval {
					late.Add(1)
				}
				samples := make([]map[string]any, lc.Batch)
				for k := range samples {
					samples[k] = map[string]any{"t": t, "lat": 45 + t*3/earthRadiusM*57.29578, "lon": 7.0, "hr": 140}
					t++ // a 1 Hz series, however fast it is sent
				}
				id := fmt.Sprintf("%s-%d", a.id, n)
				frame, _ := json.Marshal(map[string]any{"op": "pub", "topic": workoutTopic(a.id), "id": id, "data": map[string]any{"samples": samples}})
				a.mu.Lock()
				a.due[id] = due
				a.mu.Unlock()
				if a.ws.Write(ctx, websocket.MessageText, frame) != nil {
					return
				}
				batches.Add(1)
			}
		})
	}
	wg.Wait()
	cpuWG.Wait()
	window := end.Sub(begin)
	cpu := (cpu1 - cpu0) / window.Seconds()
	rss := probe.rss(ctx)
	// The last acks and deliveries: wait until every batch is acknowledged,
	// or nothing has come for two seconds.
	acked := func() (n int) {
		for _, a := range athletes {
			a.mu.Lock()
			n += a.acked
			a.mu.Unlock()
		}
		return n
	}
	for last, since := -1, time.Now(); time.Since(since) < 2*time.Second && int64(acked()) < batches.Load(); time.Sleep(20 * time.Millisecond) {
		if n := acked(); n != last {
			last, since = n, time.Now()
		}
	}
	time.Sleep(200 * time.Millisecond) // spectators' last frames

	var lats []time.Duration
	span := window // the acks' rate is over the time they took, if longer
	for _, a := range athletes {
		a.mu.Lock()
		lats = append(lats, a.lats...)
		span = max(span, a.lastAck.Sub(begin))
		a.mu.Unlock()
	}
	slices.Sort(lats)
	sent, ackedN := batches.Load(), acked()
	fmt.Fprintf(out, "athletes       %d, each its own account and session, %d spectators each\n", lc.Athletes, lc.Spectators)
	fmt.Fprintf(out, "offered        %.0f samples/s: %d batches of %d on a fixed timeline over %s (%d sent more than one interval late)\n",
		float64(sent)*float64(lc.Batch)/window.Seconds(), sent, lc.Batch, window.Round(time.Millisecond), late.Load())
	fmt.Fprintf(out, "acknowledged   %d batches, %.0f samples/s over %s (to the last ack); %d not acknowledged\n", ackedN, float64(ackedN*lc.Batch)/span.Seconds(), span.Round(time.Millisecond), sent-int64(ackedN))
	fmt.Fprintf(out, "ack latency    from the scheduled send: p50 %s  p99 %s  max %s\n", quantile(lats, .5), quantile(lats, .99), quantile(lats, 1))
	fmt.Fprintf(out, "spectators     %d updates received of %d expected\n", delivered.Load(), int64(ackedN)*int64(lc.Spectators))
	fmt.Fprintf(out, "server         %.3f cores over the sending window, RSS %.1f MiB (%.1f MiB before sending)\n", cpu, rss/(1<<20), rss0/(1<<20))
	return nil
}
