package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkShutdownSockets measures how long the server takes to close
// its sockets at shutdown (server.Close: imports, then the hub's close of
// every socket), with 10,000 open (FITCAST_BENCH_SOCKETS to change). The
// clients live in a child process, so that the two ends of 10,000 sockets
// do not share one process's open-file limit; each answers the close
// frame as a browser would. Setting up the sockets is not timed. Run with
// a fixed count, as each iteration opens 10,000 sockets first:
//
//	go test -run '^$' -bench BenchmarkShutdownSockets -benchtime 3x .
func BenchmarkShutdownSockets(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("FITCAST_BENCH_SOCKETS")); err == nil && v > 0 {
		n = v
	}
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		ts := newTestServer(b, config{WSMaxPerAddr: 2 * n, Hub: hubConfig{MaxConns: 2 * n}})
		child := exec.Command(os.Args[0], "-test.run=^TestShutdownBenchClients$", "-test.count=1")
		child.Env = append(os.Environ(), "FITCAST_SHUTDOWN_URL="+ts.URL, "FITCAST_SHUTDOWN_N="+strconv.Itoa(n))
		child.Stderr = os.Stderr
		out, err := child.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := child.Start(); err != nil {
			b.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		ready := false
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "ready") {
				ready = true
				break
			}
		}
		if !ready {
			b.Fatalf("client process did not open its sockets")
		}
		for ts.srv.hub.stats.conns.Load() < int64(n) {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		before := processCPU()
		b.StartTimer()
		ts.srv.Close(ctx)
		b.StopTimer()
		cpu += processCPU() - before
		cancel()
		if left := ts.srv.hub.stats.conns.Load(); left != 0 {
			b.Fatalf("%d sockets still open after Close", left)
		}
		go func() {
			for lines.Scan() {
			}
		}()
		child.Wait()
	}
	b.ReportMetric(float64(n), "sockets")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/float64(n), "server-cpu-µs/socket")
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestShutdownBenchClients is BenchmarkShutdownSockets's client process:
// it opens FITCAST_SHUTDOWN_N anonymous sockets to FITCAST_SHUTDOWN_URL,
// says "ready", answers the server's close frames, and exits once every
// socket has ended. Without those variables it does nothing.
func TestShutdownBenchClients(t *testing.T) {
	base := os.Getenv("FITCAST_SHUTDOWN_URL")
	n, _ := strconv.Atoi(os.Getenv("FITCAST_SHUTDOWN_N"))
	if base == "" || n <= 0 {
		t.Skip("the client side of BenchmarkShutdownSockets")
	}
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws/sports-updates/"
	var wg sync.WaitGroup
	dones := make([]<-chan struct{}, n)
	next := make(chan int)
	errs := make(chan error, 1)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				ws, _, err := websocket.Dial(ctx, url, nil)
				cancel()
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				dones[i] = ws.CloseRead(context.Background()).Done()
			}
		}()
	}
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			t.Fatalf("dial: %v", err)
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("dial: %v", err)
	default:
	}
	fmt.Println("ready")
	for _, d := range dones {
		<-d
	}
}
