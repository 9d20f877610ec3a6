package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// centrifugeSubscribe opens a socket to the comparison server in
// bench/centrifuge (github.com/centrifugal/centrifuge, JSON protocol),
// connects anonymously and subscribes to its one channel, returning once
// the subscription is confirmed.
func centrifugeSubscribe(ctx context.Context, url string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(4 << 20)
	for id, cmd := range []string{`{"id":1,"connect":{}}`, `{"id":2,"subscribe":{"channel":"sports"}}`} {
		if err := ws.Write(dctx, websocket.MessageText, []byte(cmd)); err != nil {
			return nil, err
		}
		want := fmt.Appendf(nil, `"id":%d`, id+1)
		for {
			_, data, err := ws.Read(dctx)
			if err != nil {
				return nil, err
			}
			if bytes.Contains(data, []byte(`"error"`)) {
				return nil, fmt.Errorf("centrifuge: %s", data)
			}
			if bytes.Contains(data, want) {
				break
			}
		}
	}
	return ws, nil
}

// runStartupBench times cold starts from outside the process: from just
// before exec to the first 200 from GET /healthz (polled every
// millisecond), then reads the process's VmRSS after one idle second.
func runStartupBench(ctx context.Context, cfg benchConfig, out io.Writer) error {
	if cfg.Exec == "" || cfg.DB == "" {
		return fmt.Errorf("bench: -startup needs -exec and -db")
	}
	addr := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "http://"), "https://")
	hc := &http.Client{Timeout: time.Second}
	var times []time.Duration
	var rss []float64
	for i := range cfg.Startup {
		cmd := exec.CommandContext(ctx, cfg.Exec, "-addr", addr, "-db", cfg.DB, "-log-level", "warn")
		cmd.Dir = filepath.Dir(cfg.DB)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		begin := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		for {
			res, err := hc.Get(cfg.URL + "/healthz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Since(begin) > 10*time.Second {
				cmd.Process.Kill()
				cmd.Wait()
				return fmt.Errorf("start %d: not serving after 10 s", i)
			}
			time.Sleep(time.Millisecond)
		}
		times = append(times, time.Since(begin))
		time.Sleep(time.Second)
		r, _ := procStats(cmd.Process.Pid)
		rss = append(rss, r)
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	slices.Sort(times)
	slices.Sort(rss)
	fmt.Fprintf(out, "start to serving  median %s, min %s, max %s (%d starts; exec to the first 200 from /healthz)\n",
		times[len(times)/2].Round(100*time.Microsecond), times[0].Round(100*time.Microsecond), times[len(times)-1].Round(100*time.Microsecond), len(times))
	fmt.Fprintf(out, "idle RSS          median %.1f MiB, max %.1f MiB (VmRSS one second after serving)\n", rss[len(rss)/2]/(1<<20), rss[len(rss)-1]/(1<<20))
	return nil
}
