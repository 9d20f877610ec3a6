package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUIServing(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)

	index := c.must(200, "GET", "/", nil)
	if !bytes.Contains(index.Body, []byte(`<script type="module" src="/app.js">`)) {
		t.Fatalf("/ is not the app shell: %s", index.Body)
	}
	if index.Header.Get("Cache-Control") != "no-cache" || index.Header.Get("ETag") == "" {
		t.Fatalf("index headers: %v", index.Header)
	}
	if r := c.do("GET", "/", nil, "If-None-Match", index.Header.Get("ETag")); r.Status != 304 {
		t.Fatalf("revalidation with the current ETag: %d", r.Status)
	}
	if r := c.do("GET", "/", nil, "If-None-Match", `"stale"`); r.Status != 200 {
		t.Fatalf("revalidation with a stale ETag: %d", r.Status)
	}

	types := map[string]string{
		"/app.js":               "text/javascript",
		"/style.css":            "text/css",
		"/manifest.webmanifest": "application/manifest+json",
		"/icons/icon-192.png":   "image/png",
		"/icons/icon.svg":       "image/svg+xml",
		"/sw.js":                "text/javascript",
	}
	for p, want := range types {
		r := c.must(200, "GET", p, nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), want) {
			t.Errorf("%s: Content-Type %q, want %s", p, r.Header.Get("Content-Type"), want)
		}
	}

	// App routes get the shell, so a reload on /settings works.
	for _, p := range []string{"/settings", "/workouts", "/login", "/some/deep/route"} {
		r := c.must(200, "GET", p, nil)
		if !bytes.Equal(r.Body, index.Body) {
			t.Errorf("%s is not the app shell", p)
		}
	}
	// The server's own prefixes and missing assets never get the shell.
	for _, p := range []string{"/api/nothing", "/ws/unknown", "/wsx", "/healthz/x", "/metrics/x"} {
		r := c.do("GET", p, nil)
		if r.Status != 404 || r.ErrorCode() != "not_found" {
			t.Errorf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	if r := c.do("GET", "/missing.js", nil); r.Status != 404 || bytes.Equal(r.Body, index.Body) {
		t.Errorf("missing asset: %d", r.Status)
	}
	if r := c.do("POST", "/settings", nil); r.Status != 405 {
		t.Errorf("POST to a page: %d", r.Status)
	}
}

// TestServiceWorkerCachesEveryShellFile keeps sw.js's list in step with the
// files it names: a missing one would make the install step fail.
func TestServiceWorkerCachesEveryShellFile(t *testing.T) {
	h, err := newUIHandler()
	if err != nil {
		t.Fatal(err)
	}
	sw := string(h.files["/sw.js"].body)
	start := strings.Index(sw, "const SHELL = [")
	end := strings.Index(sw[start:], "];")
	if start < 0 || end < 0 {
		t.Fatal("sw.js has no SHELL list")
	}
	for _, item := range strings.Split(sw[start+len("const SHELL = ["):start+end], ",") {
		p := strings.Trim(strings.TrimSpace(item), "'")
		if p == "" || p == "/" {
			continue
		}
		if _, ok := h.files[p]; !ok {
			t.Errorf("sw.js caches %s, which is not embedded", p)
		}
	}
	// And every module the shell loads is in the list, so it opens offline.
	for name := range h.files {
		if strings.HasSuffix(name, ".js") && name != "/sw.js" && !strings.Contains(sw, "'"+name+"'") {
			t.Errorf("%s is not in sw.js's SHELL list", name)
		}
	}
}
