package main

import (
	"fmt"
	"net/http"
)

// errCode names one kind of failure the API reports. The store, the game
// rules and the file decoders raise codes, never HTTP statuses; only the
// HTTP edge (writeError) looks a code up in errorCatalogue for its status
// and the code string the client sees.
type errCode int

const (
	codeInternal errCode = iota
	codeInvalidJSON
	codeInvalidField
	codeInvalidForm
	codeInvalidUpload
	codeInvalidCredentialsFormat
	codeTooManyFiles
	codeNoHistory
	codeSSOState
	codeUnauthorized
	codeSessionExpired
	codeInvalidToken
	codeInvalidCredentials
	codeAdminOnly
	codeSignupClosed
	codeWrongPassword
	codeCrossOrigin
	codePasswordsDisabled
	codeNoAccount
	codeSSOUsername
	codeSSONotAllowed
	codeSSODenied
	codeNotScorekeeper
	codeNotFound
	codeNoTrack
	codeMethodNotAllowed
	codeConflict
	codeUsernameTaken
	codeSessionFinished
	codeGameFinished
	codeNothingToUndo
	codeTooLarge
	codeImportFailed
	codeRateLimited
	codeTooManySockets
	codeSSOUnavailable
	codeShuttingDown
	codeUnhealthy
	codeServerFull
	codeServerBusy
)

// errorEntry is one row of the catalogue: what the client sees for a code.
type errorEntry struct {
	Code    string // in the JSON error shape's "code"
	Status  int
	Meaning string
}

// errorCatalogue lists every error the HTTP API answers with. docs/api.md
// lists the same rows (TestErrorCatalogueMatchesDocs keeps them equal).
// too_many_connections is two rows: the client's own limit (429) and the
// whole server's (503).
var errorCatalogue = map[errCode]errorEntry{
	codeInvalidJSON:              {"invalid_json", http.StatusBadRequest, "the body is not one JSON object"},
	codeInvalidField:             {"invalid_field", http.StatusBadRequest, "a field failed validation; see `field`"},
	codeInvalidForm:              {"invalid_form", http.StatusBadRequest, "a form post without the fields it needs"},
	codeInvalidUpload:            {"invalid_upload", http.StatusBadRequest, "an upload that is empty, unreadable or not multipart/form-data"},
	codeInvalidCredentialsFormat: {"invalid_credentials_format", http.StatusBadRequest, "login without a username or password"},
	codeTooManyFiles:             {"too_many_files", http.StatusBadRequest, "an import with more files than one upload may carry"},
	codeNoHistory:                {"no_history", http.StatusBadRequest, "a goal's periods asked of a goal that has none"},
	codeSSOState:                 {"sso_state", http.StatusBadRequest, "single sign-on: the sign-in took too long or was started elsewhere"},
	codeUnauthorized:             {"unauthorized", http.StatusUnauthorized, "not signed in"},
	codeSessionExpired:           {"session_expired", http.StatusUnauthorized, "the session cookie is unknown or expired (the cookie is cleared)"},
	codeInvalidToken:             {"invalid_token", http.StatusUnauthorized, "the bearer or upload token is malformed, unknown or revoked"},
	codeInvalidCredentials:       {"invalid_credentials", http.StatusUnauthorized, "wrong username or password"},
	codeAdminOnly:                {"admin_only", http.StatusForbidden, "signed in, but only an admin may do that"},
	codeSignupClosed:             {"signup_closed", http.StatusForbidden, "sign-up is closed on this instance"},
	codeWrongPassword:            {"wrong_password", http.StatusForbidden, "the current password given to change it is wrong"},
	codeCrossOrigin:              {"cross_origin", http.StatusForbidden, "a cross-origin request tried to change data"},
	codePasswordsDisabled:        {"passwords_disabled", http.StatusForbidden, "password sign-in is off (`-local-passwords=false`)"},
	codeNoAccount:                {"no_account", http.StatusForbidden, "single sign-on: no account, and none may be created"},
	codeSSOUsername:              {"sso_username", http.StatusForbidden, "single sign-on: a name fitcast cannot use"},
	codeSSONotAllowed:            {"sso_not_allowed", http.StatusForbidden, "single sign-on: not in the allowed emails or groups"},
	codeSSODenied:                {"sso_denied", http.StatusForbidden, "single sign-on: the provider refused the sign-in"},
	codeNotScorekeeper:           {"not_scorekeeper", http.StatusForbidden, "only the game's scorekeepers may change it"},
	codeNotFound:                 {"not_found", http.StatusNotFound, "no such object or endpoint, or it belongs to someone else"},
	codeNoTrack:                  {"no_track", http.StatusNotFound, "a GPS file asked of a workout without a track"},
	codeMethodNotAllowed:         {"method_not_allowed", http.StatusMethodNotAllowed, "the app's pages answer only GET and HEAD"},
	codeConflict:                 {"conflict", http.StatusConflict, "it already exists"},
	codeUsernameTaken:            {"username_taken", http.StatusConflict, "the username is taken"},
	codeSessionFinished:          {"session_finished", http.StatusConflict, "the live session is finished"},
	codeGameFinished:             {"game_finished", http.StatusConflict, "the game is finished; reopen it to change it"},
	codeNothingToUndo:            {"nothing_to_undo", http.StatusConflict, "an undo with nothing left to undo"},
	codeTooLarge:                 {"too_large", http.StatusRequestEntityTooLarge, "the request body or file is too large"},
	codeImportFailed:             {"import_failed", http.StatusUnprocessableEntity, "an uploaded file could not be imported; the message gives the reason, as an import's result would"},
	codeRateLimited:              {"rate_limited", http.StatusTooManyRequests, "too many failed sign-ins; see `Retry-After`"},
	codeTooManySockets:           {"too_many_connections", http.StatusTooManyRequests, "the account or address holds too many open sockets"},
	codeInternal:                 {"internal", http.StatusInternalServerError, "a server fault; details are in the server's log"},
	codeSSOUnavailable:           {"sso_unavailable", http.StatusBadGateway, "single sign-on: the provider cannot be reached"},
	codeShuttingDown:             {"shutting_down", http.StatusServiceUnavailable, "the server is shutting down; try again shortly"},
	codeUnhealthy:                {"unhealthy", http.StatusServiceUnavailable, "the database is not answering"},
	codeServerFull:               {"too_many_connections", http.StatusServiceUnavailable, "the server holds as many sockets as it may"},
	codeServerBusy:               {"server_busy", http.StatusServiceUnavailable, "the server is near its limit of open connections"},
}

// String is the code as the client sees it.
func (c errCode) String() string { return errorCatalogue[c].Code }

// apiError is an error with everything the client is allowed to see. Any
// other error reaching writeError is logged and shown as "internal".
type apiError struct {
	Code    errCode
	Message string
	Field   string // the request field at fault, when there is one
}

func (e *apiError) Error() string { return e.Code.String() + ": " + e.Message }

func errorf(code errCode, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalidField reports a request field that failed validation.
func invalidField(field, format string, args ...any) *apiError {
	return &apiError{Code: codeInvalidField, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}
