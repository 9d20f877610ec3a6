package main

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

// byteCounter is a reverse proxy in front of the app that counts the body
// bytes it hands the browser, as they travel: compressed when the app
// compressed them. It sees every request of the page and of its service
// worker (which a page's own network events leave out); map tiles from
// another origin do not pass through it.
type byteCounter struct {
	proxy *httputil.ReverseProxy
	bytes atomic.Int64
	mu    sync.Mutex
	paths map[string]int64
}

func (b *byteCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &proxyCounter{ResponseWriter: w}
	b.proxy.ServeHTTP(cw, r)
	b.bytes.Add(cw.n)
	b.mu.Lock()
	b.paths[r.URL.Path] += cw.n
	b.mu.Unlock()
}

func (b *byteCounter) reset() {
	b.bytes.Store(0)
	b.mu.Lock()
	b.paths = map[string]int64{}
	b.mu.Unlock()
}

type proxyCounter struct {
	http.ResponseWriter
	n int64
}

func (c *proxyCounter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

// Unwrap lets the proxy reach the connection, to pass WebSockets through.
func (c *proxyCounter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *proxyCounter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// TestBrowserPageWeight loads three pages in a browser with an empty
// cache, as a first visit does, and holds each to its budget of bytes
// transferred (docs/benchmarks.md): the sign-in page under 60 KB, the
// dashboard under 120 KB, a workout with its map and chart under 250 KB,
// and the embeddable scoreboard, like the sign-in page, under 60 KB.
// Each count runs until the service worker has finished installing, so
// what it caches counts too.
func TestBrowserPageWeight(t *testing.T) {
	t.Parallel()
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "weight.db"))
	defer app.Stop(t)
	c := newClient(t, app.URL)
	c.signUp("ann", "a long password")
	var w Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2026-03-01T08:00:00Z", "duration_s": 1800, "distance_m": 6000, "title": "Hills"}).JSON(&w)
	c.must(200, "POST", "/api/workouts/"+w.ID+"/samples", map[string]any{"samples": synthRun(1800, 3.3, 600, 900, 4)})

	target, _ := url.Parse(app.URL)
	counter := &byteCounter{proxy: httputil.NewSingleHostReverseProxy(target), paths: map[string]int64{}}
	proxy := &http.Server{Handler: counter}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go proxy.Serve(ln)
	defer proxy.Close()
	base := "http://" + ln.Addr().String()

	swReady := chromedp.Evaluate[chromedp.Void](`navigator.serviceWorker.ready.then(() => true)`, chromedp.EvalAwaitPromise)
	measure := func(name, path string, budget int64, signIn bool, waitFor ...string) {
		t.Helper()
		tab := newBrowser(t) // a fresh profile: nothing cached
		browserDo(t, tab, chromedp.Navigate(base+"/healthz"))
		if signIn {
			browserDo(t, tab, chromedp.Evaluate[chromedp.Void](`fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
				body: JSON.stringify({username: 'ann', password: 'a long password'})}).then((r) => r.ok)`, chromedp.EvalAwaitPromise))
		}
		counter.reset()
		browserDo(t, tab, chromedp.Navigate(base+path))
		for _, sel := range waitFor {
			browserDo(t, tab, chromedp.WaitVisible(chromedp.CSS(sel)))
		}
		browserDo(t, tab, swReady)
		got := counter.bytes.Load()
		counter.mu.Lock()
		t.Logf("%s (%s): %.1f KB transferred; by path: %v", name, path, float64(got)/1000, counter.paths)
		counter.mu.Unlock()
		if got > budget {
			t.Errorf("%s transfers %.1f KB, budget %d KB", name, float64(got)/1000, budget/1000)
		}
	}
	measure("sign-in page", "/login", 60_000, false, "form.auth input[name=password]")
	measure("dashboard", "/", 120_000, true, "h1.page-title", ".workout-row")
	measure("workout with map and chart", "/workouts/"+w.ID, 250_000, true, ".leaflet-overlay-pane path", ".uplot")
	// The embeddable scoreboard, as a club's website frames it, is as light as the sign-in page.
	var game struct{ ID string }
	c.must(201, "POST", "/api/games", map[string]any{"sport": "soccer", "home": "Reds", "away": "Blues"}).JSON(&game)
	measure("embedded scoreboard", "/embed/games/"+game.ID, 60_000, false, ".scoreboard .team-score")
}
