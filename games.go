package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
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

// ---- Store ---------------------------------------------------------------

const gameColumns = `id, owner_id, sport, home, away, home_color, away_color, home_roster, away_roster, venue, scheduled_at,
	visibility, state, created_at, updated_at`

func scanGame(row interface{ Scan(...any) error }) (Game, error) {
	var g Game
	var homeRoster, awayRoster, state string
	var sched sql.NullInt64
	var created, updated int64
	err := row.Scan(&g.ID, &g.OwnerID, &g.Sport, &g.Home, &g.Away, &g.HomeColor, &g.AwayColor, &homeRoster, &awayRoster, &g.Venue,
		&sched, &g.Visibility, &state, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errNotFound
	}
	if err != nil {
		return g, err
	}
	g.ScheduledAt, g.CreatedAt, g.UpdatedAt = nullMS(sched), fromMS(created), fromMS(updated)
	json.Unmarshal([]byte(homeRoster), &g.HomeRoster)
	json.Unmarshal([]byte(awayRoster), &g.AwayRoster)
	return g, json.Unmarshal([]byte(state), &g.State)
}

// The statements every score event runs in the writer, prepared once
// there (see preparedWrites).
var (
	gameByIDSQL        = prepared("SELECT " + gameColumns + " FROM games WHERE id = ?")
	isScorekeeperSQL   = prepared("SELECT count(*) FROM game_scorekeepers WHERE game_id = ? AND user_id = ?")
	gameEventByIDSQL   = prepared("SELECT event FROM game_events WHERE game_id = ? AND by_user = ? AND client_id = ?")
	insertGameEventSQL = prepared("INSERT INTO game_events (game_id, seq, by_user, client_id, event) VALUES (?, ?, ?, ?, ?)")
	updateGameStateSQL = prepared("UPDATE games SET state = ?, status = ?, updated_at = ? WHERE id = ?")
)

// Game reads a game; canScore says whether userID (0 for nobody) keeps score.
func (s *Store) Game(ctx context.Context, q querier, id string, userID int64) (Game, error) {
	g, err := scanGame(q.QueryRowContext(ctx, gameByIDSQL, id))
	if err != nil {
		return g, err
	}
	if userID != 0 {
		if g.OwnerID == userID {
			g.CanScore = true
		} else {
			var n int
			q.QueryRowContext(ctx, isScorekeeperSQL, id, userID).Scan(&n)
			g.CanScore = n > 0
		}
	}
	return g, nil
}

// visibleTo reports whether p may watch g.
func (g Game) visibleTo(p *principal) bool {
	return g.Visibility != "private" || g.CanScore || (p != nil && p.User.ID == g.OwnerID)
}

// CreateGame stores a new game and announces it on the public feed.
func (s *Store) CreateGame(ctx context.Context, ownerID int64, g Game) (Game, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	g.ID, g.OwnerID, g.CreatedAt, g.UpdatedAt, g.CanScore = newGameID(), ownerID, now, now, true
	g.State = replay(g.Sport, nil)
	err := s.Write(ctx, func(tx *Tx) error {
		return s.writeGame(tx, g, true, nil)
	})
	return g, err
}

// writeGame inserts or updates g's row and publishes it: to the game's
// topic, and to the public feed when the game is public.
func (s *Store) writeGame(tx *Tx, g Game, insert bool, ev *GameEvent) error {
	home, _ := json.Marshal(g.HomeRoster)
	away, _ := json.Marshal(g.AwayRoster)
	state, _ := json.Marshal(g.State)
	var sched any
	if g.ScheduledAt != nil {
		sched = ms(*g.ScheduledAt)
	}
	var err error
	if insert {
		_, err = tx.Exec(`INSERT INTO games (`+gameColumns+`, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.OwnerID, g.Sport, g.Home, g.Away, g.HomeColor, g.AwayColor, string(home), string(away), g.Venue, sched,
			g.Visibility, string(state), ms(g.CreatedAt), ms(g.UpdatedAt), g.State.Status)
	} else {
		_, err = tx.Exec(`UPDATE games SET home = ?, away = ?, home_color = ?, away_color = ?, home_roster = ?, away_roster = ?, venue = ?,
			scheduled_at = ?, visibility = ?, state = ?, status = ?, updated_at = ? WHERE id = ?`,
			g.Home, g.Away, g.HomeColor, g.AwayColor, string(home), string(away), g.Venue, sched, g.Visibility, string(state),
			g.State.Status, ms(g.UpdatedAt), g.ID)
	}
	if err != nil {
		return err
	}
	return s.publishGame(tx, g, ev)
}

// publishGame publishes g's update to the game's topic, and to the public
// feed when the game is public, encoded once for both.
func (s *Store) publishGame(tx *Tx, g Game, ev *GameEvent) error {
	update, err := json.Marshal(g.update(ev))
	if err != nil {
		return err
	}
	if _, _, err := s.AppendMessage(tx, gameTopic(g.ID), update, 0, ""); err != nil {
		return err
	}
	if g.Visibility == "public" {
		_, _, err = s.AppendMessage(tx, gamesTopic, update, 0, "")
	}
	return err
}

// gameEvents reads a game's whole log.
func gameEvents(ctx context.Context, q querier, gameID string) ([]GameEvent, error) {
	rows, err := q.QueryContext(ctx, "SELECT event FROM game_events WHERE game_id = ? ORDER BY seq", gameID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []GameEvent{}
	for rows.Next() {
		var raw string
		var ev GameEvent
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			return nil, err
		}
		list = append(list, ev)
	}
	return list, rows.Err()
}

// gameStateCache keeps each game's derived state, as of its last event,
// beside the single writer that appends events, so that an event costs the
// same at any length of game. Entries are checked against the last_seq in
// the game's row before use, so a stale one is never used: it is rebuilt
// from the log. The cache is bounded; when full, an arbitrary game is
// forgotten and rebuilt from its log if it scores again.
type gameStateCache struct {
	mu sync.Mutex
	m  map[string]GameState
}

const maxCachedGames = 4096

func (c *gameStateCache) get(gameID string, last int64) (GameState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[gameID]
	if !ok || st.Last != last {
		return GameState{}, false
	}
	return st, true
}

// put keeps st for gameID. st is never changed afterwards: next copies
// what it changes.
func (c *gameStateCache) put(gameID string, st GameState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]GameState{}
	}
	if _, ok := c.m[gameID]; !ok && len(c.m) >= maxCachedGames {
		for id := range c.m {
			delete(c.m, id)
			break
		}
	}
	c.m[gameID] = st
}

var errNotScorekeeper = errorf(http.StatusForbidden, "not_scorekeeper", "only this game's scorekeepers may change it")

// AppendGameEvent checks ev against the rules and the log, appends it, and
// publishes the new state, all in one write: two scorekeepers tapping at
// once get one after the other, and the log stays consistent. A clientID
// already used by this user on this game returns the first event again
// with dup true.
func (s *Store) AppendGameEvent(ctx context.Context, gameID string, userID int64, ev GameEvent, clientID string) (GameEvent, Game, bool, error) {
	var g Game
	dup := false
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if g, err = s.Game(ctx, tx, gameID, userID); err != nil {
			return err
		}
		if !g.CanScore {
			if g.Visibility == "private" {
				return errNotFound
			}
			return errNotScorekeeper
		}
		if clientID != "" {
			var raw string
			err := tx.QueryRow(gameEventByIDSQL, gameID, userID, clientID).Scan(&raw)
			if err == nil {
				dup = true
				return json.Unmarshal([]byte(raw), &ev)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		// The state so far comes from the writer's cache: reading and
		// replaying the whole log for every event made an event cost more
		// the longer the game ran. The log is read only when the cache has
		// no state for this game as of its last event (a cold start, or a
		// write that did not commit), and for an undo, which needs it.
		var events []GameEvent
		state, cached := s.gameStates.get(gameID, g.State.Last)
		if !cached || ev.Kind == "undo" {
			if events, err = gameEvents(ctx, tx, gameID); err != nil {
				return err
			}
			state = replay(g.Sport, events)
		}
		if ev.Kind == "undo" {
			ev.Target = 0
			for i := len(events) - 1; i >= 0; i-- {
				if events[i].Kind != "undo" && !state.undone[events[i].Seq] {
					ev.Target = events[i].Seq
					break
				}
			}
			if ev.Target == 0 {
				return errorf(http.StatusConflict, "nothing_to_undo", "there is nothing left to undo")
			}
		} else if err := gameSports[g.Sport].normalize(&ev, &state); err != nil {
			return err
		}
		ev.Seq, ev.At, ev.By = state.Last+1, s.now().UTC().Truncate(time.Millisecond), userID
		var cid any
		if clientID != "" {
			cid = clientID
		}
		if _, err := tx.Exec(insertGameEventSQL, gameID, ev.Seq, userID, cid, eventJSON(ev)); err != nil {
			return err
		}
		if ev.Kind == "undo" {
			g.State = replay(g.Sport, append(events, ev))
		} else {
			g.State = next(g.Sport, state, ev)
		}
		g.UpdatedAt = ev.At
		// An event changes only what is derived from the log.
		derived, _ := json.Marshal(g.State)
		if _, err := tx.Exec(updateGameStateSQL, string(derived), g.State.Status, ms(g.UpdatedAt), g.ID); err != nil {
			return err
		}
		if err := s.publishGame(tx, g, &ev); err != nil {
			return err
		}
		// Kept before the commit, so that the next event in the same batch
		// finds it; should this write not commit after all, the game's row
		// keeps the older last_seq and get misses.
		s.gameStates.put(gameID, g.State)
		return nil
	})
	return ev, g, dup, err
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
		if !errors.As(err, &ae) || ae.Code != "unauthorized" {
			return Game{}, nil, err
		}
		p = nil
	}
	var uid int64
	if p != nil {
		uid = p.User.ID
	}
	g, err := s.store.Game(r.Context(), s.store.reader, r.PathValue("id"), uid)
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
	events, err := gameEvents(r.Context(), s.store.reader, g.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, events)
}

// listGames is the public feed (live first, then upcoming, then recently
// finished), or with ?mine=1 the games the user keeps score of.
func (s *server) listGames(w http.ResponseWriter, r *http.Request) error {
	query := "SELECT " + gameColumns + ` FROM games WHERE visibility = 'public'
		ORDER BY CASE status WHEN 'live' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, coalesce(scheduled_at, created_at), updated_at DESC LIMIT 100`
	var args []any
	if r.URL.Query().Get("mine") != "" {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		query = "SELECT " + gameColumns + ` FROM games WHERE owner_id = ?1 OR id IN (SELECT game_id FROM game_scorekeepers WHERE user_id = ?1)
			ORDER BY updated_at DESC LIMIT 100`
		args = append(args, p.User.ID)
	}
	rows, err := s.store.reader.QueryContext(r.Context(), query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	list := []Game{}
	for rows.Next() {
		g, err := scanGame(rows)
		if err != nil {
			return err
		}
		list = append(list, g)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) updateGame(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in gameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	var g Game
	err := s.store.Write(r.Context(), func(tx *Tx) error {
		var err error
		if g, err = s.store.Game(r.Context(), tx, r.PathValue("id"), p.User.ID); err != nil {
			return err
		}
		if !g.CanScore {
			if g.Visibility == "private" {
				return errNotFound
			}
			return errNotScorekeeper
		}
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
		return s.store.writeGame(tx, g, false, nil)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (s *server) deleteGame(w http.ResponseWriter, r *http.Request, p *principal) error {
	err := s.store.Write(r.Context(), func(tx *Tx) error {
		res, err := tx.Exec("DELETE FROM games WHERE id = ? AND owner_id = ?", r.PathValue("id"), p.User.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.store.PublishEvent(tx, gameTopic(r.PathValue("id")), map[string]any{"game": r.PathValue("id"), "deleted": true})
	})
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
	err = s.store.Write(r.Context(), func(tx *Tx) error {
		var owner int64
		if err := tx.QueryRow("SELECT owner_id FROM games WHERE id = ?", r.PathValue("id")).Scan(&owner); err != nil || owner != p.User.ID {
			return errNotFound
		}
		_, err := tx.Exec("INSERT OR IGNORE INTO game_scorekeepers (game_id, user_id) VALUES (?, ?)", r.PathValue("id"), u.ID)
		return err
	})
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
			g, err := s.store.Game(ctx, s.store.reader, id, uid)
			if errors.Is(err, errNotFound) {
				return accessNone, nil
			}
			if err != nil {
				return accessNone, err
			}
			return gameAccess(g, p), nil
		},
		snapshot: func(ctx context.Context, q querier, id string) (any, error) {
			g, err := s.store.Game(ctx, q, id, 0)
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
	liveGames := func(ctx context.Context, q querier, id string) (any, error) {
		rows, err := q.QueryContext(ctx, "SELECT "+gameColumns+" FROM games WHERE visibility = 'public' AND status = 'live' ORDER BY updated_at DESC LIMIT 100")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		live := []gameUpdate{}
		for rows.Next() {
			g, err := scanGame(rows)
			if err != nil {
				return nil, err
			}
			live = append(live, g.update(nil))
		}
		return map[string]any{"games": live}, rows.Err()
	}
	h.registerKind(gamesTopic, &topicKind{
		authorize: func(ctx context.Context, p *principal, id, share string) (access, error) {
			return accessRead, nil // updates come from the games API, never from pub
		},
		snapshot:  liveGames,
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
