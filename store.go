package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store errors callers can test for with errors.Is. Everything the store
// returns that is not one of these is an internal error.
var (
	errNotFound = errors.New("not found")
	errConflict = errors.New("already exists")
	errClosed   = errors.New("store is closed")
)

// maxWriteBatch bounds how many queued writes the writer folds into one
// transaction. Larger batches amortise the commit further but make the
// first caller in a batch wait for everyone behind it. Defaults to 256.
const maxWriteBatch = 256

// Store owns the SQLite database. All writes go through one goroutine that
// groups concurrent callers into a single transaction (group commit) and
// reports each caller its own result only after that transaction commits.
// Reads use a separate pool of read-only connections, which WAL mode lets
// run concurrently with the writer.
type Store struct {
	path   string
	writer *sql.DB // exactly one connection, owned by the writer goroutine
	reader *sql.DB
	stmts  map[string]*sql.Stmt // preparedWrites, prepared on the writer's connection
	now    func() time.Time

	writes    chan *writeRequest
	stop      chan struct{} // closed by Close to stop the writer
	done      chan struct{} // closed when the writer goroutine has exited
	closeOnce sync.Once
	closeErr  error

	// publish receives each appended topic message after its commit; see
	// SetPublisher.
	publish atomic.Pointer[func(Message)]

	gameStates gameStateCache // each game's derived state, kept by the writer (games.go)

	// Counters read by the metrics collector.
	batches      atomic.Int64
	writesOK     atomic.Int64
	writesFailed atomic.Int64
}

// Tx is the transaction handed to a write function. Work registered with
// AfterCommit runs on the writer goroutine, in commit order, once the
// transaction holding this write has committed; it is dropped when the
// write fails. It must not block: it is where changes are handed to the hub.
type Tx struct {
	*sql.Tx
	stmts       map[string]*sql.Stmt
	afterCommit []func()
}

// AfterCommit registers fn to run once this write is durable.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// rowScanner is a *sql.Row or *sql.Rows, for scan functions that read one
// row of either.
type rowScanner = interface{ Scan(...any) error }

// queryList runs a query and scans every row into a list that is never
// nil, so JSON says [] rather than null.
func queryList[T any](ctx context.Context, q querier, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// preparedWrites are the statements the writer runs so often that parsing
// each anew in every transaction showed in profiles: live samples and
// topic messages. OpenStore prepares them once on the writer's only
// connection, where every transaction then finds them ready.
var preparedWrites = map[string]bool{}

// prepared adds query to preparedWrites; it is called as the package
// initialises, beside the code that runs the query.
func prepared(query string) string {
	preparedWrites[query] = true
	return query
}

// stmt is query's prepared statement bound to tx, or nil when query is not
// one of preparedWrites.
func (tx *Tx) stmt(query string) *sql.Stmt {
	if st := tx.stmts[query]; st != nil {
		return tx.Tx.Stmt(st)
	}
	return nil
}

func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(query); st != nil {
		return st.Exec(args...)
	}
	return tx.Tx.Exec(query, args...)
}

func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(query); st != nil {
		return st.Query(args...)
	}
	return tx.Tx.Query(query, args...)
}

func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	if st := tx.stmt(query); st != nil {
		return st.QueryRow(args...)
	}
	return tx.Tx.QueryRow(query, args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.stmt(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

type writeRequest struct {
	ctx    context.Context
	fn     func(*Tx) error
	result chan error
}

// dsn builds the modernc.org/sqlite connection string. busy_timeout comes
// first so that every later pragma already waits for locks instead of
// failing with SQLITE_BUSY.
func dsn(path string, readOnly bool, opt storeOptions) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if !readOnly {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if !readOnly && opt.replicated {
		// Under -replicate, Litestream checkpoints the write-ahead log
		// itself, each time right after it has copied the frames (at 1000
		// pages, or every minute). SQLite's own automatic checkpoint at
		// 1000 pages would race it for the same work; Litestream's guide
		// asks for a high threshold, which leaves this one as a backstop
		// should Litestream stop checkpointing. It is not turned off
		// (0): a stalled replica must never let the log grow unbounded.
		q.Add("_pragma", "wal_autocheckpoint(10000)")
	}
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Each write runs under a savepoint, whose journal of the pages it
	// changes is a temporary file unless told otherwise: in memory it
	// costs no system calls (the imports' largest cost before).
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// OpenStore opens (creating if needed) the database at path, applies any
// pending migrations and starts the writer. A file that is not an SQLite
// database, or whose schema is newer than this binary knows, is refused
// with an error that says so.
func OpenStore(path string, now func() time.Time) (*Store, error) {
	return openStore(path, now, storeOptions{})
}

// storeOptions are the ways a store opens differently.
type storeOptions struct {
	replicated bool // Litestream follows the file (-replicate): see dsn
}

func openStore(path string, now func() time.Time, opt storeOptions) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	writer, err := sql.Open("sqlite", dsn(path, false, opt))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("database %s: %w", path, describeOpenError(err))
	}
	stmts := map[string]*sql.Stmt{}
	for q := range preparedWrites {
		st, err := writer.Prepare(q)
		if err != nil {
			writer.Close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		stmts[q] = st
	}
	reader, err := sql.Open("sqlite", dsn(path, true, opt))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	s := &Store{
		path:   path,
		writer: writer,
		reader: reader,
		stmts:  stmts,
		now:    now,
		writes: make(chan *writeRequest, maxWriteBatch),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go s.writeLoop()
	return s, nil
}

// describeOpenError turns SQLite's terse codes for a bad file into a
// sentence an operator can act on.
func describeOpenError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return errors.New("file is not an SQLite database")
		case sqlite3.SQLITE_CORRUPT:
			return errors.New("database file is corrupt")
		case sqlite3.SQLITE_CANTOPEN:
			return errors.New("cannot open database file (does its folder exist and is it writable?)")
		case sqlite3.SQLITE_READONLY:
			return errors.New("database file is read-only")
		}
	}
	return err
}

// Close stops accepting writes, commits every write already queued, and
// closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		rerr := s.reader.Close()
		// A clean close checkpoints the WAL into the main file.
		werr := s.writer.Close()
		s.closeErr = errors.Join(werr, rerr)
	})
	return s.closeErr
}

// BeginRead starts a read-only transaction on the reader pool: every query
// in it sees the database as of one moment, beside the writer. The caller
// must Rollback it; Read does that for you.
func (s *Store) BeginRead(ctx context.Context) (*sql.Tx, error) {
	return s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// Read runs fn in one read-only transaction (see BeginRead), so that what
// fn reads through the store's query functions is consistent.
func (s *Store) Read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.BeginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Write runs fn inside the writer's current transaction and returns once
// that transaction has committed (nil) or fn's work was rolled back (the
// error). fn runs under a savepoint, so its failure leaves the other writes
// in the same batch untouched. fn must be quick and must not call Write.
//
// A write whose ctx ends before it starts is not run. Once it has started,
// Write waits for the outcome even if ctx ends, so that a nil error always
// means committed and an error always means not committed.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case <-s.stop:
		return errClosed
	default:
	}
	select {
	case s.writes <- req:
	case <-s.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.result
}

func (s *Store) writeLoop() {
	defer close(s.done)
	batch := make([]*writeRequest, 0, maxWriteBatch)
	for {
		select {
		case req := <-s.writes:
			batch = append(batch[:0], req)
		case <-s.stop:
			// Drain what callers already handed over; Write refuses new ones.
			for {
				select {
				case req := <-s.writes:
					s.commitBatch([]*writeRequest{req})
					continue
				default:
				}
				return
			}
		}
	fill:
		for len(batch) < maxWriteBatch {
			select {
			case req := <-s.writes:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.commitBatch(batch)
	}
}

// commitBatch runs a batch of writes in one transaction, each under its own
// savepoint, commits, runs the after-commit hooks in order, and only then
// answers the callers.
func (s *Store) commitBatch(batch []*writeRequest) {
	results := make([]error, len(batch))
	answer := func() {
		for i, req := range batch {
			if results[i] == nil {
				s.writesOK.Add(1)
			} else {
				s.writesFailed.Add(1)
			}
			req.result <- results[i]
		}
	}
	ctx := context.Background()
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		for i := range results {
			results[i] = fmt.Errorf("begin: %w", err)
		}
		answer()
		return
	}
	hooks := make([][]func(), len(batch))
	anyOK := false
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		hooks[i], results[i] = s.runSavepoint(sqlTx, req.fn)
		if results[i] == nil {
			anyOK = true
		}
	}
	if !anyOK {
		_ = sqlTx.Rollback()
		answer()
		return
	}
	if err := sqlTx.Commit(); err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = fmt.Errorf("commit: %w", err)
			}
		}
		answer()
		return
	}
	s.batches.Add(1)
	for i := range batch {
		if results[i] == nil {
			for _, h := range hooks[i] {
				h()
			}
		}
	}
	answer()
}

// runSavepoint runs one write under its own savepoint and returns its
// after-commit hooks, or its error with the savepoint rolled back.
func (s *Store) runSavepoint(sqlTx *sql.Tx, fn func(*Tx) error) (hooks []func(), err error) {
	if _, err := sqlTx.Exec("SAVEPOINT w"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	tx := &Tx{Tx: sqlTx, stmts: s.stmts}
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("write panicked: %v", p)
			}
		}()
		err = fn(tx)
	}()
	if err != nil {
		if _, rerr := sqlTx.Exec("ROLLBACK TO w; RELEASE w"); rerr != nil {
			return nil, errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
		}
		return nil, err
	}
	if _, err := sqlTx.Exec("RELEASE w"); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return tx.afterCommit, nil
}

// isUniqueViolation reports whether err is SQLite refusing a duplicate key.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Backup writes a consistent copy of the live database to dest with VACUUM
// INTO. It only reads, so it runs beside a serving fitcast (in this process
// or another one). dest must not exist yet.
func Backup(ctx context.Context, src, dest string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("database %s: %w", src, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", dest)
	}
	// Not the read-only DSN: query_only also forbids VACUUM INTO.
	db, err := sql.Open("sqlite", dsn(src, false, storeOptions{}))
	if err != nil {
		return err
	}
	defer db.Close()
	// Reading anything first turns "not a database" into a clear error
	// instead of a failed VACUUM.
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("database %s: %w", src, describeOpenError(err))
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

// querier is what a snapshot reads through: the read transaction the
// subscription also reads the topic's head in, so the two agree.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
