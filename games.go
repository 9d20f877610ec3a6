package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// RosterPlayer is one player on a team sheet.
type RosterPlayer struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// Game is a match someone keeps score of.
type Game struct {
	ID          string         `json:"id"`
	OwnerID     int64          `json:"owner_id"`
	Sport       string         `json:"sport"`
	Home        string         `json:"home"`
	Away        string         `json:"away"`
	HomeColor   string         `json:"home_color"`
	AwayColor   string         `json:"away_color"`
	HomeRoster  []RosterPlayer `json:"home_roster"`
	AwayRoster  []RosterPlayer `json:"away_roster"`
	Venue       string         `json:"venue"`
	ScheduledAt *time.Time     `json:"scheduled_at"`
	Visibility  string         `json:"visibility"` // public, unlisted or private
	State       GameState      `json:"state"`
	CanScore    bool           `json:"can_score"` // for whoever asked
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// gameUpdate is what every watcher receives when a game changes: one JSON
// object about one game, as the sports-updates seed promised.
type gameUpdate struct {
	Game      string     `json:"game"`
	Sport     string     `json:"sport"`
	Home      string     `json:"home"`
	Away      string     `json:"away"`
	HomeColor string     `json:"home_color"`
	AwayColor string     `json:"away_color"`
	Score     [2]int     `json:"score"`
	State     GameState  `json:"state"`
	Event     *GameEvent `json:"event,omitempty"`
}

func (g Game) update(ev *GameEvent) gameUpdate {
	return gameUpdate{Game: g.ID, Sport: g.Sport, Home: g.Home, Away: g.Away, HomeColor: g.HomeColor, AwayColor: g.AwayColor,
		Score: [2]int{g.State.Home, g.State.Away}, State: g.State, Event: ev}
}

func gameTopic(id string) string { return "game:" + id }

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// newGameID is 12 random lower-case letters and digits.
func newGameID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// gameInput is a game as a client sends it.
type gameInput struct {
	Sport       string         `json:"sport"`
	Home        string         `json:"home"`
	Away        string         `json:"away"`
	HomeColor   string         `json:"home_color"`
	AwayColor   string         `json:"away_color"`
	HomeRoster  []RosterPlayer `json:"home_roster"`
	AwayRoster  []RosterPlayer `json:"away_roster"`
	Venue       string         `json:"venue"`
	ScheduledAt string         `json:"scheduled_at"`
	Visibility  string         `json:"visibility"`
}

func (in gameInput) validate() (Game, error) {
	g := Game{Sport: in.Sport, HomeColor: in.HomeColor, AwayColor: in.AwayColor, HomeRoster: in.HomeRoster, AwayRoster: in.AwayRoster,
		Visibility: in.Visibility}
	if _, ok := gameSports[g.Sport]; !ok {
		return g, invalidField("sport", "must be soccer, basketball, volleyball, tennis, ice_hockey, rugby or generic")
	}
	var err error
	if g.Home, err = validateLabel("home", in.Home); err != nil {
		return g, err
	}
	if g.Away, err = validateLabel("away", in.Away); err != nil {
		return g, err
	}
	if g.HomeColor == "" {
		g.HomeColor = "#0f766e"
	}
	if g.AwayColor == "" {
		g.AwayColor = "#e11d48"
	}
	if !colorPattern.MatchString(g.HomeColor) {
		return g, invalidField("home_color", "must be a colour such as #0f766e")
	}
	if !colorPattern.MatchString(g.AwayColor) {
		return g, invalidField("away_color", "must be a colour such as #e11d48")
	}
	if g.Visibility == "" {
		g.Visibility = "public"
	}
	if g.Visibility != "public" && g.Visibility != "unlisted" && g.Visibility != "private" {
		return g, invalidField("visibility", "must be public, unlisted or private")
	}
	if err := checkText("venue", in.Venue, maxTitleLen); err != nil {
		return g, err
	}
	g.Venue = strings.TrimSpace(in.Venue)
	for side, roster := range map[string][]RosterPlayer{"home_roster": g.HomeRoster, "away_roster": g.AwayRoster} {
		if len(roster) > 100 {
			return g, invalidField(side, "at most 100 players")
		}
		for i, p := range roster {
			if len(p.Number) > 8 || len(p.Name) > 64 || (p.Name == "" && p.Number == "") {
				return g, invalidField(side, "player %d needs a name (64 characters at most) or a number", i)
			}
		}
	}
	if g.HomeRoster == nil {
		g.HomeRoster = []RosterPlayer{}
	}
	if g.AwayRoster == nil {
		g.AwayRoster = []RosterPlayer{}
	}
	if in.ScheduledAt != "" {
		t, err := time.Parse(time.RFC3339, in.ScheduledAt)
		if err != nil || t.Year() < 2000 || t.Year() > 3000 {
			return g, invalidField("scheduled_at", "must be an RFC 3339 time")
		}
		t = t.UTC()
		g.ScheduledAt = &t
	}
	return g, nil
}

// ---- Handlers ------------------------------------------------------------

func (s *server) createGame(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in gameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := in.validate()
	if err != nil {
		return err
	}
	if g, err = s.store.CreateGame(r.Context(), p.User.ID, g); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, g)
}

// gameFor reads a game the request may see: anyone may see public and
// unlisted games (signed in or not), only scorekeepers private ones.
func (s *server) gameFor(r *http.Request) (Game, *principal, error) {
	p, err := s.authenticate(r)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != codeUnauthorized {
			return Game{}, nil, err
		}
		p = nil
	}
	var uid int64
	if p != nil {
		uid = p.User.ID
	}
	g, err := s.store.Game(r.Context(), r.PathValue("id"), uid)
	if err != nil {
		return g, p, err
	}
	if !g.visibleTo(p) {
		return g, p, errNotFound
	}
	return g, p, nil
}

func (s *server) getGame(w http.ResponseWriter, r *http.Request) error {
	g, _, err := s.gameFor(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) listGameEvents(w http.ResponseWriter, r *http.Request) error {
	g, _, err := s.gameFor(r)
	if err != nil {
		return err
	}
	events, err := s.store.GameEvents(r.Context(), g.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, events)
}

// listGames is the public feed (live first, then upcoming, then recently
// finished), or with ?mine=1 the games the user keeps score of.
func (s *server) listGames(w http.ResponseWriter, r *http.Request) error {
	var uid int64
	if r.URL.Query().Get("mine") != "" {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		uid = p.User.ID
	}
	list, err := s.store.Games(r.Context(), uid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) updateGame(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in gameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := s.store.UpdateGame(r.Context(), r.PathValue("id"), p.User.ID, func(g *Game) error {
		// The sport is fixed, so an update need not repeat it; one that
		// names another sport is refused.
		if in.Sport == "" {
			in.Sport = g.Sport
		}
		upd, err := in.validate()
		if err != nil {
			return err
		}
		if upd.Sport != g.Sport {
			return invalidField("sport", "a game's sport cannot change; create a new game")
		}
		g.Home, g.Away, g.HomeColor, g.AwayColor, g.HomeRoster, g.AwayRoster = upd.Home, upd.Away, upd.HomeColor, upd.AwayColor, upd.HomeRoster, upd.AwayRoster
		g.Venue, g.ScheduledAt, g.Visibility, g.UpdatedAt = upd.Venue, upd.ScheduledAt, upd.Visibility, s.now().UTC().Truncate(time.Millisecond)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) deleteGame(w http.ResponseWriter, r *http.Request, p *principal) error {
	err := s.store.DeleteGame(r.Context(), r.PathValue("id"), p.User.ID)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// addScorekeeper lets the owner invite another account to keep score.
func (s *server) addScorekeeper(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		Username string `json:"username"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	u, err := s.store.UserByName(r.Context(), body.Username)
	if errors.Is(err, errNotFound) {
		return invalidField("username", "no account is called %q", body.Username)
	}
	if err != nil {
		return err
	}
	err = s.store.AddScorekeeper(r.Context(), r.PathValue("id"), p.User.ID, u.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"game": r.PathValue("id"), "scorekeeper": u.Username})
}

// eventInput is an event as a scorekeeper sends it (HTTP, /ws pub, or the
// sports-updates path).
type eventInput struct {
	ID      json.RawMessage `json:"id"`
	Game    string          `json:"game"`
	Kind    string          `json:"kind"`
	Team    string          `json:"team"`
	Points  int             `json:"points"`
	Action  string          `json:"action"`
	Player  string          `json:"player"`
	Status  string          `json:"status"`
	Seconds *float64        `json:"seconds"`
}

func (in eventInput) event() GameEvent {
	return GameEvent{Kind: in.Kind, Team: in.Team, Points: in.Points, Action: in.Action, Player: strings.TrimSpace(in.Player), Status: in.Status, Seconds: in.Seconds}
}

func (s *server) addGameEvent(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in eventInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Kind == "undo" {
		return invalidField("kind", "use POST /api/games/{id}/undo")
	}
	if !validClientID(in.ID) {
		return invalidField("id", "must be a string of at most 128 characters or a number")
	}
	ev, g, dup, err := s.store.AppendGameEvent(r.Context(), r.PathValue("id"), p.User.ID, in.event(), clientIDKey(in.ID))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	return writeJSON(w, status, map[string]any{"event": ev, "state": g.State})
}

func (s *server) undoGameEvent(w http.ResponseWriter, r *http.Request, p *principal) error {
	ev, g, _, err := s.store.AppendGameEvent(r.Context(), r.PathValue("id"), p.User.ID, GameEvent{Kind: "undo"}, "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"event": ev, "state": g.State})
}

// ---- Hub -----------------------------------------------------------------

// registerGameTopics lets sockets follow games: anyone may follow a public
// or unlisted game (its id is the link), only its scorekeepers a private
// one; scorekeepers may also send events over the socket. It also takes
// score updates on the sports-updates seed path.
func (s *server) registerGameTopics() {
	h := s.hub
	h.registerKind("game", &topicKind{
		needsID: true,
		authorize: func(ctx context.Context, p *principal, id, share string) (access, error) {
			var uid int64
			if p != nil {
				uid = p.User.ID
			}
			g, err := s.store.Game(ctx, id, uid)
			if errors.Is(err, errNotFound) {
				return accessNone, nil
			}
			if err != nil {
				return accessNone, err
			}
			return gameAccess(g, p), nil
		},
		snapshot: func(ctx context.Context, q querier, id string) (any, error) {
			g, err := gameIn(ctx, q, id, 0)
			if err != nil {
				return nil, err
			}
			return g.update(nil), nil
		},
		publish: func(ctx context.Context, p *principal, id string, data json.RawMessage, clientID string) error {
			ev, err := decodeGamePub(data)
			if err != nil {
				return err
			}
			_, _, _, err = s.store.AppendGameEvent(ctx, id, p.User.ID, ev, clientID)
			return err
		},
		presence:  true,
		retention: Retention{MaxAge: 30 * 24 * time.Hour, MaxCount: 0},
	})
	// The games feed's state: up to 100 public games being played, the
	// latest updated first.
	liveFeed := func(ctx context.Context, q querier, id string) (any, error) {
		games, err := liveGames(ctx, q)
		if err != nil {
			return nil, err
		}
		live := []gameUpdate{}
		for _, g := range games {
			live = append(live, g.update(nil))
		}
		return map[string]any{"games": live}, nil
	}
	h.registerKind(gamesTopic, &topicKind{
		authorize: func(ctx context.Context, p *principal, id, share string) (access, error) {
			return accessRead, nil // updates come from the games API, never from pub
		},
		snapshot:  liveFeed,
		retention: Retention{MaxAge: 2 * 24 * time.Hour, MaxCount: defaultRetentionCount},
	})
	h.sportsHandler = func(ctx context.Context, c *wsConn, data json.RawMessage) ([]byte, error) {
		in, ev, err := parseSportsUpdate(data)
		if err != nil {
			return nil, err
		}
		got, g, dup, err := s.store.AppendGameEvent(ctx, in.Game, c.p.User.ID, ev, clientIDKey(in.ID))
		if err != nil {
			return nil, err
		}
		return sportsAck(g, got, in.ID, dup)
	}
}
