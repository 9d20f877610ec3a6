package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// server is fitcast's HTTP side: the JSON API, the UI and (later) the
// WebSocket endpoints, all sharing one store.
type server struct {
	cfg     config
	store   *Store
	log     *slog.Logger
	metrics *metrics
	hub     *hub
	imports *importJobs
	mux     *http.ServeMux
	ui      http.Handler
	now     func() time.Time
	started time.Time
	fds     *fdBudget // descriptors left, which decides whether a socket may open

	ipFailures   *failureLimiter // failed sign-ins and sign-ups per client address
	pairFailures *failureLimiter // failed sign-ins per (username, client address)
	accountLoad  *failureBucket  // failed sign-ins per username, from anywhere

	watchers []*folderWatcher // one per -watch folder
	oidc     *oidcAuth        // nil unless -oidc-issuer is set

	replication *replication // nil unless -replicate is set
}

// setReplication shows rep on the admin's settings page and in the
// metrics. It is set after newServer because replication follows the
// store's file, which newServer's caller opened.
func (s *server) setReplication(rep *replication) {
	if rep == nil {
		return
	}
	s.replication = rep
	s.metrics.reg.MustRegister(rep.collectors()...)
}

func newServer(cfg config, store *Store, log *slog.Logger) (*server, error) {
	ui, err := newUIHandler()
	if err != nil {
		return nil, err
	}
	hcfg := cfg.Hub
	hcfg.Retention = cfg.Retention
	if cfg.WSMaxPerUser > 0 {
		hcfg.MaxConnsPerUser = cfg.WSMaxPerUser
	}
	if cfg.WSMaxPerAddr > 0 {
		hcfg.MaxConnsPerAddr = cfg.WSMaxPerAddr
	}
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
			hcfg.OriginPatterns = []string{u.Host}
		}
	}
	h := newHub(hcfg, store, log)
	s := &server{
		cfg:          cfg,
		store:        store,
		log:          log,
		hub:          h,
		imports:      newImportJobs(),
		metrics:      newMetrics(store, h),
		mux:          http.NewServeMux(),
		ui:           ui,
		now:          store.now,
		started:      time.Now(),
		ipFailures:   newFailureLimiter(30, 15*time.Minute, store.now),
		pairFailures: newFailureLimiter(10, 15*time.Minute, store.now),
		accountLoad:  newFailureBucket(10, time.Minute, store.now),
		oidc:         newOIDC(cfg),
	}
	s.fds = newFDBudget(h.stats.conns.Load)
	if err := store.interruptImports(); err != nil {
		return nil, err
	}
	s.registerUserTopics()
	s.registerGameTopics()
	s.registerLiveTopics()
	s.routes()
	if err := s.startWatchers(); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// Close stops the background work: imports stop after their current file,
// then the hub flushes and closes every socket.
func (s *server) Close(ctx context.Context) {
	s.imports.Close()
	s.hub.Close(ctx)
}

// Handler is the whole site with its protective layers: security headers,
// cross-origin refusal of unsafe requests, and the access log.
func (s *server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	if s.cfg.BaseURL != "" {
		if err := cop.AddTrustedOrigin(strings.TrimSuffix(s.cfg.BaseURL, "/")); err != nil {
			s.log.Warn("base URL is not a usable origin", "base_url", s.cfg.BaseURL, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, errorf(codeCrossOrigin, "cross-origin requests that change data are refused"))
	}))
	return s.accessLog(securityHeaders(tilesSource(s.cfg.Tiles), cop.Handler(s.mux)))
}

// contentSecurityPolicy allows only our own scripts and styles (no inline
// script at all), the map tiles' origin (TILES, see tiles.go) for route
// maps, and same-origin sockets.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob: TILES; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"

// embedPolicy is the policy of /embed/ pages: the same, but any site may
// frame them (a club's website, an OBS browser source).
var embedPolicy = strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors *", 1)

// securityHeaders sets the policies; tiles is the origin map tiles load from.
func securityHeaders(tiles string, next http.Handler) http.Handler {
	policy := strings.Replace(contentSecurityPolicy, " TILES", " "+tiles, 1)
	embedPolicy := strings.Replace(embedPolicy, " TILES", " "+tiles, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if strings.HasPrefix(r.URL.Path, "/embed/") {
			h.Set("Content-Security-Policy", embedPolicy)
		} else {
			h.Set("Content-Security-Policy", policy)
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one line per request. It logs the path without its query
// string, because share links carry their token there, nor the token of an
// upload URL, and never headers.
func (s *server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		logPath := r.URL.Path
		if strings.HasPrefix(logPath, "/api/upload/") {
			logPath = "/api/upload/…" // the rest is an upload token
		}
		s.log.Log(r.Context(), level, "http",
			"method", r.Method, "path", logPath, "status", rec.status(),
			"duration_ms", time.Since(start).Milliseconds(), "ip", s.clientIP(r))
	})
}
