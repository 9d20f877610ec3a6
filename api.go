package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxJSONBody caps every JSON request body. Imports, which take files, set
// their own larger limit. Defaults to 1 MiB.
const maxJSONBody = 1 << 20

var errUnauthorized = errorf(codeUnauthorized, "sign in first")

// errorBody is the JSON error shape every endpoint uses.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// writeError turns any error into a status and the JSON error shape. Only
// apiErrors and the store's sentinels are shown as they are; anything else
// is logged and reported as an internal error, so no detail leaks.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var ae *apiError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &tooBig):
		ae = errorf(codeTooLarge, "request body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, errNotFound):
		ae = errorf(codeNotFound, "not found")
	case errors.Is(err, errConflict):
		ae = errorf(codeConflict, "already exists")
	case errors.Is(err, errClosed):
		ae = errorf(codeShuttingDown, "the server is shutting down; try again shortly")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client went away; nobody is listening
	default:
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errorf(codeInternal, "something went wrong on the server; it has been logged")
	}
	writeAPIError(w, ae)
}

// writeAPIError writes ae in the JSON error shape, with the status the
// error catalogue gives its code: the one place a code becomes a status.
func writeAPIError(w http.ResponseWriter, ae *apiError) {
	entry, ok := errorCatalogue[ae.Code]
	if !ok {
		entry = errorCatalogue[codeInternal]
	}
	body := errBody(entry.Code, ae.Message)
	body.Error.Field = ae.Field
	writeJSON(w, entry.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a JSON object body of at most maxJSONBody bytes into dst.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.Is(err, io.EOF):
			return errorf(codeInvalidJSON, "request body is empty; send a JSON object")
		case errors.As(err, &syntax):
			return errorf(codeInvalidJSON, "request body is not valid JSON (at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			if typ.Field != "" {
				return invalidField(typ.Field, "must be a JSON %s", typ.Type.Kind())
			}
			return errorf(codeInvalidJSON, "request body must be a JSON object")
		default:
			return errorf(codeInvalidJSON, "request body is not valid JSON: %v", err)
		}
	}
	if dec.More() {
		return errorf(codeInvalidJSON, "request body must hold a single JSON object")
	}
	return nil
}

// pathID parses a numeric path parameter; anything else is "not found", the
// same answer a missing object gets.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// apiHandler is an HTTP handler that returns its failure instead of writing it.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// handle registers h at pattern with the request metrics and error writing
// every route shares.
func (s *server) handle(pattern string, h apiHandler) {
	route := pattern
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		route = pattern[i+1:]
	}
	s.mux.Handle(pattern, s.metrics.instrument(route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, s.log, err)
		}
	})))
}

// routes registers every endpoint. Handlers that need a signed-in user are
// wrapped with s.user, and admin-only ones with s.admin.
func (s *server) routes() {
	s.handle("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.metrics.handler())

	s.handle("GET /api/instance", s.instance)
	s.handle("POST /api/signup", s.passwords(s.signup))
	s.handle("POST /api/login", s.passwords(s.login))
	s.handle("POST /api/logout", s.logout)
	s.handle("GET /api/me", s.user(s.me))
	s.handle("POST /api/me/password", s.passwords(s.user(s.changePassword)))
	s.handle("GET /api/sessions", s.user(s.listSessions))
	s.handle("DELETE /api/sessions/{id}", s.user(s.deleteSession))
	s.handle("GET /api/tokens", s.user(s.listTokens))
	s.handle("POST /api/tokens", s.user(s.createToken))
	s.handle("DELETE /api/tokens/{id}", s.user(s.deleteToken))
	s.handle("PUT /api/settings", s.user(s.updateSettings))
	s.handle("GET /api/users", s.admin(s.listUsers))
	s.handle("POST /api/users", s.admin(s.createUser))
	s.handle("GET /api/admin/replication", s.admin(s.replicationStatus))

	s.handle("GET /api/sports", s.user(s.listSports))
	s.handle("POST /api/sports", s.user(s.createSport))
	s.handle("GET /api/exercises", s.user(s.listExercises))
	s.handle("POST /api/exercises", s.user(s.createExercise))
	s.handle("GET /api/workouts", s.user(s.listWorkouts))
	s.handle("POST /api/workouts", s.user(s.createWorkout))
	s.handle("GET /api/workouts/{id}", s.user(s.getWorkout))
	s.handle("PUT /api/workouts/{id}", s.user(s.updateWorkout))
	s.handle("DELETE /api/workouts/{id}", s.user(s.deleteWorkout))
	s.handle("GET /api/workouts/{id}/samples", s.user(s.getSamples))
	s.handle("POST /api/workouts/{id}/samples", s.user(s.addSamples))
	s.handle("POST /api/workouts/{id}/share", s.user(s.shareWorkout))
	s.handle("DELETE /api/workouts/{id}/share", s.user(s.unshareWorkout))
	s.handle("GET /api/public/workouts/{token}", s.getPublicWorkout)
	s.handle("GET /api/templates", s.user(s.listTemplates))
	s.handle("POST /api/templates", s.user(s.createTemplate))
	s.handle("DELETE /api/templates/{id}", s.user(s.deleteTemplate))
	s.handle("GET /api/records", s.user(s.records))
	s.handle("GET /api/goals", s.user(s.listGoals))
	s.handle("POST /api/goals", s.user(s.saveGoal))
	s.handle("GET /api/goals/{id}", s.user(s.getGoal))
	s.handle("PUT /api/goals/{id}", s.user(s.saveGoal))
	s.handle("DELETE /api/goals/{id}", s.user(s.deleteGoal))
	s.handle("GET /api/goals/{id}/history", s.user(s.goalHistory))
	s.handle("GET /api/weights", s.user(s.listWeights))
	s.handle("POST /api/weights", s.user(s.addWeight))
	s.handle("DELETE /api/weights/{id}", s.user(s.deleteWeight))
	s.handle("PUT /api/weights/{id}", s.user(s.updateWeight))
	s.handle("GET /api/stats", s.user(s.stats))
	s.handle("GET /api/dashboard", s.user(s.dashboard))
	s.handle("GET /api/athlete", s.user(s.getAthlete))
	s.handle("POST /api/athlete/settings", s.user(s.setAthleteSetting))
	s.handle("DELETE /api/athlete/settings/{key}/{from}", s.user(s.deleteAthleteSetting))
	s.handle("GET /api/fitness", s.user(s.getFitness))
	s.handle("GET /api/power-curve", s.user(s.getPowerCurve))
	s.handle("GET /api/gear", s.user(s.listGear))
	s.handle("POST /api/gear", s.user(s.createGear))
	s.handle("PUT /api/gear/{id}", s.user(s.updateGear))
	s.handle("DELETE /api/gear/{id}", s.user(s.deleteGear))
	s.handle("GET /api/live", s.user(s.listLive))
	s.handle("POST /api/live", s.user(s.startLive))
	s.handle("POST /api/live/{id}/samples", s.user(s.liveSamples))
	s.handle("POST /api/live/{id}/sets", s.user(s.addLiveSet))
	s.handle("POST /api/live/{id}/pause", s.user(s.setLiveStatus("paused")))
	s.handle("POST /api/live/{id}/resume", s.user(s.setLiveStatus("live")))
	s.handle("POST /api/live/{id}/finish", s.user(s.setLiveStatus("finished")))
	s.handle("POST /api/live/{id}/share", s.user(s.shareLive))
	s.handle("DELETE /api/live/{id}/share", s.user(s.unshareLive))
	s.handle("GET /api/live/watch/{token}", s.watchLive)
	s.handle("GET /api/games", s.listGames)
	s.handle("POST /api/games", s.user(s.createGame))
	s.handle("GET /api/games/{id}", s.getGame)
	s.handle("PUT /api/games/{id}", s.user(s.updateGame))
	s.handle("DELETE /api/games/{id}", s.user(s.deleteGame))
	s.handle("POST /api/games/{id}/scorekeepers", s.user(s.addScorekeeper))
	s.handle("GET /api/games/{id}/events", s.listGameEvents)
	s.handle("POST /api/games/{id}/events", s.user(s.addGameEvent))
	s.handle("POST /api/games/{id}/undo", s.user(s.undoGameEvent))
	s.handle("POST /api/imports", s.user(s.uploadImport))
	s.handle("GET /api/imports", s.user(s.listImports))
	s.handle("GET /api/imports/{id}", s.user(s.getImport))
	s.handle("GET /api/export", s.user(s.export))
	s.handle("GET /api/workouts/{id}/original", s.user(s.downloadOriginal))
	s.handle("GET /api/workouts/{id}/gpx", s.user(s.downloadTrack("gpx", "application/gpx+xml", writeGPX)))
	s.handle("GET /api/workouts/{id}/fit", s.user(s.downloadTrack("fit", "application/vnd.ant.fit", writeFIT)))
	s.handle("GET /api/calendar", s.user(s.calendar))
	s.handle("GET /api/heatmap", s.user(s.heatmap))
	s.handle("GET /api/upload-tokens", s.user(s.listUploadTokens))
	s.handle("POST /api/upload-tokens", s.user(s.createUploadToken))
	s.handle("DELETE /api/upload-tokens/{id}", s.user(s.deleteUploadToken))
	s.handle("POST /api/upload", s.upload)
	s.handle("POST /api/upload/{token}", s.upload)
	s.handle("POST /api/v1/import/{program}", s.workoutTrackerImport)
	s.handle(endurainUploadRoute, s.upload)
	s.handle("POST /api/v1/token", s.endurainToken)
	s.handle("GET /api/auth/oidc/login", s.oidcLogin)
	s.handle("GET /api/auth/oidc/callback", s.oidcCallback)
	s.handle("GET /api/openapi.json", s.openAPI)

	// Anything else under /api/ is a JSON 404, never the UI's index page.
	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return errorf(codeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	})
	// WebSocket endpoints: the multiplexed one the UI uses, and the two
	// paths of the designs fitcast grew from. Not instrumented per request:
	// a socket's "request" lasts as long as the socket; the hub counts them.
	s.mux.Handle("GET /ws", s.serveWS(modeMux))
	s.mux.Handle("GET /ws/{$}", s.serveWS(modeMux))
	s.mux.Handle("GET /ws/fitness-tracking/{$}", s.serveWS(modeFitness))
	s.mux.Handle("GET /ws/fitness-tracking", s.serveWS(modeFitness))
	s.mux.Handle("GET /ws/sports-updates/{$}", s.serveWS(modeSports))
	s.mux.Handle("GET /ws/sports-updates", s.serveWS(modeSports))

	s.mux.Handle("/", s.ui)
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.store.HasUsers(r.Context()); err != nil {
		return errorf(codeUnhealthy, "database is not answering")
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"status":  "ok",
		"version": version,
		"schema":  schemaVersion,
		"uptime":  time.Since(s.started).Round(time.Second).String(),
	})
}

// instance tells the sign-in page what it needs before anyone is signed in.
func (s *server) instance(w http.ResponseWriter, r *http.Request) error {
	has, err := s.store.HasUsers(r.Context())
	if err != nil {
		return err
	}
	signup := "closed"
	if s.cfg.SignupOpen || !has {
		signup = "open"
	}
	tiles := s.cfg.Tiles
	if tiles == "" {
		tiles = DefaultTiles
	}
	body := map[string]any{
		"version":     version,
		"signup":      signup,
		"needs_setup": !has,
		"tiles":       map[string]string{"url": tiles, "attribution": tilesAttribution(s.cfg)},
	}
	for k, v := range s.signInOptions() {
		body[k] = v
	}
	return writeJSON(w, http.StatusOK, body)
}
