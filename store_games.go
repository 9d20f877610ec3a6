package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

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
func (s *Store) Game(ctx context.Context, id string, userID int64) (Game, error) {
	return gameIn(ctx, s.reader, id, userID)
}

// gameIn is Game read through q, a write or read transaction.
func gameIn(ctx context.Context, q querier, id string, userID int64) (Game, error) {
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

var errNotScorekeeper = errorf(codeNotScorekeeper, "only this game's scorekeepers may change it")

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
		if g, err = gameIn(ctx, tx, gameID, userID); err != nil {
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
				return errorf(codeNothingToUndo, "there is nothing left to undo")
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

// GameEvents reads a game's whole log.
func (s *Store) GameEvents(ctx context.Context, gameID string) ([]GameEvent, error) {
	return gameEvents(ctx, s.reader, gameID)
}

// Games is the public feed (live first, then upcoming, then recently
// finished), or, for userID other than 0, the games that user owns or
// keeps score of.
func (s *Store) Games(ctx context.Context, userID int64) ([]Game, error) {
	query := "SELECT " + gameColumns + ` FROM games WHERE visibility = 'public'
		ORDER BY CASE status WHEN 'live' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, coalesce(scheduled_at, created_at), updated_at DESC LIMIT 100`
	var args []any
	if userID != 0 {
		query = "SELECT " + gameColumns + ` FROM games WHERE owner_id = ?1 OR id IN (SELECT game_id FROM game_scorekeepers WHERE user_id = ?1)
			ORDER BY updated_at DESC LIMIT 100`
		args = append(args, userID)
	}
	return queryList(ctx, s.reader, query, args, scanGame)
}

// liveGames is the public games being played now, for the feed's snapshot.
func liveGames(ctx context.Context, q querier) ([]Game, error) {
	return queryList(ctx, q, "SELECT "+gameColumns+" FROM games WHERE visibility = 'public' AND status = 'live' ORDER BY updated_at DESC LIMIT 100", nil, scanGame)
}

// UpdateGame applies change to the game id, which userID must keep score
// of, and stores and publishes the result. change sees the game as stored
// and may refuse the update with an error.
func (s *Store) UpdateGame(ctx context.Context, id string, userID int64, change func(*Game) error) (Game, error) {
	var g Game
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if g, err = gameIn(ctx, tx, id, userID); err != nil {
			return err
		}
		if !g.CanScore {
			if g.Visibility == "private" {
				return errNotFound
			}
			return errNotScorekeeper
		}
		if err := change(&g); err != nil {
			return err
		}
		return s.writeGame(tx, g, false, nil)
	})
	return g, err
}

// DeleteGame deletes a game its owner no longer wants.
func (s *Store) DeleteGame(ctx context.Context, id string, ownerID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("DELETE FROM games WHERE id = ? AND owner_id = ?", id, ownerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return s.PublishEvent(tx, gameTopic(id), map[string]any{"game": id, "deleted": true})
	})
}

// AddScorekeeper lets userID keep score of the game id, which ownerID must
// own.
func (s *Store) AddScorekeeper(ctx context.Context, id string, ownerID, userID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		var owner int64
		if err := tx.QueryRow("SELECT owner_id FROM games WHERE id = ?", id).Scan(&owner); err != nil || owner != ownerID {
			return errNotFound
		}
		_, err := tx.Exec("INSERT OR IGNORE INTO game_scorekeepers (game_id, user_id) VALUES (?, ?)", id, userID)
		return err
	})
}
