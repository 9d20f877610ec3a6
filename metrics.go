package main

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the server's Prometheus collectors. Each server has its own
// registry, so tests can run several servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(store *Store, h *hub) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fitcast_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fitcast_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "fitcast_db_write_batches_total",
			Help: "Transactions committed by the store's writer; each holds one or more writes (group commit).",
		}, func() float64 { return float64(store.batches.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "fitcast_db_writes_total",
			Help:        "Writes handed to the store's writer, by outcome.",
			ConstLabels: prometheus.Labels{"result": "committed"},
		}, func() float64 { return float64(store.writesOK.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "fitcast_db_writes_total",
			Help:        "Writes handed to the store's writer, by outcome.",
			ConstLabels: prometheus.Labels{"result": "failed"},
		}, func() float64 { return float64(store.writesFailed.Load()) }),
	)
	gauge := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	counter := func(name, help string, v *atomic.Int64, labels prometheus.Labels) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 { return float64(v.Load()) })
	}
	const resumeHelp = "Subscriptions that asked to resume, by whether every missed message could be replayed."
	m.reg.MustRegister(
		gauge("fitcast_ws_connections", "Open WebSocket connections.", &h.stats.conns),
		gauge("fitcast_ws_subscriptions", "Topic subscriptions across all connections.", &h.stats.subs),
		gauge("fitcast_ws_queue_bytes", "Bytes queued for writing to sockets.", &h.stats.queueBytes),
		counter("fitcast_ws_frames_in_total", "Frames received from clients.", &h.stats.framesIn, nil),
		counter("fitcast_ws_frames_out_total", "Frames written to clients.", &h.stats.framesOut, nil),
		counter("fitcast_ws_published_total", "Topic messages fanned out after commit.", &h.stats.published, nil),
		counter("fitcast_ws_slow_disconnects_total", "Sockets closed because they fell too far behind.", &h.stats.slowClosed, nil),
		counter("fitcast_ws_conflated_total", "Game states a behind spectator skipped because a later state of the same game replaced them in its queue.", &h.stats.conflated, nil),
		counter("fitcast_ws_resumes_total", resumeHelp, &h.stats.recovered, prometheus.Labels{"recovered": "true"}),
		counter("fitcast_ws_resumes_total", resumeHelp, &h.stats.notRecovered, prometheus.Labels{"recovered": "false"}),
	)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument counts and times every request to one route. route is the
// registered pattern, never the raw path, so ids do not explode the labels.
func (m *metrics) instrument(route string, next http.Handler) http.Handler {
	latency := m.latency.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		latency.Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status())).Inc()
	})
}

// statusRecorder remembers the status a handler wrote. It passes Hijack
// through so that WebSocket upgrades still work behind it.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.code = http.StatusSwitchingProtocols
	return http.NewResponseController(r.ResponseWriter).Hijack()
}
