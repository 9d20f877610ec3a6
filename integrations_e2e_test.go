package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// TestBrowserUploadURLAndWatchedFolder makes an upload URL in Settings,
// sends a workout to it the way FitoTrack does, drops a bad file into a
// watched folder, and finds both on the import page.
func TestBrowserUploadURLAndWatchedFolder(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	dir := t.TempDir()
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "up.db"), "-watch", "ann="+dir, "-watch-interval", "1s")
	defer app.Stop(t)
	browserDo(t, ctx,
		browserSignUp(app.URL, "ann"),
		chromedp.Click(chromedp.CSS(`a[data-nav=settings]`)),
		chromedp.WaitVisible(chromedp.CSS(`#upload-urls input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`#upload-urls input[name=name]`), "FitoTrack"),
		chromedp.Click(chromedp.CSS(`#upload-urls button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-upload-url]`)),
	)
	url := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`[data-upload-url]`)))
	if !strings.HasPrefix(url, app.URL+"/api/upload/fcu_") {
		t.Fatalf("the upload URL shown: %q", url)
	}
	if row := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#upload-token-list`))); !strings.Contains(row, "FitoTrack") {
		t.Fatalf("the new upload URL is not listed: %q", row)
	}
	// FitoTrack posts the GPX raw, its meta in headers (see upload_test.go).
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(gpxRun(60, importStart))))
	req.Header.Set("FitoTrack-Type", "workout-gpx")
	req.Header.Set("FitoTrack-Workout-Type", "running")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d", res.StatusCode)
	}

	// The import page lists the upload, and a watched file that failed
	// with its reason, as soon as the folder is looked at.
	browserDo(t, ctx,
		chromedp.Click(chromedp.Search(`//a[text()="Import & export"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.drop-zone`)),
	)
	if err := os.WriteFile(filepath.Join(dir, "broken.fit"), []byte("not an activity"), 0o644); err != nil {
		t.Fatal(err)
	}
	browserDo(t, ctx, chromedp.WaitVisible(chromedp.Search(`//ul[@class="import-failures"]/li[contains(., "broken.fit")]`)))
	page := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(page, "not a FIT, GPX or TCX file") || !strings.Contains(page, "1 imported") {
		t.Fatalf("the import page: %q", page)
	}
}

// TestBrowserSignInWithOpenID: with OpenID Connect and passwords off, the
// sign-in page offers only "Sign in with ...", which goes through the
// provider and comes back signed in.
func TestBrowserSignInWithOpenID(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", PreferredUsername: "jane", Email: "jane@club.org", EmailVerified: true})
	app := startApp(t, nil, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "sso.db"),
		"-oidc-issuer", m.Issuer(), "-oidc-client-id", m.ClientID, "-oidc-client-secret", m.ClientSecret, "-oidc-name", "Club ID",
		"-local-passwords=false")
	defer app.Stop(t)
	browserDo(t, ctx, chromedp.Navigate(app.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`#sso-sign-in`)))
	if label := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`#sso-sign-in`))); label != "Sign in with Club ID" {
		t.Fatalf("button %q", label)
	}
	if n := browserGet(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name=password]').length`)); n != 0 {
		t.Fatal("a password field is offered while passwords are off")
	}
	browserDo(t, ctx,
		chromedp.Click(chromedp.CSS(`#sso-sign-in`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav`)),
		chromedp.WaitVisible(chromedp.CSS(`h1.page-title`)),
	)
	if greeting := browserGet(t, ctx, chromedp.Text(chromedp.CSS(`h1.page-title`))); !strings.HasSuffix(greeting, ", jane") {
		t.Fatalf("after single sign-on: %q", greeting)
	}
}
