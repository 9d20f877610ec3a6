package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrationsFromEveryVersion builds a database at each earlier schema
// version, as an older fitcast left it, and checks that opening it brings
// it to the current version with its rows intact.
func TestMigrationsFromEveryVersion(t *testing.T) {
	for from := 0; from < len(migrations); from++ {
		t.Run(fmt.Sprintf("from_v%d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			db, err := sql.Open("sqlite", dsn(path, false, storeOptions{}))
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v < from; v++ {
				if _, err := db.Exec(migrations[v]); err != nil {
					t.Fatalf("migration %d: %v", v+1, err)
				}
			}
			if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", from)); err != nil {
				t.Fatal(err)
			}
			if from >= 1 {
				if _, err := db.Exec("INSERT INTO users (username, password_hash, admin, created_at) VALUES ('old', 'x', 1, 1)"); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			s, err := OpenStore(path, nil)
			if err != nil {
				t.Fatalf("open at v%d: %v", from, err)
			}
			defer s.Close()
			var got int
			if err := s.reader.QueryRow("PRAGMA user_version").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != schemaVersion {
				t.Fatalf("user_version = %d, want %d", got, schemaVersion)
			}
			if from >= 1 {
				if _, err := s.UserByName(context.Background(), "old"); err != nil {
					t.Fatalf("row written at v%d lost: %v", from, err)
				}
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	db, err := sql.Open("sqlite", dsn(path, false, storeOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = OpenStore(path, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this fitcast") {
		t.Fatalf("err = %v, want a newer-schema refusal", err)
	}
}

func TestOpenRefusesNonSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStore(path, nil)
	if err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
		t.Fatalf("err = %v, want 'not an SQLite database'", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error spans lines: %q", err)
	}
}

// blockWriter occupies the writer goroutine until the returned func is
// called, so a test can queue writes behind it deterministically.
func blockWriter(t *testing.T, s *Store) (release func(), done <-chan error) {
	t.Helper()
	started := make(chan struct{})
	unblock := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- s.Write(context.Background(), func(tx *Tx) error {
			close(started)
			<-unblock
			return nil
		})
	}()
	<-started
	return func() { close(unblock) }, errc
}

func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.writes) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d writes queued", len(s.writes), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupCommitBatchesAndIsolatesFailures(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if _, err := s.writer.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	release, firstDone := blockWriter(t, s)

	const n = 50
	errBoom := errors.New("boom")
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.Write(ctx, func(tx *Tx) error {
				if _, err := tx.Exec("INSERT INTO t (k) VALUES (?)", i); err != nil {
					return err
				}
				if i%10 == 3 {
					return errBoom // after its insert: the savepoint must undo it
				}
				return nil
			})
		}()
	}
	waitQueued(t, s, n)
	batchesBefore := s.batches.Load()
	release()
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	// One transaction for the blocking write, one for all n behind it.
	if got := s.batches.Load() - batchesBefore; got != 2 {
		t.Errorf("%d queued writes took %d transactions, want 1 (group commit)", n, got-1)
	}
	for i, err := range results {
		wantFail := i%10 == 3
		if wantFail != errors.Is(err, errBoom) || (!wantFail && err != nil) {
			t.Errorf("write %d: err = %v, want failure %v", i, err, wantFail)
		}
		var found int
		s.reader.QueryRow("SELECT count(*) FROM t WHERE k = ?", i).Scan(&found)
		if found != map[bool]int{true: 0, false: 1}[wantFail] {
			t.Errorf("write %d: row present = %d, want %v", i, found, !wantFail)
		}
	}
}

// TestWriteReportsOnlyAfterCommit checks the promise the hub relies on:
// when Write returns nil, or an AfterCommit hook runs, another connection
// already sees the data; a failed write's hooks never run.
func TestWriteReportsOnlyAfterCommit(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if _, err := s.writer.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	visible := func(k int) bool {
		var n int
		if err := s.reader.QueryRow("SELECT count(*) FROM t WHERE k = ?", k).Scan(&n); err != nil {
			t.Error(err)
		}
		return n == 1
	}
	var hookSaw []bool
	var order []int
	for k := range 5 {
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.Exec("INSERT INTO t (k) VALUES (?)", k); err != nil {
				return err
			}
			if visible(k) {
				t.Errorf("row %d visible to readers before commit", k)
			}
			tx.AfterCommit(func() {
				hookSaw = append(hookSaw, visible(k))
				order = append(order, k)
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !visible(k) {
			t.Errorf("Write returned nil but row %d is not visible", k)
		}
	}
	for i, saw := range hookSaw {
		if !saw {
			t.Errorf("AfterCommit hook %d ran before its row was visible", i)
		}
	}
	if fmt.Sprint(order) != "[0 1 2 3 4]" {
		t.Errorf("hooks ran in order %v", order)
	}

	ran := false
	err := s.Write(ctx, func(tx *Tx) error {
		tx.AfterCommit(func() { ran = true })
		return errors.New("fail")
	})
	if err == nil || ran {
		t.Fatalf("failed write: err = %v, hook ran = %v", err, ran)
	}
}

func TestCloseCommitsQueuedWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "close.db")
	s, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	release, _ := blockWriter(t, s)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Write(context.Background(), func(tx *Tx) error {
				_, err := tx.Exec("INSERT INTO t (k) VALUES (?)", i)
				return err
			})
		}()
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("queued write failed at close: %v", err)
		}
	}
	if err := s.Write(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: err = %v, want errClosed", err)
	}

	s2, err := OpenStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var count int
	s2.reader.QueryRow("SELECT count(*) FROM t").Scan(&count)
	if count != n {
		t.Fatalf("after reopen %d rows, want %d", count, n)
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ann", hashPassword("password123"), false, false, false); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(ctx, s.path, dest); err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, s.path, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: err = %v", err)
	}
	copyStore, err := OpenStore(dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copyStore.Close()
	u, err := copyStore.UserByName(ctx, "ann")
	if err != nil || !u.Admin || !checkPassword(u.passwordHash, "password123") {
		t.Fatalf("user in backup = %+v, %v", u, err)
	}
}

// BenchmarkStoreWrite measures committed writes per second through the
// single writer: serial (one caller, one transaction each) and with many
// concurrent callers, where group commit folds them into shared
// transactions.
func BenchmarkStoreWrite(b *testing.B) {
	for _, perCPU := range []int{1, 32} {
		// RunParallel starts perCPU × GOMAXPROCS calling goroutines.
		b.Run(fmt.Sprintf("callers=%d", perCPU*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			s, err := OpenStore(filepath.Join(b.TempDir(), "bench.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.writer.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)"); err != nil {
				b.Fatal(err)
			}
			payload := make([]byte, 100)
			ctx := context.Background()
			batches := s.batches.Load()
			b.SetParallelism(perCPU)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					err := s.Write(ctx, func(tx *Tx) error {
						_, err := tx.Exec("INSERT INTO t (v) VALUES (?)", payload)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			b.ReportMetric(float64(b.N)/float64(s.batches.Load()-batches), "writes/txn")
		})
	}
}
