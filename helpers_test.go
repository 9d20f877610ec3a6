package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for tests of expiry and rate limits.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testServer is a real server on a real SQLite file, reached over
// loopback HTTP, with a clock the test controls.
type testServer struct {
	*httptest.Server
	srv   *server
	store *Store
	clock *fakeClock
}

func newTestServer(t testing.TB, cfg config) *testServer {
	t.Helper()
	clock := newFakeClock()
	store, err := OpenStore(filepath.Join(t.TempDir(), "fitcast.db"), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := newServer(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.Close(context.Background()) // httptest waits for socket handlers
		ts.Close()
		store.Close()
	})
	return &testServer{Server: ts, srv: srv, store: store, clock: clock}
}

// client is one browser or script: it keeps its own cookies and may carry
// a bearer token.
type client struct {
	t     testing.TB
	base  string
	hc    *http.Client
	token string
	ip    string // sent as X-Forwarded-For, for servers run -behind-proxy
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// response is a decoded answer: its status, headers and JSON body.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r response) JSON(v any) {
	if err := json.Unmarshal(r.Body, v); err != nil {
		panic("decode " + string(r.Body) + ": " + err.Error())
	}
}

// ErrorCode is error.code from the JSON error shape, or "".
func (r response) ErrorCode() string {
	var e errorBody
	json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

func (c *client) do(method, path string, body any, header ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.ip != "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// must is do, failing the test unless the status is want.
func (c *client) must(want int, method, path string, body any) response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// signUp creates an account and leaves c signed in as it.
func (c *client) signUp(username, password string) User {
	c.t.Helper()
	var u User
	c.must(http.StatusCreated, "POST", "/api/signup", credentials{username, password}).JSON(&u)
	return u
}

func (c *client) logIn(username, password string) User {
	c.t.Helper()
	var u User
	c.must(http.StatusOK, "POST", "/api/login", credentials{username, password}).JSON(&u)
	return u
}
