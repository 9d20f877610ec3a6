package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	neturl "net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// uploadURL creates an upload token for c's user and returns it with the
// URL Settings shows.
func uploadURL(t *testing.T, c *client, name string) (token, url string) {
	t.Helper()
	var created struct {
		UploadToken
		Token string `json:"token"`
		URL   string `json:"url"`
	}
	c.must(201, "POST", "/api/upload-tokens", map[string]string{"name": name}).JSON(&created)
	if !strings.HasPrefix(created.Token, uploadTokenPrefix) || created.URL != c.base+"/api/upload/"+created.Token {
		t.Fatalf("created %+v", created)
	}
	return created.Token, created.URL
}

// send makes one request exactly as given: no header is added but the
// ones listed, so that each test can copy an app's request.
func send(t *testing.T, method, url string, body []byte, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: data}
}

func countRows(t *testing.T, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.store.reader.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUploadLikeTheApps sends workouts the way the recording apps that
// upload on their own send them, byte for byte in method, path, headers,
// content type and body shape, and checks each becomes a workout.
func TestUploadLikeTheApps(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	token, url := uploadURL(t, c, "Phone")

	// FitoTrack's HTTP POST auto-export (FitoTrack
	// app/src/main/java/de/tadris/fitness/util/autoexport/target/HTTPPostTarget.kt):
	// HttpURLConnection, POST to the URL the user typed in, the GPX file
	// as the raw body, and as headers only the meta of
	// source/WorkoutGpxExportSource.kt. The app sets no Content-Type;
	// Java's HttpURLConnection then labels the body
	// application/x-www-form-urlencoded, which must not be read as a form.
	start := importStart
	fito := gpxRun(60, start)
	r := send(t, "POST", url, fito,
		"Content-Type", "application/x-www-form-urlencoded",
		"User-Agent", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/AP2A.240805.005)",
		"Accept", "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",
		"FitoTrack-Type", "workout-gpx",
		"FitoTrack-Timestamp", fmt.Sprint(start.UnixMilli()),
		"FitoTrack-Workout-Type", "hiking",
		"FitoTrack-Comment", "Evening hike")
	if r.Status != 201 {
		t.Fatalf("FitoTrack upload: %d %s", r.Status, r.Body)
	}
	var up uploadResponse
	r.JSON(&up)
	if up.Status != "imported" || len(up.Workouts) != 1 || up.Workouts[0].Sport != "hike" || up.Workouts[0].Notes != "Evening hike" ||
		!up.Workouts[0].Start.Equal(start) || up.ImportID == 0 {
		t.Fatalf("FitoTrack upload answered %+v", up)
	}
	// The same workout again (FitoTrack retries when the answer is lost)
	// is a duplicate, as in an import.
	r = send(t, "POST", url, fito, "FitoTrack-Type", "workout-gpx", "FitoTrack-Workout-Type", "hiking")
	r.JSON(&up)
	if r.Status != 200 || up.Status != "duplicate" || len(up.Workouts) != 0 || up.Duplicates != 1 {
		t.Fatalf("the same upload again: %d %s", r.Status, r.Body)
	}
	// A FitoTrack backup is not a workout.
	r = send(t, "POST", url, []byte("PK\x03\x04backup"), "FitoTrack-Type", "backup")
	if r.Status != 422 || !strings.Contains(string(r.Body), "not a workout") {
		t.Fatalf("a FitoTrack backup: %d %s", r.Status, r.Body)
	}

	// FitoTrack set up for workout-tracker, whose README says to post to
	// /api/v1/import/fitotrack?api-key=KEY (workout-tracker README.md,
	// "FitoTrack"; pkg/importers/fitotrack.go reads the same headers).
	r = send(t, "POST", ts.URL+"/api/v1/import/fitotrack?api-key="+token, gpxRun(30, start.Add(time.Hour)),
		"Content-Type", "application/x-www-form-urlencoded", "FitoTrack-Type", "workout-gpx", "FitoTrack-Workout-Type", "cycling", "FitoTrack-Comment", "")
	r.JSON(&up)
	if r.Status != 201 || len(up.Workouts) != 1 || up.Workouts[0].Sport != "ride" {
		t.Fatalf("FitoTrack to the workout-tracker path: %d %s", r.Status, r.Body)
	}

	// workout-tracker's generic upload as its README shows it:
	// curl -sSL -H "Authorization: bearer KEY" .../api/v1/import/generic --data @recorded.gpx
	// curl's --data sends the file as a form (and drops its line breaks).
	flat := bytes.ReplaceAll(gpxRun(30, start.Add(2*time.Hour)), []byte("\n"), nil)
	r = send(t, "POST", ts.URL+"/api/v1/import/generic", flat,
		"Authorization", "bearer "+token, "User-Agent", "curl/8.5.0", "Accept", "*/*", "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 201 {
		t.Fatalf("workout-tracker generic upload: %d %s", r.Status, r.Body)
	}
	// ...and with the key and a name in the query and --data-binary, as
	// the udev scripts people share for Garmin watches do; a FIT file.
	garmin, err := os.ReadFile("testdata/import/Activity.fit")
	if err != nil {
		t.Fatal(err)
	}
	r = send(t, "POST", ts.URL+"/api/v1/import/generic?api-key="+token+"&name=2024-05-01-07-00-00.fit", garmin,
		"User-Agent", "curl/8.5.0", "Accept", "*/*", "Content-Type", "application/x-www-form-urlencoded")
	r.JSON(&up)
	if r.Status != 201 || len(up.Workouts) != 1 || up.Workouts[0].Samples == 0 {
		t.Fatalf("FIT with the key in the query: %d %s", r.Status, r.Body)
	}

	// Endurain's upload endpoint (its backend's activities router,
	// backend/app/activities/router.py: POST /api/v1/activities/create/upload
	// with an UploadFile named "file", 201 with the list of activities).
	// The key in X-API-Key and X-Client-Type: mobile are as third-party
	// Endurain uploaders document sending them (their READMEs); Endurain's
	// own API-key code was not in the sources read.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "ride.tcx")
	fw.Write(tcxRide(40, start.Add(3*time.Hour)))
	mw.Close()
	r = send(t, "POST", ts.URL+"/api/v1/activities/create/upload", body.Bytes(),
		"X-API-Key", token, "X-Client-Type", "mobile", "Content-Type", mw.FormDataContentType())
	var list []Workout
	r.JSON(&list)
	if r.Status != 201 || len(list) != 1 || list[0].Sport != "ride" {
		t.Fatalf("Endurain-style upload: %d %s", r.Status, r.Body)
	}

	// RunnerUp's Endurain sync (RunnerUp
	// app/src/main/org/runnerup/export/EndurainSynchronizer.java, OkHttp):
	// the URL the user typed in (Endurain's /api/v1) + "/token" with a form
	// grant_type=password, username, password, and X-Client-Type: mobile;
	// then + "/activities/create/upload" with the access_token as Bearer, a
	// multipart part "file" named fileBase + "gpx" (no dot:
	// FileFormats.GPX.getValue() is "gpx") of type application/gpx+xml.
	// The user gives their username and an upload token as the password.
	form := neturl.Values{"grant_type": {"password"}, "username": {"ann"}, "password": {token}}
	r = send(t, "POST", ts.URL+"/api/v1/token", []byte(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "X-Client-Type", "mobile", "User-Agent", "okhttp/4.12.0")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(&tok)
	if r.Status != 200 || tok.AccessToken == "" {
		t.Fatalf("RunnerUp sign-in: %d %s", r.Status, r.Body)
	}
	body.Reset()
	mw = multipart.NewWriter(&body)
	part, _ := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="RunnerUp_2025-12-14-10-30-00_Runninggpx"`},
		"Content-Type":        {"application/gpx+xml; charset=utf-8"},
	})
	part.Write(gpxRun(30, start.Add(5*time.Hour)))
	mw.Close()
	r = send(t, "POST", ts.URL+"/api/v1/activities/create/upload", body.Bytes(),
		"Content-Type", mw.FormDataContentType(), "X-Client-Type", "mobile", "Authorization", "Bearer "+tok.AccessToken, "User-Agent", "okhttp/4.12.0")
	if r.Status != 201 {
		t.Fatalf("RunnerUp upload: %d %s", r.Status, r.Body)
	}
	// The account's password is not an upload token, nor is another
	// user's name with this token.
	for _, f := range []neturl.Values{
		{"grant_type": {"password"}, "username": {"ann"}, "password": {"password123"}},
		{"grant_type": {"password"}, "username": {"bob"}, "password": {token}},
	} {
		if r := send(t, "POST", ts.URL+"/api/v1/token", []byte(f.Encode()), "Content-Type", "application/x-www-form-urlencoded"); r.Status != 401 {
			t.Errorf("sign-in with %v: %d", f, r.Status)
		}
	}

	// fitcast's own: the token in a header, a gzipped GPX.
	r = send(t, "POST", ts.URL+"/api/upload", gz(gpxRun(20, start.Add(4*time.Hour))), "X-Upload-Token", token, "Content-Type", "application/gzip")
	if r.Status != 201 {
		t.Fatalf("gzipped GPX with X-Upload-Token: %d %s", r.Status, r.Body)
	}

	// Every upload is listed on the import page.
	var imports []importSummary
	c.must(200, "GET", "/api/imports", nil).JSON(&imports)
	if len(imports) != 9 {
		t.Fatalf("%d imports listed, want 9", len(imports))
	}
	if last := imports[0]; last.Imported != 1 || last.Results[0].Name != "upload.gpx.gz" && last.Results[0].Name != "upload.gz" {
		t.Errorf("the last upload is listed as %+v", last)
	}
	var page struct{ Items []Workout }
	c.must(200, "GET", "/api/workouts", nil).JSON(&page)
	if len(page.Items) != 7 {
		t.Fatalf("%d workouts, want 7", len(page.Items))
	}
}

// TestUploadRefusals: a wrong or revoked token writes nothing; bad files
// get the reasons an import gives; an upload token opens nothing else;
// nobody can see or revoke another user's tokens.
func TestUploadRefusals(t *testing.T) {
	ts := newTestServer(t, config{ImportMaxFile: 1 << 20, SignupOpen: true})
	ann := newClient(t, ts.URL)
	ann.signUp("ann", "password123")
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	token, url := uploadURL(t, ann, "Watch")
	run := gpxRun(20, importStart)

	before := countRows(t, ts, "imports")
	for _, r := range []response{
		send(t, "POST", ts.URL+"/api/upload/fcu_wrong", run),
		send(t, "POST", ts.URL+"/api/upload", run),
		send(t, "POST", ts.URL+"/api/upload", run, "Authorization", "Basic YW5uOnBhc3N3b3Jk"),
		send(t, "POST", ts.URL+"/api/v1/import/generic?api-key=nope", run),
	} {
		if r.Status != 401 {
			t.Errorf("a wrong token: %d %s", r.Status, r.Body)
		}
	}
	// An upload token is not an API token: it cannot read anything.
	if r := send(t, "GET", ts.URL+"/api/workouts", nil, "Authorization", "Bearer "+token); r.Status != 401 {
		t.Errorf("an upload token used to read workouts: %d", r.Status)
	}
	// Bob sees none of Ann's tokens and cannot revoke them.
	var tokens []UploadToken
	bob.must(200, "GET", "/api/upload-tokens", nil).JSON(&tokens)
	ann.must(200, "GET", "/api/upload-tokens", nil).JSON(&tokens)
	if len(tokens) != 1 || tokens[0].Name != "Watch" || strings.Contains(string(ann.do("GET", "/api/upload-tokens", nil).Body), token) {
		t.Fatalf("ann's tokens: %+v", tokens)
	}
	if r := bob.do("DELETE", fmt.Sprintf("/api/upload-tokens/%d", tokens[0].ID), nil); r.Status != 404 {
		t.Fatalf("bob revoking ann's token: %d", r.Status)
	}

	// Bad files: the same per-file reasons as an import, and each listed.
	cases := []struct {
		body   []byte
		status int
		code   string
		reason string
	}{
		{[]byte("this is not an activity at all"), 422, "import_failed", "not a FIT, GPX or TCX file"},
		{gz(run)[:40], 422, "import_failed", "gzip"},
		{gz(bytes.Repeat([]byte{0}, 3<<20)), 422, "import_failed", "larger than 1 MB once decompressed"},
		{bytes.Repeat([]byte("x"), 2<<20), 413, "too_large", "larger than 1 MB"},
		{zipOf(t, map[string][]byte{"a.gpx": run}), 422, "import_failed", "an archive"},
	}
	for i, tc := range cases {
		r := send(t, "POST", url, tc.body)
		if r.Status != tc.status || r.ErrorCode() != tc.code || !strings.Contains(string(r.Body), tc.reason) {
			t.Errorf("case %d: %d %s; want %d %s %q", i, r.Status, r.Body, tc.status, tc.code, tc.reason)
		}
	}
	if r := send(t, "POST", url, nil); r.Status != 400 || r.ErrorCode() != "invalid_upload" {
		t.Errorf("an empty upload: %d %s", r.Status, r.Body)
	}
	var imports []importSummary
	ann.must(200, "GET", "/api/imports", nil).JSON(&imports)
	if len(imports) != before+len(cases) || imports[0].Failed != 1 {
		t.Errorf("%d imports after %d bad files", len(imports), len(cases))
	}
	if n := countRows(t, ts, "workouts"); n != 0 {
		t.Fatalf("%d workouts written by refused uploads", n)
	}

	// Revoked: 401 and nothing written.
	ann.must(204, "DELETE", fmt.Sprintf("/api/upload-tokens/%d", tokens[0].ID), nil)
	imported := countRows(t, ts, "imports")
	if r := send(t, "POST", url, run); r.Status != 401 || r.ErrorCode() != "invalid_token" {
		t.Fatalf("a revoked token: %d %s", r.Status, r.Body)
	}
	if countRows(t, ts, "imports") != imported || countRows(t, ts, "workouts") != 0 {
		t.Fatal("a revoked token wrote something")
	}
}
