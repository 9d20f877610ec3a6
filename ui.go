package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed ui
var uiEmbed embed.FS

// uiFile is one embedded file, read once at start-up with its ETag.
type uiFile struct {
	body        []byte
	etag        string
	contentType string

	// The gzip-compressed body, made once: the first time a browser that
	// takes gzip asks for the file, never again for the binary's life.
	// Not at start-up, so that starting stays fast (the map library alone
	// takes a fifth of a second of a busy core) and files nobody asks for
	// cost nothing. Nil when the file does not compress (images).
	gzipOnce sync.Once
	gzipped  []byte
}

// compressible reports whether a file of this type is worth compressing:
// text, scripts, styles, SVG and JSON; PNGs are compressed already.
func compressible(contentType string) bool {
	for _, t := range []string{"text/", "javascript", "json", "svg", "manifest"} {
		if strings.Contains(contentType, t) {
			return true
		}
	}
	return false
}

// gzipBody returns the file's gzip form, compressing it on the first call.
func (f *uiFile) gzipBody() []byte {
	f.gzipOnce.Do(func() {
		if !compressible(f.contentType) {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(f.body)
		w.Close()
		if b.Len() < len(f.body) {
			f.gzipped = b.Bytes()
		}
	})
	return f.gzipped
}

// acceptsGzip reads Accept-Encoding for gzip that is not refused (q=0).
func acceptsGzip(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
				q := strings.ReplaceAll(params, " ", "")
				return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
			}
		}
	}
	return false
}

// uiHandler serves the embedded single-page app. Files are unhashed, so
// every response says no-cache and carries an ETag: browsers revalidate and
// get a 304 until a new binary ships different bytes. Paths that are not
// files get index.html (the app routes in the browser), except the server's
// own prefixes, which get a JSON 404 instead of a page.
//
// Text files go out gzip-compressed to browsers that take it (every one
// does): the sign-in page and the app's code are a quarter of their size
// on the wire. The compressed form has its own ETag, and Vary tells
// caches the answer depends on Accept-Encoding.
type uiHandler struct {
	files map[string]*uiFile
}

func newUIHandler() (*uiHandler, error) {
	root, err := fs.Sub(uiEmbed, "ui")
	if err != nil {
		return nil, err
	}
	h := &uiHandler{files: map[string]*uiFile{}}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.files["/"+p] = &uiFile{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: contentTypeFor(p)}
		return nil
	})
	return h, err
}

func contentTypeFor(p string) string {
	switch path.Ext(p) {
	case ".webmanifest":
		return "application/manifest+json"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// serverPrefixes are never answered with the app's index page.
var serverPrefixes = []string{"/api/", "/ws", "/healthz", "/metrics"}

func (h *uiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeAPIError(w, errorf(codeMethodNotAllowed, "only GET and HEAD are served here"))
		return
	}
	p := path.Clean("/" + r.URL.Path)
	f, ok := h.files[p]
	if !ok {
		for _, prefix := range serverPrefixes {
			if strings.HasPrefix(p, prefix) {
				writeAPIError(w, errorf(codeNotFound, "no such endpoint: %s", p))
				return
			}
		}
		if path.Ext(p) != "" { // a missing asset, not an app route
			http.NotFound(w, r)
			return
		}
		f = h.files["/index.html"]
	}
	body, etag := f.body, f.etag
	if compressible(f.contentType) {
		w.Header().Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) && f.gzipBody() != nil {
			body, etag = f.gzipped, strings.TrimSuffix(f.etag, `"`)+`-gzip"`
			w.Header().Set("Content-Encoding", "gzip")
		}
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	// ServeContent answers If-None-Match with 304 because ETag is set.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func errBody(code, message string) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	return b
}
