package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // registers the s3:// replica URLs
	"github.com/prometheus/client_golang/prometheus"
	"github.com/superfly/ltx"
)

// Continuous offsite replication (-replicate) and restore (fitcast restore).
// Litestream runs in-process: it follows the database's write-ahead log,
// turns each committed transaction into an LTX file, and ships those files
// to the replica every replicaSyncInterval. A machine that is lost can
// therefore lose at most the writes acknowledged in the last interval (plus
// any time the replica was unreachable, which the metrics and the admin's
// settings page show).

// replicaSyncInterval is how often the write-ahead log is turned into LTX
// files and those are shipped: the window of acknowledged writes a lost
// machine can lose while the replica is healthy.
const replicaSyncInterval = time.Second

// replicaShutdownSync bounds how long a clean shutdown keeps retrying the
// last upload to a replica that does not answer, so that a dead replica
// cannot hold the server up for Litestream's default of 30 seconds.
const replicaShutdownSync = 5 * time.Second

// replicaTarget is one parsed -replicate URL.
type replicaTarget struct {
	raw  string // as given, secrets and all; only handed to the client
	Kind string // "file" or "s3"
	Show string // for logs, metrics and the settings page: no credentials, no query but the endpoint
}

// parseReplicaURL checks a -replicate or -from URL and says plainly what is
// wrong with it. NATS object storage (meant for the cluster) is not offered.
func parseReplicaURL(v string) (replicaTarget, error) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return replicaTarget{}, fmt.Errorf("replica %q: want file:///abs/path or s3://bucket/prefix", v)
	}
	t := replicaTarget{raw: v, Kind: u.Scheme}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return t, fmt.Errorf("replica %q: a folder is file:///abs/path (three slashes)", v)
		}
		if !filepath.IsAbs(u.Path) || filepath.Clean(u.Path) == "/" {
			return t, fmt.Errorf("replica %q: the folder must be an absolute path other than /", v)
		}
		t.Show = "file://" + filepath.Clean(u.Path)
	case "s3":
		if u.Host == "" {
			return t, fmt.Errorf("replica %q: no bucket; want s3://bucket/prefix", v)
		}
		t.Show = (&url.URL{Scheme: "s3", Host: u.Host, Path: u.Path}).String()
		if ep := u.Query().Get("endpoint"); ep != "" {
			t.Show += "?endpoint=" + ep // for people to read, not to parse
		}
	default:
		return t, fmt.Errorf("replica %q: scheme %q is not supported; want file:// or s3://", v, u.Scheme)
	}
	return t, nil
}

// client makes the Litestream replica client for the target. S3
// credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the
// usual AWS configuration), never from fitcast's own settings.
func (t replicaTarget) client() (litestream.ReplicaClient, error) {
	if t.Kind == "file" {
		u, _ := url.Parse(t.raw)
		return file.NewReplicaClient(filepath.Clean(u.Path)), nil
	}
	return litestream.NewReplicaClientFromURL(t.raw)
}

// replication runs Litestream on the store's database file and keeps what
// the metrics and the settings page show about it.
type replication struct {
	target  replicaTarget
	log     *slog.Logger
	db      *litestream.DB
	replica *litestream.Replica
	ls      *litestream.Store
	client  *watchedClient

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	mu         sync.Mutex
	caughtUpAt time.Time // last time the replica held every local transaction
	localTXID  uint64
	remoteTXID uint64
	failing    bool // the last upload or listing failed; logged once per change
}

// startReplication starts replicating the database at path to the targets.
// Litestream 0.5 keeps exactly one replica per database (one LTX history,
// whose compaction and retention follow that replica), and two Litestream
// instances on one file would each hold a read transaction that stops the
// other from ever restarting the write-ahead log, so more than one target
// is refused rather than half-supported.
func startReplication(ctx context.Context, path string, targets []replicaTarget, log *slog.Logger) (*replication, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	if len(targets) > 1 {
		return nil, fmt.Errorf("-replicate given %d times: this version replicates to one place (Litestream keeps one replica per database)", len(targets))
	}
	t := targets[0]
	inner, err := t.client()
	if err != nil {
		return nil, fmt.Errorf("replica %s: %w", t.Show, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	db := litestream.NewDB(abs)
	db.MonitorInterval = replicaSyncInterval
	db.ShutdownSyncTimeout = replicaShutdownSync
	client := &watchedClient{ReplicaClient: inner}
	replica := litestream.NewReplicaWithClient(db, client)
	replica.SyncInterval = replicaSyncInterval
	if fc, ok := inner.(*file.ReplicaClient); ok {
		fc.Replica = replica // keeps the folder's files owned like the database
	}
	db.Replica = replica
	// L0 holds one file per sync, which is what point-in-time restore
	// resolves to; the higher levels merge them so a restore reads few files.
	ls := litestream.NewStore([]*litestream.DB{db}, litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 30 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
		{Level: 3, Interval: time.Hour},
	})
	ls.ShutdownSyncTimeout = replicaShutdownSync
	// NewStore hands every database slog's default logger; Litestream's
	// messages belong in fitcast's log, in its format and at its level.
	ls.Logger = log.With("replica", t.Show, "system", "litestream")
	db.SetLogger(ls.Logger)
	// Opening reaches the replica to learn its position; a replica that is
	// down at start-up must not stop the server, so this is bounded and
	// only logged: Litestream keeps retrying in the background.
	if err := ls.Open(ctx); err != nil {
		return nil, fmt.Errorf("start replication to %s: %w", t.Show, err)
	}
	r := &replication{
		target: t, log: log, db: db, replica: replica, ls: ls, client: client,
		stop: make(chan struct{}), done: make(chan struct{}),
		caughtUpAt: time.Now(),
	}
	go r.watch()
	log.Info("replicating", "replica", t.Show, "interval", replicaSyncInterval)
	return r, nil
}

// watch follows the replica's position once a second, for the lag the
// metrics and the settings page report, and logs when the replica starts
// failing and when it recovers (Litestream rate-limits its own error log).
func (r *replication) watch() {
	defer close(r.done)
	tick := time.NewTicker(replicaSyncInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
		}
		local, err := r.db.Pos()
		remote := r.replica.Pos()
		failing, lastErr := r.client.failing()
		r.mu.Lock()
		if err == nil {
			r.localTXID = uint64(local.TXID)
		}
		r.remoteTXID = uint64(remote.TXID)
		if r.remoteTXID >= r.localTXID {
			r.caughtUpAt = time.Now()
		}
		changed := failing != r.failing
		r.failing = failing
		r.mu.Unlock()
		if changed && failing {
			r.log.Error("replica failing; writes go on and are kept locally until it is back", "replica", r.target.Show, "err", lastErr)
		} else if changed {
			r.log.Info("replica recovered", "replica", r.target.Show)
		}
	}
}

// Close ships what is left (bounded by replicaShutdownSync) and stops. It
// runs after the store has closed its own connections, as Litestream asks.
func (r *replication) Close() error {
	if r == nil {
		return nil
	}
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		ctx, cancel := context.WithTimeout(context.Background(), 2*replicaShutdownSync)
		defer cancel()
		r.closeErr = r.ls.Close(ctx)
	})
	return r.closeErr
}

// ReplicaStatus is one replica as the settings page and the metrics see it.
type ReplicaStatus struct {
	URL          string     `json:"url"`
	Kind         string     `json:"kind"`
	Healthy      bool       `json:"healthy"`
	LagSeconds   float64    `json:"lag_seconds"`
	Behind       uint64     `json:"behind_transactions"`
	LocalTXID    uint64     `json:"local_txid"`
	ReplicaTXID  uint64     `json:"replica_txid"`
	LastSyncAt   *time.Time `json:"last_sync_at"`
	Errors       int64      `json:"errors"`
	LastError    string     `json:"last_error,omitempty"`
	LastErrorAt  *time.Time `json:"last_error_at"`
	IntervalSecs float64    `json:"interval_seconds"`
}

// ReplicationStatus answers GET /api/admin/replication.
type ReplicationStatus struct {
	Enabled  bool            `json:"enabled"`
	Replicas []ReplicaStatus `json:"replicas"`
}

func (r *replication) status() ReplicationStatus {
	if r == nil {
		return ReplicationStatus{Replicas: []ReplicaStatus{}}
	}
	r.mu.Lock()
	st := ReplicaStatus{
		URL: r.target.Show, Kind: r.target.Kind,
		LocalTXID: r.localTXID, ReplicaTXID: r.remoteTXID,
		IntervalSecs: replicaSyncInterval.Seconds(),
	}
	if r.localTXID > r.remoteTXID {
		st.Behind = r.localTXID - r.remoteTXID
		st.LagSeconds = time.Since(r.caughtUpAt).Seconds()
	}
	r.mu.Unlock()
	c := r.client
	c.mu.Lock()
	st.Errors = c.errors
	st.LastError = c.lastErr
	if !c.lastOK.IsZero() {
		t := c.lastOK.UTC()
		st.LastSyncAt = &t
	}
	if !c.lastErrAt.IsZero() {
		t := c.lastErrAt.UTC()
		st.LastErrorAt = &t
	}
	st.Healthy = !c.failingLocked()
	c.mu.Unlock()
	return ReplicationStatus{Enabled: true, Replicas: []ReplicaStatus{st}}
}

// collectors are the replication metrics, labelled by the replica's URL
// without credentials.
func (r *replication) collectors() []prometheus.Collector {
	labels := prometheus.Labels{"replica": r.target.Show}
	one := func() ReplicaStatus { return r.status().Replicas[0] }
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fitcast_replica_lag_seconds", ConstLabels: labels,
			Help: "Seconds since the replica last held every committed transaction; 0 while it does.",
		}, func() float64 { return one().LagSeconds }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fitcast_replica_behind_transactions", ConstLabels: labels,
			Help: "Committed transactions the replica does not hold yet.",
		}, func() float64 { return float64(one().Behind) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fitcast_replica_last_sync_timestamp_seconds", ConstLabels: labels,
			Help: "Unix time of the last successful upload to the replica; 0 before the first.",
		}, func() float64 {
			if t := one().LastSyncAt; t != nil {
				return float64(t.UnixMilli()) / 1000
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fitcast_replica_errors_total", ConstLabels: labels,
			Help: "Failed calls to the replica (uploads, listings, deletions); writes go on regardless.",
		}, func() float64 { return float64(one().Errors) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fitcast_replica_healthy", ConstLabels: labels,
			Help: "1 when the last call to the replica succeeded, 0 when it failed.",
		}, func() float64 {
			if one().Healthy {
				return 1
			}
			return 0
		}),
	}
}

// watchedClient wraps a Litestream replica client to count what fails and
// remember when an upload last succeeded: Litestream retries on its own
// (with backoff up to five minutes) but keeps no record the app can show.
type watchedClient struct {
	litestream.ReplicaClient

	mu        sync.Mutex
	errors    int64
	lastErr   string
	lastErrAt time.Time
	lastOK    time.Time // last successful upload
	lastCall  time.Time // last call that succeeded, of any kind
}

func (c *watchedClient) note(err error, upload bool) {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, os.ErrNotExist)) {
		return // shutdown, or a file that is simply not there
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if err != nil {
		c.errors++
		c.lastErr = err.Error()
		c.lastErrAt = now
		return
	}
	c.lastCall = now
	if upload {
		c.lastOK = now
	}
}

// failingLocked: the last call to the replica failed.
func (c *watchedClient) failingLocked() bool {
	return !c.lastErrAt.IsZero() && c.lastErrAt.After(c.lastCall)
}

func (c *watchedClient) failing() (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failingLocked(), c.lastErr
}

func (c *watchedClient) LTXFiles(ctx context.Context, level int, seek ltx.TXID, useMetadata bool) (ltx.FileIterator, error) {
	itr, err := c.ReplicaClient.LTXFiles(ctx, level, seek, useMetadata)
	c.note(err, false)
	return itr, err
}

func (c *watchedClient) WriteLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, r io.Reader) (*ltx.FileInfo, error) {
	info, err := c.ReplicaClient.WriteLTXFile(ctx, level, minTXID, maxTXID, r)
	c.note(err, true)
	return info, err
}

func (c *watchedClient) DeleteLTXFiles(ctx context.Context, a []*ltx.FileInfo) error {
	err := c.ReplicaClient.DeleteLTXFiles(ctx, a)
	c.note(err, false)
	return err
}

// replicationStatus answers the admin's settings page.
func (s *server) replicationStatus(w http.ResponseWriter, r *http.Request, p *principal) error {
	return writeJSON(w, http.StatusOK, s.replication.status())
}

// restoreCommand is "fitcast -db FILE restore -from URL [-at TIME]": it
// writes the replica's latest state, or its state at TIME, into FILE, which
// must not exist yet, so that a restore can never overwrite a database.
func restoreCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fitcast restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the replica to restore from: file:///abs/path or s3://bucket/prefix[?endpoint=...]")
	at := fs.String("at", "", "restore the state as of this time (RFC 3339, e.g. 2026-12-02T15:04:05Z); default the latest")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *from == "" {
		return errors.New("usage: fitcast -db FILE restore -from URL [-at TIME]")
	}
	t, err := parseReplicaURL(*from)
	if err != nil {
		return err
	}
	opt := litestream.NewRestoreOptions()
	if *at != "" {
		ts, err := time.Parse(time.RFC3339Nano, *at)
		if err != nil {
			return fmt.Errorf("-at %q: want an RFC 3339 time, e.g. 2026-12-02T15:04:05Z", *at)
		}
		opt.Timestamp = ts
	}
	out, err := filepath.Abs(cfg.DB)
	if err != nil {
		return err
	}
	for _, p := range []string{out, out + "-wal"} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("refusing to restore into %s: it already exists; restore into a new file, then stop fitcast and move it into place", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	client, err := t.client()
	if err != nil {
		return fmt.Errorf("replica %s: %w", t.Show, err)
	}
	opt.OutputPath = out
	if err := litestream.NewReplicaWithClient(nil, client).Restore(ctx, opt); err != nil {
		if errors.Is(err, litestream.ErrNoSnapshots) || errors.Is(err, litestream.ErrTxNotAvailable) {
			return fmt.Errorf("nothing to restore from %s at that time: %w", t.Show, err)
		}
		return fmt.Errorf("restore from %s: %w", t.Show, err)
	}
	// The restored file must be a database this binary can open.
	store, err := OpenStore(out, nil)
	if err != nil {
		return fmt.Errorf("restored %s, but it does not open: %w", out, err)
	}
	if err := store.Close(); err != nil {
		return err
	}
	when := "latest"
	if *at != "" {
		when = "as of " + opt.Timestamp.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "restored %s (%s) into %s\n", t.Show, when, out)
	return nil
}

// replicateFlagHelp is the -replicate flag's help.
const replicateFlagHelp = "replicate the database continuously to file:///abs/path or s3://bucket/prefix (add ?endpoint=https://host for S3-compatible stores; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); repeatable, but this version takes one (env FITCAST_REPLICATE, URLs separated by spaces)"
