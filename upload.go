package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
)

// uploadTokenPrefix marks upload tokens. They are a credential of their
// own, not API tokens: a recording app on a phone gets the single right to
// add workouts, so a leaked upload URL cannot read or delete anything.
const uploadTokenPrefix = "fcu_"

// UploadToken is a named upload credential, shaped and stored like an
// API token (see tokenKind). Only the SHA-256 of the token is stored; the
// token itself is shown once, at creation.
type UploadToken = APIToken

func (s *server) listUploadTokens(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.UploadTokens(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// createUploadToken answers with the token and the upload URL that
// carries it; neither is shown again.
func (s *server) createUploadToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	name, err := validateLabel("name", body.Name)
	if err != nil {
		return err
	}
	secret := uploadTokenPrefix + newSecret()
	t, err := s.store.CreateUploadToken(r.Context(), p.User.ID, name, hashSecret(secret))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, struct {
		UploadToken
		Token string `json:"token"`
		URL   string `json:"url"`
	}{t, secret, s.publicURL(r) + "/api/upload/" + secret})
}

func (s *server) deleteUploadToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteUploadToken(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// publicURL is where browsers reach this fitcast: -base-url, or else the
// scheme and host the request came in on.
func (s *server) publicURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if s.secureRequest(r) {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.BehindProxy && r.Header.Get("X-Forwarded-Host") != "" {
		host = r.Header.Get("X-Forwarded-Host")
	}
	return scheme + "://" + host
}

var errBadUploadToken = errorf(codeInvalidToken, "this upload token is unknown or was revoked; create a new upload URL in Settings")

// uploadUser finds whose upload r is. Recording apps put the token where
// they can: FitoTrack only in the URL (path or ?api-key=, as for
// workout-tracker), Endurain clients in X-API-Key, scripts in
// Authorization: Bearer. The query is read from the URL alone, never
// from the body (FitoTrack sends its GPX labelled as a form).
func (s *server) uploadUser(r *http.Request) (User, error) {
	q := r.URL.Query()
	token := r.PathValue("token")
	for _, v := range []string{q.Get("token"), q.Get("api-key"), r.Header.Get("X-Upload-Token"), r.Header.Get("X-API-Key")} {
		if token == "" {
			token = v
		}
	}
	if h := r.Header.Get("Authorization"); token == "" && h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return User{}, errBadUploadToken
		}
		token = strings.TrimSpace(t)
	}
	if token == "" {
		return User{}, errorf(codeUnauthorized, "send the upload token in the URL or in an X-Upload-Token or Authorization: Bearer header")
	}
	t, u, err := s.store.UploadTokenByHash(r.Context(), hashSecret(token))
	if errors.Is(err, errNotFound) {
		return User{}, errBadUploadToken
	}
	if err != nil {
		return User{}, err
	}
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > touchEvery {
		if err := s.store.TouchUploadToken(r.Context(), t.ID); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// uploadResponse is what an upload answers: what became of the file, the
// workouts it created, and the import it is listed under.
type uploadResponse struct {
	Status     string    `json:"status"` // imported or duplicate
	Workouts   []Workout `json:"workouts"`
	Duplicates int       `json:"duplicates"`
	ImportID   int64     `json:"import_id"`
}

// upload takes one activity file (FIT, GPX or TCX, gzipped or not) as the
// raw request body or as the first file of a multipart form, imports it
// at once through the importer, and answers with the created workouts.
// The upload is listed on the import page like any import.
func (s *server) upload(w http.ResponseWriter, r *http.Request) error {
	u, err := s.uploadUser(r)
	if err != nil {
		return err
	}
	item, err := s.readUpload(w, r)
	if err != nil {
		return err
	}
	sum, workouts, err := s.importNow(r.Context(), u, item)
	if err != nil {
		return err
	}
	res := sum.Results[0]
	if res.Status == "failed" {
		code := codeImportFailed
		if item.refuse != "" && strings.HasPrefix(item.refuse, "larger than") {
			code = codeTooLarge
		}
		return errorf(code, "%s: %s", res.Name, res.Reason)
	}
	out := uploadResponse{Status: res.Status, Workouts: workouts, Duplicates: res.Duplicates, ImportID: sum.ID}
	status := http.StatusCreated
	if len(workouts) == 0 {
		status = http.StatusOK
	}
	if r.Pattern == endurainUploadRoute {
		// Endurain answers 201 with the list of activities created.
		return writeJSON(w, http.StatusCreated, out.Workouts)
	}
	return writeJSON(w, status, out)
}

// endurainUploadRoute is Endurain's upload endpoint, served so that apps
// with an Endurain uploader can send here unchanged.
const endurainUploadRoute = "POST /api/v1/activities/create/upload"

// readUpload reads the file of an upload, bounded by the import file
// limit. A file over the limit becomes an item refused with the reason an
// import gives, so that it is reported the same way.
func (s *server) readUpload(w http.ResponseWriter, r *http.Request) (importItem, error) {
	limits := s.importLimits()
	name := r.URL.Query().Get("name")
	var body io.Reader = r.Body
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" && params["boundary"] != "" {
		r.Body = http.MaxBytesReader(w, r.Body, limits.MaxFile+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			return importItem{}, errorf(codeInvalidUpload, "the upload is not valid multipart/form-data: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return importItem{}, errorf(codeInvalidUpload, "the upload holds no file")
			}
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return importItem{}, errorf(codeTooLarge, "larger than %d MB", limits.MaxFile>>20)
				}
				return importItem{}, errorf(codeInvalidUpload, "the upload is not valid multipart/form-data: %v", err)
			}
			if part.FileName() != "" {
				if name == "" {
					name = part.FileName()
				}
				body = part
				break
			}
			part.Close()
		}
	}
	data, err := io.ReadAll(io.LimitReader(body, limits.MaxFile+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return importItem{}, errorf(codeTooLarge, "larger than %d MB", limits.MaxFile>>20)
		}
		return importItem{}, errorf(codeInvalidUpload, "the upload could not be read: %v", err)
	}
	if len(data) == 0 {
		return importItem{}, errorf(codeInvalidUpload, "the upload is empty; send a FIT, GPX or TCX file as the body")
	}
	it := importItem{name: uploadName(name, r.Header, data)}
	it.open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	switch {
	case int64(len(data)) > limits.MaxFile:
		it.refuse = fmt.Sprintf("larger than %d MB", limits.MaxFile>>20)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		it.refuse = "an archive; upload one activity file at a time, or import archives on the import page"
	}
	// FitoTrack's HTTP POST export says what the workout is in headers
	// (see its WorkoutGpxExportSource); a backup is not a workout.
	if t := r.Header.Get("FitoTrack-Type"); t != "" {
		if t != "workout-gpx" {
			it.refuse = fmt.Sprintf("FitoTrack sent %q, not a workout; choose the workout GPX export", t)
		}
		it.meta = &stravaActivity{Type: r.Header.Get("FitoTrack-Workout-Type"), Description: r.Header.Get("FitoTrack-Comment")}
	}
	return it, nil
}

// uploadName is the name an upload is listed under: the one given, else
// one made from what the app says and the file's format. It is a bare
// file name of bounded length without control characters.
func uploadName(given string, h http.Header, data []byte) string {
	name := path.Base(strings.ReplaceAll(given, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "upload"
		if ts := h.Get("FitoTrack-Timestamp"); ts != "" && len(ts) < 20 {
			name = "fitotrack-" + ts
		}
		raw := data
		if f := sniffFormat(raw); f != "" {
			name += "." + f
		} else if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
			name += ".gz"
		}
	}
	if r := []rune(name); len(r) > maxNameLen {
		name = string(r[:maxNameLen])
	}
	return name
}

// importNow imports one item at once, in the request, and records it as
// an import so it is listed with the others. It answers with the import
// and the workouts the item created.
func (s *server) importNow(ctx context.Context, u User, it importItem) (importSummary, []Workout, error) {
	sum, err := s.newImport(ctx, u.ID, "running")
	if err != nil {
		return sum, nil, err
	}
	im := &importer{store: s.store, user: u, limits: s.importLimits()}
	res := importResult{Name: it.name, Status: "failed", Reason: it.refuse}
	if it.refuse == "" {
		res = im.importFile(ctx, it)
	}
	sum.Status, sum.Total, sum.Done = "done", 1, 1
	sum.Imported, sum.Duplicates = len(res.Workouts), res.Duplicates
	if res.Status == "failed" {
		sum.Failed = 1
	}
	sum.Results = []importResult{res}
	now := s.now().UTC()
	sum.FinishedAt = &now
	if err := s.store.saveImport(context.WithoutCancel(ctx), u.ID, sum); err != nil {
		return sum, nil, err
	}
	workouts := []Workout{}
	for _, id := range res.Workouts {
		wk, err := s.store.Workout(ctx, u.ID, id)
		if err != nil {
			return sum, nil, err
		}
		workouts = append(workouts, wk)
	}
	return sum, workouts, nil
}

// newImport records an import that is about to run.
func (s *server) newImport(ctx context.Context, userID int64, status string) (importSummary, error) {
	sum := importSummary{Status: status, Results: []importResult{}, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	var err error
	sum.ID, err = s.store.CreateImport(ctx, userID, status, sum.CreatedAt)
	return sum, err
}

// workoutTrackerImport serves workout-tracker's upload endpoint,
// POST /api/v1/import/{program}, for the apps and scripts set up for it:
// "generic" takes the file as the body, "fitotrack" is FitoTrack's HTTP
// POST export.
func (s *server) workoutTrackerImport(w http.ResponseWriter, r *http.Request) error {
	switch p := r.PathValue("program"); p {
	case "generic", "fitotrack":
		return s.upload(w, r)
	default:
		return errorf(codeNotFound, "unknown import program %q; use generic or fitotrack", p)
	}
}

// endurainToken serves Endurain's sign-in, POST /api/v1/token, for apps
// whose Endurain uploader signs in with a username and password before
// uploading (RunnerUp's EndurainSynchronizer): the password is an upload
// token of that account, never the account's password, and the answer's
// access_token is that upload token, which the upload then carries as
// Authorization: Bearer.
func (s *server) endurainToken(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return errorf(codeInvalidForm, "send username and password as a form")
	}
	name, token := r.PostForm.Get("username"), r.PostForm.Get("password")
	_, u, err := s.store.UploadTokenByHash(r.Context(), hashSecret(token))
	if errors.Is(err, errNotFound) || (err == nil && !strings.EqualFold(u.Username, name)) {
		return errorf(codeInvalidCredentials, "use your fitcast username and an upload token (Settings → Upload URLs) as the password")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"access_token": token, "token_type": "bearer"})
}
