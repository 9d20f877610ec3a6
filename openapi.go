package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The OpenAPI 3.1 description of the HTTP API, served at
// GET /api/openapi.json. Every route registered in routes() has one entry
// in apiOps, in the same order; TestOpenAPICoversRoutes fails when the two
// disagree. To document a new route, add its apiOp next to its
// neighbours: the request and response schemas are read from the Go types
// given, so they follow the code.

// apiOp describes one route.
type apiOp struct {
	Route   string // exactly as registered: "METHOD /path/{param}"
	Tag     string
	Summary string
	Auth    string // authUser, authAdmin, authNone, authOptional or authUpload
	Query   []apiParam
	Body    any   // a value of the request body's type (JSON), or a string content type
	Status  int   // the success status
	Result  any   // a value of the response's type (JSON), a string content type, or nil for no body
	Errors  []int // statuses beyond those implied (401 with auth, 404 with path parameters, 400 with a body)
	Example *apiExample
}

// apiParam is a query parameter.
type apiParam struct {
	Name, Description, Example string
}

// apiExample is a request that works against a fresh server as it is
// written (path parameters filled in, a JSON body); the test runs them in
// order, signed in as the account the first example creates.
type apiExample struct {
	Path string // with path parameters filled in
	Body any
}

const (
	authUser     = "user"
	authAdmin    = "admin"
	authNone     = "none"
	authOptional = "optional"
	authUpload   = "upload"
)

// exampleWorkoutID is the id the examples create a workout with.
const exampleWorkoutID = "0c5d8b1e-3f7a-4c2b-9d6e-1a2b3c4d5e6f"

type object = map[string]any

var (
	ctJSON      = "application/json"
	ctMultipart = "multipart/form-data"
	ctBinary    = "application/octet-stream"
)

var apiOps = []apiOp{
	{Route: "GET /healthz", Tag: "service", Summary: "Liveness: the database answers", Auth: authNone, Status: 200, Result: object{}, Errors: []int{503},
		Example: &apiExample{Path: "/healthz"}},
	{Route: "GET /metrics", Tag: "service", Summary: "Prometheus metrics", Auth: authNone, Status: 200, Result: "text/plain"},
	{Route: "GET /api/instance", Tag: "accounts", Summary: "What the sign-in page needs: sign-up, first-run setup, password and single sign-on options", Auth: authNone, Status: 200, Result: object{},
		Example: &apiExample{Path: "/api/instance"}},
	{Route: "POST /api/signup", Tag: "accounts", Summary: "Create an account and sign in (the first account is the admin)", Auth: authNone, Body: credentials{}, Status: 201, Result: User{}, Errors: []int{403, 409, 429},
		Example: &apiExample{Path: "/api/signup", Body: object{"username": "ann", "password": "correct horse battery"}}},
	{Route: "POST /api/login", Tag: "accounts", Summary: "Sign in with a password; sets the session cookie", Auth: authNone, Body: credentials{}, Status: 200, Result: User{}, Errors: []int{401, 403, 429},
		Example: &apiExample{Path: "/api/login", Body: object{"username": "ann", "password": "correct horse battery"}}},
	{Route: "POST /api/logout", Tag: "accounts", Summary: "End the browser's session", Auth: authNone, Status: 204},
	{Route: "GET /api/me", Tag: "accounts", Summary: "The signed-in account", Auth: authUser, Status: 200, Result: User{},
		Example: &apiExample{Path: "/api/me"}},
	{Route: "POST /api/me/password", Tag: "accounts", Summary: "Change the password; signs out every other session", Auth: authUser,
		Body: struct {
			Current string `json:"current_password"`
			New     string `json:"new_password"`
		}{}, Status: 204, Errors: []int{403}},
	{Route: "GET /api/sessions", Tag: "accounts", Summary: "The account's signed-in devices", Auth: authUser, Status: 200, Result: []sessionView{},
		Example: &apiExample{Path: "/api/sessions"}},
	{Route: "DELETE /api/sessions/{id}", Tag: "accounts", Summary: "Sign a device out", Auth: authUser, Status: 204},
	{Route: "GET /api/tokens", Tag: "accounts", Summary: "The account's API tokens (never the tokens themselves)", Auth: authUser, Status: 200, Result: []APIToken{},
		Example: &apiExample{Path: "/api/tokens"}},
	{Route: "POST /api/tokens", Tag: "accounts", Summary: "Create an API token; the token is in this answer only", Auth: authUser, Body: struct {
		Name string `json:"name"`
	}{}, Status: 201, Result: struct {
		APIToken
		Token string `json:"token"`
	}{}, Example: &apiExample{Path: "/api/tokens", Body: object{"name": "GPS logger"}}},
	{Route: "DELETE /api/tokens/{id}", Tag: "accounts", Summary: "Revoke an API token", Auth: authUser, Status: 204,
		Example: &apiExample{Path: "/api/tokens/1"}},
	{Route: "PUT /api/settings", Tag: "accounts", Summary: "Display preferences: time zone, units, first day of the week", Auth: authUser, Body: UserSettings{}, Status: 200, Result: User{},
		Example: &apiExample{Path: "/api/settings", Body: object{"timezone": "Europe/Berlin", "units": "metric", "week_start": "monday"}}},
	{Route: "GET /api/users", Tag: "accounts", Summary: "Every account", Auth: authAdmin, Status: 200, Result: []User{},
		Example: &apiExample{Path: "/api/users"}},
	{Route: "POST /api/users", Tag: "accounts", Summary: "Create an account while sign-up is closed", Auth: authAdmin, Body: struct {
		credentials
		Admin bool `json:"admin"`
	}{}, Status: 201, Result: User{}, Errors: []int{409},
		Example: &apiExample{Path: "/api/users", Body: object{"username": "bob", "password": "another long one"}}},

	{Route: "GET /api/admin/replication", Tag: "accounts", Summary: "Offsite replication (-replicate): each replica's lag, last upload and errors", Auth: authAdmin, Status: 200, Result: ReplicationStatus{},
		Example: &apiExample{Path: "/api/admin/replication"}},
	{Route: "GET /api/sports", Tag: "workouts", Summary: "Built-in and custom sports", Auth: authUser, Status: 200, Result: []Sport{},
		Example: &apiExample{Path: "/api/sports"}},
	{Route: "POST /api/sports", Tag: "workouts", Summary: "Add a custom sport", Auth: authUser, Body: struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}{}, Status: 201, Result: Sport{}, Errors: []int{409},
		Example: &apiExample{Path: "/api/sports", Body: object{"name": "Canoe polo", "kind": "duration"}}},
	{Route: "GET /api/exercises", Tag: "workouts", Summary: "Built-in and custom exercises", Auth: authUser, Status: 200, Result: []Exercise{},
		Example: &apiExample{Path: "/api/exercises"}},
	{Route: "POST /api/exercises", Tag: "workouts", Summary: "Add a custom exercise", Auth: authUser, Body: struct {
		Name string `json:"name"`
	}{}, Status: 201, Result: Exercise{}, Errors: []int{409}},
	{Route: "GET /api/workouts", Tag: "workouts", Summary: "The account's workouts, newest first, a page at a time", Auth: authUser,
		Query: []apiParam{{"sport", "only this sport", "run"}, {"q", "text in the title or notes", ""}, {"from", "start at or after (date or RFC 3339)", ""},
			{"to", "start before (date or RFC 3339)", ""}, {"limit", "page size, 1-200", "20"}, {"cursor", "next_cursor of the previous page", ""}},
		Status: 200, Result: struct {
			Items      []Workout `json:"items"`
			NextCursor string    `json:"next_cursor,omitempty"`
		}{}, Example: &apiExample{Path: "/api/workouts?limit=20"}},
	{Route: "POST /api/workouts", Tag: "workouts", Summary: "Record a workout (201; 200 when the same id was already stored, so retries are safe)", Auth: authUser,
		Body: workoutInput{}, Status: 201, Result: Workout{},
		Example: &apiExample{Path: "/api/workouts", Body: object{"id": exampleWorkoutID, "sport": "run", "start": "2026-02-01T07:00:00Z", "duration_s": 1800, "distance_m": 5000, "title": "Morning run"}}},
	{Route: "GET /api/workouts/{id}", Tag: "workouts", Summary: "One workout with its sets", Auth: authUser, Status: 200, Result: Workout{},
		Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID}},
	{Route: "PUT /api/workouts/{id}", Tag: "workouts", Summary: "Replace a workout's fields", Auth: authUser, Body: workoutInput{}, Status: 200, Result: Workout{},
		Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID, Body: object{"sport": "run", "start": "2026-02-01T07:00:00Z", "duration_s": 1750, "distance_m": 5000, "title": "Morning run, rainy"}}},
	{Route: "DELETE /api/workouts/{id}", Tag: "workouts", Summary: "Delete a workout", Auth: authUser, Status: 204},
	{Route: "GET /api/workouts/{id}/samples", Tag: "workouts", Summary: "The time series as columns", Auth: authUser, Status: 200, Result: sampleColumns{},
		Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID + "/samples"}},
	{Route: "POST /api/workouts/{id}/samples", Tag: "workouts", Summary: "Add or replace samples (t is seconds since the start)", Auth: authUser, Body: struct {
		Samples []Sample `json:"samples"`
	}{}, Status: 200, Result: struct {
		Stored int `json:"stored"`
	}{}, Errors: []int{413},
		Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID + "/samples", Body: object{"samples": []object{{"t": 0, "lat": 52.52, "lon": 13.40, "hr": 120}, {"t": 5, "lat": 52.5203, "lon": 13.4002, "hr": 124}}}}},
	{Route: "POST /api/workouts/{id}/share", Tag: "workouts", Summary: "Share a workout by link", Auth: authUser, Body: struct {
		ShowMap *bool `json:"show_map"`
	}{}, Status: 200, Result: struct {
		Token   string `json:"token"`
		Path    string `json:"path"`
		ShowMap bool   `json:"show_map"`
	}{}, Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID + "/share", Body: object{"show_map": false}}},
	{Route: "DELETE /api/workouts/{id}/share", Tag: "workouts", Summary: "Stop sharing a workout", Auth: authUser, Status: 204},
	{Route: "GET /api/public/workouts/{token}", Tag: "workouts", Summary: "A shared workout, by its link's token", Auth: authNone, Status: 200, Result: publicWorkout{}},
	{Route: "GET /api/templates", Tag: "workouts", Summary: "Strength workout templates", Auth: authUser, Status: 200, Result: []Template{},
		Example: &apiExample{Path: "/api/templates"}},
	{Route: "POST /api/templates", Tag: "workouts", Summary: "Save a template", Auth: authUser, Body: struct {
		Name string       `json:"name"`
		Sets []WorkoutSet `json:"sets"`
	}{}, Status: 201, Result: Template{},
		Example: &apiExample{Path: "/api/templates", Body: object{"name": "Push day", "sets": []object{{"exercise": "bench_press", "reps": 5, "weight_kg": 60}}}}},
	{Route: "DELETE /api/templates/{id}", Tag: "workouts", Summary: "Delete a template", Auth: authUser, Status: 204},
	{Route: "GET /api/records", Tag: "workouts", Summary: "Personal records: best efforts, longest workouts, heaviest lifts", Auth: authUser, Status: 200, Result: Records{},
		Example: &apiExample{Path: "/api/records"}},
	{Route: "GET /api/goals", Tag: "goals", Summary: "Goals with their progress", Auth: authUser, Status: 200, Result: []Goal{},
		Example: &apiExample{Path: "/api/goals"}},
	{Route: "POST /api/goals", Tag: "goals", Summary: "Set a goal", Auth: authUser, Body: goalInput{}, Status: 201, Result: Goal{}},
	{Route: "GET /api/goals/{id}", Tag: "goals", Summary: "One goal with its progress", Auth: authUser, Status: 200, Result: Goal{}},
	{Route: "PUT /api/goals/{id}", Tag: "goals", Summary: "Change a goal", Auth: authUser, Body: goalInput{}, Status: 200, Result: Goal{}},
	{Route: "DELETE /api/goals/{id}", Tag: "goals", Summary: "Delete a goal", Auth: authUser, Status: 204},
	{Route: "GET /api/goals/{id}/history", Tag: "goals", Summary: "A goal's past periods", Auth: authUser, Status: 200, Result: []PeriodResult{}},
	{Route: "GET /api/weights", Tag: "goals", Summary: "Body weight entries", Auth: authUser, Status: 200, Result: []Weight{},
		Example: &apiExample{Path: "/api/weights"}},
	{Route: "POST /api/weights", Tag: "goals", Summary: "Log body weight", Auth: authUser, Body: struct {
		At string   `json:"at"`
		KG *float64 `json:"kg"`
	}{}, Status: 201, Result: Weight{},
		Example: &apiExample{Path: "/api/weights", Body: object{"kg": 61.5, "at": "2026-02-01T07:00:00Z"}}},
	{Route: "PUT /api/weights/{id}", Tag: "goals", Summary: "Correct a weight entry's weight or date", Auth: authUser, Body: struct {
		At string   `json:"at"`
		KG *float64 `json:"kg"`
	}{}, Status: 200, Result: Weight{}},
	{Route: "DELETE /api/weights/{id}", Tag: "goals", Summary: "Delete a weight entry", Auth: authUser, Status: 204},
	{Route: "GET /api/stats", Tag: "goals", Summary: "Totals by week, month or year", Auth: authUser,
		Query:  []apiParam{{"bucket", "week, month or year", "week"}, {"from", "date or RFC 3339", ""}, {"to", "date or RFC 3339", ""}, {"sport", "only this sport", ""}},
		Status: 200, Result: struct {
			Bucket    string        `json:"bucket"`
			Timezone  string        `json:"timezone"`
			WeekStart string        `json:"week_start"`
			Buckets   []StatsBucket `json:"buckets"`
		}{}, Example: &apiExample{Path: "/api/stats?bucket=month"}},
	{Route: "GET /api/dashboard", Tag: "goals", Summary: "What the home screen shows: this week's totals, active goals, recent workouts, new records", Auth: authUser, Status: 200, Result: struct {
		Week       StatsBucket `json:"week"`
		Goals      []Goal      `json:"goals"`
		Recent     []Workout   `json:"recent"`
		NewRecords []any       `json:"new_records"`
	}{},
		Example: &apiExample{Path: "/api/dashboard"}},
	{Route: "GET /api/athlete", Tag: "training", Summary: "The athlete's dated settings (heart rates, FTP, threshold pace, zones), the values in force today, and estimates from the account's own data", Auth: authUser, Status: 200, Result: athleteReport{},
		Example: &apiExample{Path: "/api/athlete"}},
	{Route: "POST /api/athlete/settings", Tag: "training", Summary: "Set one athlete setting from a day on (today by default); recomputes the zones and loads of the workouts it applies to", Auth: authUser, Body: settingEntry{}, Status: 200, Result: athleteReport{},
		Example: &apiExample{Path: "/api/athlete/settings", Body: object{"key": "max_hr", "from": "2026-01-01", "value": 190}}},
	{Route: "DELETE /api/athlete/settings/{key}/{from}", Tag: "training", Summary: "Remove one dated athlete setting", Auth: authUser, Status: 200, Result: athleteReport{},
		Example: &apiExample{Path: "/api/athlete/settings/max_hr/2026-01-01"}},
	{Route: "GET /api/fitness", Tag: "training", Summary: "Daily load, fitness (CTL), fatigue (ATL) and form, with the workouts beneath", Auth: authUser,
		Query:  []apiParam{{"from", "first day, YYYY-MM-DD (180 days before to by default)", ""}, {"to", "last day, YYYY-MM-DD (today by default)", "2026-02-28"}},
		Status: 200, Result: fitnessReport{}, Example: &apiExample{Path: "/api/fitness?to=2026-02-28"}},
	{Route: "GET /api/power-curve", Tag: "training", Summary: "Best mean power over 5 s to 60 min across every ride, with the workout that holds each", Auth: authUser, Status: 200, Result: struct {
		Curve []powerPoint `json:"curve"`
	}{}, Example: &apiExample{Path: "/api/power-curve"}},
	{Route: "GET /api/gear", Tag: "training", Summary: "Shoes, bikes and other gear with their totals", Auth: authUser, Status: 200, Result: []Gear{},
		Example: &apiExample{Path: "/api/gear"}},
	{Route: "POST /api/gear", Tag: "training", Summary: "Add gear", Auth: authUser, Body: gearInput{}, Status: 201, Result: Gear{}},
	{Route: "PUT /api/gear/{id}", Tag: "training", Summary: "Change gear (name, sport default, alert distance, retirement)", Auth: authUser, Body: gearInput{}, Status: 200, Result: Gear{}},
	{Route: "DELETE /api/gear/{id}", Tag: "training", Summary: "Delete gear; workouts keep their other gear", Auth: authUser, Status: 204},
	{Route: "GET /api/live", Tag: "live", Summary: "The account's live sessions", Auth: authUser, Status: 200, Result: []LiveSession{},
		Example: &apiExample{Path: "/api/live"}},
	{Route: "POST /api/live", Tag: "live", Summary: "Start a live session", Auth: authUser, Body: struct {
		ID    string `json:"id"`
		Sport string `json:"sport"`
	}{}, Status: 201, Result: LiveSession{}},
	{Route: "POST /api/live/{id}/samples", Tag: "live", Summary: "Send a batch of live samples", Auth: authUser, Body: struct {
		Samples []Sample `json:"samples"`
	}{}, Status: 200, Result: IngestResult{}, Errors: []int{409}},
	{Route: "POST /api/live/{id}/sets", Tag: "live", Summary: "Log a strength set as it happens", Auth: authUser, Body: struct {
		WorkoutSet
		Position *int `json:"position"`
	}{}, Status: 201, Result: object{}, Errors: []int{409}},
	{Route: "POST /api/live/{id}/pause", Tag: "live", Summary: "Pause a live session", Auth: authUser, Status: 200, Result: LiveSession{}, Errors: []int{409}},
	{Route: "POST /api/live/{id}/resume", Tag: "live", Summary: "Resume a live session", Auth: authUser, Status: 200, Result: LiveSession{}, Errors: []int{409}},
	{Route: "POST /api/live/{id}/finish", Tag: "live", Summary: "Finish a live session", Auth: authUser, Status: 200, Result: LiveSession{}, Errors: []int{409}},
	{Route: "POST /api/live/{id}/share", Tag: "live", Summary: "Let spectators follow a live session by link", Auth: authUser, Body: struct {
		ExpiresAt string  `json:"expires_at"`
		PrivacyM  float64 `json:"privacy_m"`
	}{}, Status: 200, Result: object{}},
	{Route: "DELETE /api/live/{id}/share", Tag: "live", Summary: "Stop sharing a live session", Auth: authUser, Status: 204},
	{Route: "GET /api/live/watch/{token}", Tag: "live", Summary: "A shared live session, for spectators", Auth: authNone, Status: 200, Result: object{}},
	{Route: "GET /api/games", Tag: "games", Summary: "Public games; ?mine=1 for the account's own", Auth: authOptional,
		Query: []apiParam{{"mine", "1 for the games the account owns or keeps score of (needs sign-in)", ""}}, Status: 200, Result: []Game{},
		Example: &apiExample{Path: "/api/games"}},
	{Route: "POST /api/games", Tag: "games", Summary: "Create a game", Auth: authUser, Body: gameInput{}, Status: 201, Result: Game{}},
	{Route: "GET /api/games/{id}", Tag: "games", Summary: "A game with its state", Auth: authOptional, Status: 200, Result: Game{}},
	{Route: "PUT /api/games/{id}", Tag: "games", Summary: "Change a game", Auth: authUser, Body: gameInput{}, Status: 200, Result: Game{}, Errors: []int{403}},
	{Route: "DELETE /api/games/{id}", Tag: "games", Summary: "Delete a game", Auth: authUser, Status: 204, Errors: []int{403}},
	{Route: "POST /api/games/{id}/scorekeepers", Tag: "games", Summary: "Invite a scorekeeper", Auth: authUser, Body: struct {
		Username string `json:"username"`
	}{}, Status: 200, Result: object{}, Errors: []int{403}},
	{Route: "GET /api/games/{id}/events", Tag: "games", Summary: "A game's events", Auth: authOptional, Status: 200, Result: []GameEvent{}},
	{Route: "POST /api/games/{id}/events", Tag: "games", Summary: "Record a game event (scorekeepers)", Auth: authUser, Body: eventInput{}, Status: 201, Result: object{}, Errors: []int{403, 409}},
	{Route: "POST /api/games/{id}/undo", Tag: "games", Summary: "Undo the last event (scorekeepers)", Auth: authUser, Status: 200, Result: object{}, Errors: []int{403, 409}},
	{Route: "POST /api/imports", Tag: "import", Summary: "Upload files to import in the background (multipart, any field name)", Auth: authUser, Body: ctMultipart, Status: 202, Result: importSummary{}, Errors: []int{413}},
	{Route: "GET /api/imports", Tag: "import", Summary: "The last 20 imports, uploads and watched-folder imports", Auth: authUser, Status: 200, Result: []importSummary{},
		Example: &apiExample{Path: "/api/imports"}},
	{Route: "GET /api/imports/{id}", Tag: "import", Summary: "One import with its per-file results", Auth: authUser, Status: 200, Result: importSummary{}},
	{Route: "GET /api/export", Tag: "import", Summary: "Everything of the account as a zip", Auth: authUser, Status: 200, Result: "application/zip"},
	{Route: "GET /api/workouts/{id}/original", Tag: "import", Summary: "A workout's original file as it was imported", Auth: authUser, Status: 200, Result: ctBinary},
	{Route: "GET /api/workouts/{id}/gpx", Tag: "import", Summary: "A workout as GPX", Auth: authUser, Status: 200, Result: "application/gpx+xml",
		Example: &apiExample{Path: "/api/workouts/" + exampleWorkoutID + "/gpx"}},
	{Route: "GET /api/workouts/{id}/fit", Tag: "import", Summary: "A workout as a FIT activity file", Auth: authUser, Status: 200, Result: "application/vnd.ant.fit"},
	{Route: "GET /api/calendar", Tag: "workouts", Summary: "Workouts by day for a month", Auth: authUser, Query: []apiParam{{"month", "YYYY-MM; this month by default", "2026-02"}},
		Status: 200, Result: object{}, Example: &apiExample{Path: "/api/calendar?month=2026-02"}},
	{Route: "GET /api/heatmap", Tag: "workouts", Summary: "Training by day for a year", Auth: authUser, Query: []apiParam{{"year", "this year by default", "2026"}},
		Status: 200, Result: object{}, Example: &apiExample{Path: "/api/heatmap?year=2026"}},
	{Route: "GET /api/upload-tokens", Tag: "upload", Summary: "The account's upload URLs (never their tokens)", Auth: authUser, Status: 200, Result: []UploadToken{},
		Example: &apiExample{Path: "/api/upload-tokens"}},
	{Route: "POST /api/upload-tokens", Tag: "upload", Summary: "Create an upload URL for a recording app; the token and URL are in this answer only", Auth: authUser,
		Body: struct {
			Name string `json:"name"`
		}{}, Status: 201, Result: struct {
			UploadToken
			Token string `json:"token"`
			URL   string `json:"url"`
		}{}, Example: &apiExample{Path: "/api/upload-tokens", Body: object{"name": "FitoTrack"}}},
	{Route: "DELETE /api/upload-tokens/{id}", Tag: "upload", Summary: "Revoke an upload URL", Auth: authUser, Status: 204,
		Example: &apiExample{Path: "/api/upload-tokens/1"}},
	{Route: "POST /api/upload", Tag: "upload", Summary: "Upload one FIT, GPX or TCX file (gzipped or not) as the body or a multipart file; the upload token in X-Upload-Token, Authorization: Bearer, or ?token=",
		Auth: authUpload, Query: []apiParam{{"token", "the upload token, for apps that cannot set headers", ""}, {"name", "the file's name", "run.gpx"}},
		Body: ctBinary, Status: 201, Result: uploadResponse{}, Errors: []int{413, 422}},
	{Route: "POST /api/upload/{token}", Tag: "upload", Summary: "The same, with the upload token in the path: the upload URL Settings shows",
		Auth: authUpload, Query: []apiParam{{"name", "the file's name", "run.gpx"}}, Body: ctBinary, Status: 201, Result: uploadResponse{}, Errors: []int{413, 422}},
	{Route: "POST /api/v1/import/{program}", Tag: "upload", Summary: "workout-tracker's upload endpoint (program generic or fitotrack), for apps set up for it; the upload token as ?api-key= or Authorization: Bearer",
		Auth: authUpload, Query: []apiParam{{"api-key", "the upload token", ""}, {"name", "the file's name", ""}}, Body: ctBinary, Status: 201, Result: uploadResponse{}, Errors: []int{413, 422}},
	{Route: endurainUploadRoute, Tag: "upload", Summary: "Endurain's upload endpoint, for apps set up for it: a multipart file named file; the upload token in X-API-Key",
		Auth: authUpload, Body: ctMultipart, Status: 201, Result: []Workout{}, Errors: []int{413, 422}},
	{Route: "POST /api/v1/token", Tag: "upload", Summary: "Endurain's sign-in, for Endurain uploaders that sign in first (RunnerUp): a form with username and an upload token as password; the access_token answered is the upload token",
		Auth: authNone, Body: "application/x-www-form-urlencoded", Status: 200, Result: struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
		}{}, Errors: []int{401}},
	{Route: "GET /api/auth/oidc/login", Tag: "accounts", Summary: "Start OpenID Connect sign-in: redirects to the provider", Auth: authNone,
		Query: []apiParam{{"next", "the path to return to afterwards", "/"}}, Status: 302, Errors: []int{502}},
	{Route: "GET /api/auth/oidc/callback", Tag: "accounts", Summary: "Where the provider sends the browser back; redirects to next, or to /login?sso_error=", Auth: authNone,
		Query: []apiParam{{"code", "from the provider", ""}, {"state", "from the provider", ""}}, Status: 303},
	{Route: "GET /api/openapi.json", Tag: "service", Summary: "This document", Auth: authNone, Status: 200, Result: object{},
		Example: &apiExample{Path: "/api/openapi.json"}},

	{Route: "GET /ws", Tag: "websocket", Summary: "The multiplexed WebSocket (docs/protocol.md)", Auth: authOptional, Status: 101},
	{Route: "GET /ws/{$}", Tag: "websocket", Summary: "The same", Auth: authOptional, Status: 101},
	{Route: "GET /ws/fitness-tracking/{$}", Tag: "websocket", Summary: "The signed-in user's own stream", Auth: authUser, Status: 101},
	{Route: "GET /ws/fitness-tracking", Tag: "websocket", Summary: "The same", Auth: authUser, Status: 101},
	{Route: "GET /ws/sports-updates/{$}", Tag: "websocket", Summary: "The public feed of live game updates", Auth: authOptional, Status: 101},
	{Route: "GET /ws/sports-updates", Tag: "websocket", Summary: "The same", Auth: authOptional, Status: 101},
}

// openAPIPath turns a ServeMux pattern's path into an OpenAPI path.
func openAPIPath(route string) (method, path string) {
	method, path, _ = strings.Cut(route, " ")
	return strings.ToLower(method), strings.TrimSuffix(path, "{$}")
}

var pathParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

// openAPIDoc builds the document from apiOps.
func openAPIDoc() object {
	sg := &schemaGen{components: object{}}
	paths := object{}
	for _, op := range apiOps {
		method, p := openAPIPath(op.Route)
		item, _ := paths[p].(object)
		if item == nil {
			item = object{}
			paths[p] = item
		}
		item[method] = sg.operation(op, p)
	}
	sg.components["Error"] = object{
		"type": "object", "required": []string{"error"},
		"properties": object{"error": object{"type": "object", "required": []string{"code", "message"}, "properties": object{
			"code":    object{"type": "string", "description": "machine-readable, e.g. invalid_field, not_found, too_large"},
			"message": object{"type": "string", "description": "for people"},
			"field":   object{"type": "string", "description": "the request field at fault, when there is one"},
		}}},
	}
	return object{
		"openapi": "3.1.0",
		"info": object{"title": "fitcast", "version": version,
			"description": "The JSON API of fitcast. Errors share one shape (components.schemas.Error). Browser sessions use an HttpOnly cookie; scripts use Authorization: Bearer <API token>; recording apps use an upload token. See docs/api.md for the details of each field."},
		"paths": paths,
		"components": object{
			"schemas": sg.components,
			"securitySchemes": object{
				"session":     object{"type": "apiKey", "in": "cookie", "name": sessionCookie},
				"bearer":      object{"type": "http", "scheme": "bearer", "description": "an API token (fc_...)"},
				"uploadToken": object{"type": "apiKey", "in": "header", "name": "X-Upload-Token", "description": "an upload token (fcu_...); also taken from the path, ?token=, ?api-key=, X-API-Key or Authorization: Bearer"},
			},
		},
	}
}

func (sg *schemaGen) operation(op apiOp, path string) object {
	o := object{"summary": op.Summary, "tags": []string{op.Tag}, "operationId": operationID(op.Route)}
	var params []object
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		p := object{"name": m[1], "in": "path", "required": true, "schema": object{"type": "string"}}
		if ex := exampleParam(op, path, m[1]); ex != "" {
			p["example"] = ex
		}
		params = append(params, p)
	}
	for _, q := range op.Query {
		p := object{"name": q.Name, "in": "query", "description": q.Description, "schema": object{"type": "string"}}
		if q.Example != "" {
			p["example"] = q.Example
		}
		params = append(params, p)
	}
	if params != nil {
		o["parameters"] = params
	}
	switch op.Auth {
	case authUser, authAdmin:
		o["security"] = []object{{"session": []string{}}, {"bearer": []string{}}}
	case authOptional:
		o["security"] = []object{{}, {"session": []string{}}, {"bearer": []string{}}}
	case authUpload:
		o["security"] = []object{{"uploadToken": []string{}}}
	default:
		o["security"] = []object{}
	}
	if op.Body != nil {
		content := object{}
		if ct, ok := op.Body.(string); ok {
			content[ct] = object{"schema": object{"type": "string", "contentMediaType": ct}}
		} else {
			sg.request = true
			media := object{"schema": sg.schema(reflect.TypeOf(op.Body))}
			sg.request = false
			if op.Example != nil && op.Example.Body != nil {
				media["example"] = op.Example.Body
			}
			content[ctJSON] = media
		}
		o["requestBody"] = object{"required": true, "content": content}
	}
	responses := object{}
	ok := object{"description": http.StatusText(op.Status)}
	switch r := op.Result.(type) {
	case nil:
	case string:
		ok["content"] = object{r: object{"schema": object{"type": "string"}}}
	default:
		ok["content"] = object{ctJSON: object{"schema": sg.schema(reflect.TypeOf(r))}}
	}
	if op.Status == 302 || op.Status == 303 {
		ok["headers"] = object{"Location": object{"schema": object{"type": "string"}}}
	}
	responses[strconv.Itoa(op.Status)] = ok
	errs := append([]int{}, op.Errors...)
	if op.Auth == authUser || op.Auth == authAdmin || op.Auth == authUpload {
		errs = append(errs, 401)
	}
	if op.Auth == authAdmin {
		errs = append(errs, 403)
	}
	if strings.Contains(path, "{") {
		errs = append(errs, 404)
	}
	if op.Body != nil || op.Query != nil {
		errs = append(errs, 400)
	}
	errs = append(errs, 500)
	sort.Ints(errs)
	errs = slicesCompact(errs)
	for _, code := range errs {
		responses[strconv.Itoa(code)] = object{"description": http.StatusText(code),
			"content": object{ctJSON: object{"schema": object{"$ref": "#/components/schemas/Error"}}}}
	}
	o["responses"] = responses
	return o
}

func slicesCompact(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// exampleParam is a path parameter's value in the operation's example.
func exampleParam(op apiOp, path, name string) string {
	if op.Example == nil {
		return ""
	}
	want := strings.Split(path, "/")
	got := strings.Split(strings.SplitN(op.Example.Path, "?", 2)[0], "/")
	if len(want) != len(got) {
		return ""
	}
	for i, seg := range want {
		if seg == "{"+name+"}" {
			return got[i]
		}
	}
	return ""
}

// operationID is a route as an identifier: "GET /api/workouts/{id}"
// becomes getApiWorkoutsId.
func operationID(route string) string {
	var b strings.Builder
	for i, word := range strings.FieldsFunc(strings.ToLower(route), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if i > 0 {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		b.WriteString(word)
	}
	return b.String()
}

// schemaGen turns Go types into JSON Schemas (draft 2020-12, which
// OpenAPI 3.1 uses), by the same json tags encoding/json follows. Named
// struct types become components.
type schemaGen struct {
	components object
	request    bool // describing a request body: its own fields are all optional
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage(nil)) // any JSON value
)

func (sg *schemaGen) schema(t reflect.Type) object {
	switch {
	case t == timeType:
		return object{"type": "string", "format": "date-time"}
	case t == rawType:
		return object{}
	case t.Kind() == reflect.Pointer:
		s := sg.schema(t.Elem())
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
			return s
		}
		return object{"anyOf": []object{s, {"type": "null"}}}
	}
	switch t.Kind() {
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return object{"type": "number"}
	case reflect.String:
		return object{"type": "string"}
	case reflect.Slice: // a nil slice encodes as null
		return object{"type": []string{"array", "null"}, "items": sg.schema(t.Elem())}
	case reflect.Array:
		return object{"type": "array", "items": sg.schema(t.Elem())}
	case reflect.Map: // as a nil map does
		return object{"type": []string{"object", "null"}, "additionalProperties": sg.schema(t.Elem())}
	case reflect.Interface:
		return object{}
	case reflect.Struct:
		if t.Name() == "" || !isExported(t.Name()) {
			return sg.structSchema(t, sg.request)
		}
		if _, ok := sg.components[t.Name()]; !ok {
			sg.components[t.Name()] = object{} // a placeholder while recursing
			sg.components[t.Name()] = sg.structSchema(t, false)
		}
		return object{"$ref": "#/components/schemas/" + t.Name()}
	}
	return object{}
}

func isExported(name string) bool { return name != "" && name[0] >= 'A' && name[0] <= 'Z' }

// structSchema describes a struct's JSON object. In a response, fields
// encoded always are required; a request's inline fields are described
// without required, since the handlers say which they need.
func (sg *schemaGen) structSchema(t reflect.Type, request bool) object {
	props := object{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = sg.schema(f.Type)
			if !request && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
	}
	walk(t)
	s := object{"type": "object", "properties": props}
	if required != nil {
		s["required"] = required
	}
	return s
}

// openAPIJSON is the document, built once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return json.Marshal(openAPIDoc()) })

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	doc, err := openAPIJSON()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*") // for API explorers on other sites
	_, err = w.Write(doc)
	return err
}
