package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed ui
var uiEmbed embed.FS

// uiFile is one embedded file, read once at start-up with its ETag.
type uiFile struct {
	body        []byte
	etag        string
	contentType string
}

// uiHandler serves the embedded single-page app. Files are unhashed, so
// every response says no-cache and carries an ETag: browsers revalidate and
// get a 304 until a new binary ships different bytes. Paths that are not
// files get index.html (the app routes in the browser), except the server's
// own prefixes, which get a JSON 404 instead of a page.
type uiHandler struct {
	files map[string]uiFile
}

func newUIHandler() (*uiHandler, error) {
	root, err := fs.Sub(uiEmbed, "ui")
	if err != nil {
		return nil, err
	}
	h := &uiHandler{files: map[string]uiFile{}}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.files["/"+p] = uiFile{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: contentTypeFor(p)}
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
		writeJSON(w, http.StatusMethodNotAllowed, errBody("method_not_allowed", "only GET and HEAD are served here"))
		return
	}
	p := path.Clean("/" + r.URL.Path)
	f, ok := h.files[p]
	if !ok {
		for _, prefix := range serverPrefixes {
			if strings.HasPrefix(p, prefix) {
				writeJSON(w, http.StatusNotFound, errBody("not_found", "no such endpoint: "+p))
				return
			}
		}
		if path.Ext(p) != "" { // a missing asset, not an app route
			http.NotFound(w, r)
			return
		}
		f = h.files["/index.html"]
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	// ServeContent answers If-None-Match with 304 because ETag is set.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

func errBody(code, message string) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	return b
}
