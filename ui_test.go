package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"regexp"
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
	// The map and chart libraries load only on pages that draw them.
	for _, lib := range []string{"leaflet", "uplot", "uPlot"} {
		if bytes.Contains(index.Body, []byte(lib)) {
			t.Errorf("the app shell loads %s on every page", lib)
		}
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

// TestUICompressed: text files go out gzip-compressed to browsers that
// take it, with their own ETag (which revalidates), Vary, and the same
// bytes once decompressed; images and clients without gzip get them as
// they are.
func TestUICompressed(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	h, err := newUIHandler()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/app.js", "/style.css", "/index.html"} {
		r := c.do("GET", p, nil, "Accept-Encoding", "gzip, deflate, br")
		if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" || !strings.HasSuffix(r.Header.Get("ETag"), `-gzip"`) {
			t.Fatalf("%s headers: %v", p, r.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, h.files[p].body) || len(r.Body)*2 > len(plain) {
			t.Errorf("%s: %d bytes compressed from %d, decompressed equal: %v", p, len(r.Body), len(plain), bytes.Equal(plain, h.files[p].body))
		}
		if again := c.do("GET", p, nil, "Accept-Encoding", "gzip", "If-None-Match", r.Header.Get("ETag")); again.Status != 304 {
			t.Errorf("%s: revalidating the gzip ETag: %d", p, again.Status)
		}
		plainResp := c.do("GET", p, nil, "Accept-Encoding", "identity")
		if plainResp.Header.Get("Content-Encoding") != "" || !bytes.Equal(plainResp.Body, h.files[p].body) || plainResp.Header.Get("ETag") == r.Header.Get("ETag") {
			t.Errorf("%s without gzip: %v", p, plainResp.Header)
		}
		if refused := c.do("GET", p, nil, "Accept-Encoding", "gzip;q=0"); refused.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: gzip;q=0 got gzip", p)
		}
	}
	if r := c.do("GET", "/icons/icon-192.png", nil, "Accept-Encoding", "gzip"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("a PNG was compressed again")
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
	// And every module the shell imports outright, and the modules those
	// import, is in the list, so the app opens offline; page modules load
	// with import() and are kept once a page has used them.
	static := regexp.MustCompile(`(?m)^import .* from '\.(/[a-z]+\.js)';`)
	seen := map[string]bool{"/app.js": true}
	for queue := []string{"/app.js"}; len(queue) > 0; queue = queue[1:] {
		f, ok := h.files[queue[0]]
		if !ok {
			t.Errorf("the shell imports %s, which is not embedded", queue[0])
			continue
		}
		for _, m := range static.FindAllStringSubmatch(string(f.body), -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			queue = append(queue, m[1])
			if !strings.Contains(sw, "'"+m[1]+"'") {
				t.Errorf("%s imports %s, which is not in sw.js's SHELL list", queue[0], m[1])
			}
		}
	}
	if !strings.Contains(sw, "'/app.js'") || !strings.Contains(sw, "'/index.html'") {
		t.Error("sw.js's SHELL lacks the app itself")
	}
}

// uiModules is every module of the app's own (not vendor/) with the
// modules it imports, statically or with import().
func uiModules(t *testing.T) map[string][]string {
	t.Helper()
	h, err := newUIHandler()
	if err != nil {
		t.Fatal(err)
	}
	imports := regexp.MustCompile(`(?m)(?:^import\b[^;]*?\bfrom |^export\b[^;]*?\bfrom |\bimport\()\s*'\.(/[a-z]+\.js)'`)
	mods := map[string][]string{}
	for p, f := range h.files {
		if !strings.HasSuffix(p, ".js") || strings.HasPrefix(p, "/vendor/") || p == "/sw.js" {
			continue
		}
		mods[p] = nil
		for _, m := range imports.FindAllStringSubmatch(string(f.body), -1) {
			mods[p] = append(mods[p], m[1])
		}
	}
	return mods
}

// TestUIModulesImportNoCycle keeps the UI's modules a tree of imports: the
// shell loads pages, pages share state through session.js, and no module
// imports one that imports it back (a circle makes what a module sees at
// load time depend on which was loaded first).
func TestUIModulesImportNoCycle(t *testing.T) {
	mods := uiModules(t)
	if len(mods["/app.js"]) == 0 {
		t.Fatal("found no imports in app.js; the pattern no longer matches")
	}
	state := map[string]int{} // 1 on the path, 2 done
	var path []string
	var visit func(m string)
	visit = func(m string) {
		switch state[m] {
		case 1:
			i := len(path) - 1
			for path[i] != m {
				i--
			}
			t.Errorf("import cycle: %s -> %s", strings.Join(path[i:], " -> "), m)
			return
		case 2:
			return
		}
		if _, ok := mods[m]; !ok {
			t.Errorf("%s imports %s, which is not embedded", path[len(path)-1], m)
			state[m] = 2
			return
		}
		state[m] = 1
		path = append(path, m)
		for _, d := range mods[m] {
			visit(d)
		}
		path = path[:len(path)-1]
		state[m] = 2
	}
	for m := range mods {
		visit(m)
	}
}

// TestUIColoursLiveInCSS keeps every colour in style.css: the scripts read
// the ones they paint with from its custom properties (theme.js), so a
// colour changes in one place.
func TestUIColoursLiveInCSS(t *testing.T) {
	h, err := newUIHandler()
	if err != nil {
		t.Fatal(err)
	}
	colour := regexp.MustCompile(`'#[0-9a-fA-F]{3,8}'|"#[0-9a-fA-F]{3,8}"|\brgba?\(|\bhsla?\(`)
	for p, f := range h.files {
		if !strings.HasSuffix(p, ".js") || strings.HasPrefix(p, "/vendor/") {
			continue
		}
		for i, line := range strings.Split(string(f.body), "\n") {
			if colour.MatchString(line) {
				t.Errorf("%s:%d has a colour of its own; name it in style.css and read it with theme.js: %s", p, i+1, strings.TrimSpace(line))
			}
		}
	}
}
