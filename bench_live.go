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

// runLiveBench starts one live session per athlete (all as the bench
// user), opens its spectators through a share link, streams samples over
// each athlete's socket and times each ack: the moment the batch is
// committed.
func runLiveBench(ctx context.Context, cfg benchConfig, lc liveBenchConfig, out, log io.Writer) error {
	hc, _, err := benchSession(ctx, cfg)
	if err != nil {
		return err
	}
	post := func(path string, body any, into any) error {
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
	wsBase := "ws" + strings.TrimPrefix(cfg.URL, "http") + "/ws"
	type athlete struct {
		id    string
		ws    *websocket.Conn
		mu    sync.Mutex
		sent  map[string]time.Time
		lats  []time.Duration
		acked int
	}
	athletes := make([]*athlete, lc.Athletes)
	var spectators []*websocket.Conn
	var delivered atomic.Int64
	var readers sync.WaitGroup
	started := time.Now()
	for i := range athletes {
		var l LiveSession
		if err := post("/api/live", map[string]any{"sport": "run"}, &l); err != nil {
			return err
		}
		var share struct{ Token string }
		if err := post("/api/live/"+l.ID+"/share", map[string]any{}, &share); err != nil {
			return err
		}
		ws, err := benchSubscribe(ctx, wsBase, hc, map[string]any{"op": "sub", "topic": workoutTopic(l.ID)})
		if err != nil {
			return fmt.Errorf("athlete %d: %w", i, err)
		}
		a := &athlete{id: l.ID, ws: ws, sent: map[string]time.Time{}}
		athletes[i] = a
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
				var f struct{ ID string }
				json.Unmarshal(data, &f)
				a.mu.Lock()
				if t, ok := a.sent[f.ID]; ok {
					a.lats = append(a.lats, time.Since(t))
					a.acked++
					delete(a.sent, f.ID)
				}
				a.mu.Unlock()
			}
		}()
		for range lc.Spectators {
			sw, err := benchSubscribe(ctx, wsBase, nil, map[string]any{"op": "sub", "topic": workoutTopic(l.ID), "token": share.Token})
			if err != nil {
				return fmt.Errorf("spectator: %w", err)
			}
			spectators = append(spectators, sw)
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
	}
	fmt.Fprintf(log, "bench: %d athletes and %d spectators ready in %s\n", len(athletes), len(spectators), time.Since(started).Round(time.Millisecond))
	defer func() {
		for _, a := range athletes {
			a.ws.CloseNow()
		}
		for _, s := range spectators {
			s.CloseNow()
		}
		readers.Wait()
	}()

	rss0 := serverMetric(ctx, hc, cfg.URL, "process_resident_memory_bytes")
	cpu0 := serverMetric(ctx, hc, cfg.URL, "process_cpu_seconds_total")
	interval := time.Duration(float64(time.Second) * float64(lc.Batch) / lc.Rate)
	begin := time.Now()
	var wg sync.WaitGroup
	var batches atomic.Int64
	for i, a := range athletes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the athletes over the interval, as real ones would be.
			time.Sleep(time.Duration(i) * interval / time.Duration(len(athletes)))
			tick := time.NewTicker(interval)
			defer tick.Stop()
			t := 0.0
			for n := 0; time.Since(begin) < lc.Duration; n++ {
				samples := make([]map[string]any, lc.Batch)
				for k := range samples {
					samples[k] = map[string]any{"t": t, "lat": 45 + t*3/earthRadiusM*57.29578, "lon": 7.0, "hr": 140}
					t += 1 / lc.Rate
				}
				id := fmt.Sprintf("%s-%d", a.id, n)
				frame, _ := json.Marshal(map[string]any{"op": "pub", "topic": workoutTopic(a.id), "id": id, "data": map[string]any{"samples": samples}})
				a.mu.Lock()
				a.sent[id] = time.Now()
				a.mu.Unlock()
				if a.ws.Write(ctx, websocket.MessageText, frame) != nil {
					return
				}
				batches.Add(1)
				<-tick.C
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	cpu := (serverMetric(ctx, hc, cfg.URL, "process_cpu_seconds_total") - cpu0) / elapsed.Seconds()
	rss := serverMetric(ctx, hc, cfg.URL, "process_resident_memory_bytes")
	time.Sleep(2 * time.Second) // the last acks and deliveries

	var lats []time.Duration
	acked := 0
	for _, a := range athletes {
		a.mu.Lock()
		lats = append(lats, a.lats...)
		acked += a.acked
		a.mu.Unlock()
	}
	slices.Sort(lats)
	q := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))]
	}
	sent := batches.Load()
	fmt.Fprintf(out, "athletes       %d, %d spectators each\n", lc.Athletes, lc.Spectators)
	fmt.Fprintf(out, "samples        %d sent in %d batches of %d, %d batches acknowledged\n", sent*int64(lc.Batch), sent, lc.Batch, acked)
	fmt.Fprintf(out, "committed      %.0f samples/s with acks\n", float64(acked*lc.Batch)/elapsed.Seconds())
	fmt.Fprintf(out, "ack latency    p50 %s  p99 %s  max %s\n", q(.5), q(.99), q(1))
	fmt.Fprintf(out, "spectators     %d updates received of %d expected\n", delivered.Load(), int64(acked)*int64(lc.Spectators))
	fmt.Fprintf(out, "server         %.3f cores, RSS %.1f MiB (%.1f MiB before streaming)\n", cpu, rss/(1<<20), rss0/(1<<20))
	return nil
}
