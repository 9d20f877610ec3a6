package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this very binary as the fitcast server, so
// that it can be killed with SIGKILL like a real process.
func TestMain(m *testing.M) {
	if os.Getenv("FITCAST_TEST_AS_SERVER") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	stopSharedBrowser()
	os.Exit(code)
}

// serverProcess is fitcast running as a separate process.
type serverProcess struct {
	cmd *exec.Cmd
	URL string
}

func startServerProcess(t *testing.T, db string) *serverProcess {
	t.Helper()
	return startServerCommand(t, append(os.Environ(), "FITCAST_TEST_AS_SERVER=1"), "-db", db)
}

// startServerCommand starts the test binary as a server on a free port
// with env and the flags given, and waits for the URL it prints.
func startServerCommand(t *testing.T, env []string, flags ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-addr", "127.0.0.1:0", "-log-level", "warn"}, flags...)...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		return &serverProcess{cmd: cmd, URL: url}
	case <-time.After(30 * time.Second):
		t.Fatal("server process did not start")
		return nil
	}
}

// TestCrashKeepsEveryAcknowledgedMessage kills the server with SIGKILL
// while clients publish with ids, restarts it on the same file, and checks
// that every message it acknowledged is stored and resumable: an ack is a
// promise. Retrying the unacknowledged ids then applies each exactly once.
func TestCrashKeepsEveryAcknowledgedMessage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crash.db")
	srv := startServerProcess(t, db)
	c := newClient(t, srv.URL)
	ann := c.signUp("ann", "password123")
	topic := userTopic(ann.ID)

	const conns, perConn = 8, 150 // within each socket's burst allowance
	var mu sync.Mutex
	acked := map[string]int64{} // id -> offset
	var wg sync.WaitGroup
	for k := 0; k < conns; k++ {
		w := c.mustDialWS("/ws")
		for i := 0; i < perConn; i++ {
			w.send(map[string]any{"op": "pub", "topic": topic, "id": fmt.Sprintf("c%d-%d", k, i), "data": map[string]any{"id": fmt.Sprintf("c%d-%d", k, i)}})
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				data, err := w.readRaw(10 * time.Second)
				if err != nil {
					return // the server died
				}
				var f frame
				json.Unmarshal(data, &f)
				if f.Op == opAck {
					var id string
					json.Unmarshal(f.ID, &id)
					mu.Lock()
					acked[id] = *f.Offset
					mu.Unlock()
				}
			}
		}()
	}
	// Kill mid-stream, once a good part has been acknowledged.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= conns*perConn/3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	wg.Wait()
	c.hc.CloseIdleConnections()
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	t.Logf("%d of %d publishes acknowledged before SIGKILL", len(acked), conns*perConn)

	srv2 := startServerProcess(t, db)
	c2 := newClient(t, srv2.URL)
	c2.logIn("ann", "password123")
	file := openReadOnly(t, db)
	var last int64
	file.QueryRow("SELECT last_offset FROM topics WHERE name = ?", topic).Scan(&last)

	// Resume from the very start: every acknowledged message is replayed
	// at the offset its ack promised.
	w := c2.mustDialWS("/ws")
	sub := w.subscribe(topic, map[string]any{"offset": 0, "epoch": 0})
	if sub.Recovered == nil || !*sub.Recovered {
		t.Fatalf("full replay after restart not recovered: %+v", sub)
	}
	stored := map[string]int64{}
	for offset := int64(0); offset < last; {
		f := w.expect(opMsg)
		offset = *f.Offset
		var d struct{ ID string }
		json.Unmarshal(f.Data, &d)
		if d.ID != "" {
			stored[d.ID] = offset
		}
	}
	for id, off := range acked {
		if got, ok := stored[id]; !ok || got != off {
			t.Fatalf("acknowledged %s at offset %d; after restart: offset %d, present %v", id, off, got, ok)
		}
	}

	// Retry everything: acknowledged or not, each id ends up stored once.
	for k := 0; k < conns; k++ {
		w := c2.mustDialWS("/ws") // one socket per batch, as before, to stay within the rate limit
		for i := 0; i < perConn; i++ {
			id := fmt.Sprintf("c%d-%d", k, i)
			w.send(map[string]any{"op": "pub", "topic": topic, "id": id, "data": map[string]any{"id": id}})
		}
		for acks := 0; acks < perConn; {
			f := w.read()
			switch f.Op {
			case opAck:
				acks++
				var id string
				json.Unmarshal(f.ID, &id)
				if off, ok := acked[id]; ok && (!f.Duplicate || *f.Offset != off) {
					t.Fatalf("retry of acknowledged %s: %+v", id, f)
				}
			case opError:
				t.Fatalf("retry: %+v", f.Error)
			}
		}
	}
	var ids, distinct int
	file.QueryRow("SELECT count(*), count(DISTINCT client_id) FROM topic_messages WHERE topic = ? AND client_id IS NOT NULL", topic).Scan(&ids, &distinct)
	if ids != conns*perConn || distinct != ids {
		t.Fatalf("%d published messages stored (%d distinct ids), want %d", ids, distinct, conns*perConn)
	}
}

// openReadOnly opens a database file beside the server that owns it.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, true, storeOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
