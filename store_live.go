package main

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"
)

const liveColumns = `l.workout_id, w.sport, w.start_at, l.status, l.last_t, l.total_m, l.out_of_order, l.jumps,
	coalesce(l.share_token, ''), l.share_expires_at, l.privacy_m, l.user_id, l.last_lat, l.last_lon, l.last_pos_t, l.released_m`

func scanLive(row interface{ Scan(...any) error }) (LiveSession, error) {
	var l LiveSession
	var start int64
	var expires sql.NullInt64
	err := row.Scan(&l.ID, &l.Sport, &start, &l.Status, &l.ElapsedS, &l.DistanceM, &l.OutOfOrder, &l.Jumps, &l.ShareToken, &expires,
		&l.PrivacyM, &l.userID, &l.lastLat, &l.lastLon, &l.lastPosT, &l.releasedM)
	if errors.Is(err, sql.ErrNoRows) {
		return l, errNotFound
	}
	l.Start, l.ShareExpires = fromMS(start), nullMS(expires)
	l.lastT, l.ElapsedS = l.ElapsedS, math.Max(0, l.ElapsedS)
	return l, err
}

var liveByIDSQL = prepared("SELECT " + liveColumns + " FROM live_sessions l JOIN workouts w ON w.id = l.workout_id WHERE l.workout_id = ?")

func liveByID(ctx context.Context, q querier, id string) (LiveSession, error) {
	return scanLive(q.QueryRowContext(ctx, liveByIDSQL, id))
}

// updateLiveWorkout brings a live session's workout row up to date.
func updateLiveWorkout(tx *Tx, l LiveSession, now time.Time) error {
	_, err := tx.Exec(updateLiveWorkoutSQL, math.Max(0, l.ElapsedS), l.DistanceM, ms(now), l.ID)
	return err
}

func (s *Store) deleteOwnedShare(ctx context.Context, id string, userID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE live_sessions SET share_token = NULL, share_expires_at = NULL WHERE workout_id = ? AND user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// The statements of every live batch, prepared once (see preparedWrites).
var (
	insertLiveSampleSQL = prepared(`INSERT INTO samples (workout_id, t, lat, lon, alt, dist, hr, cadence, power, speed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	updateLiveSQL       = prepared(`UPDATE live_sessions SET last_t = ?, total_m = ?, out_of_order = out_of_order + ?, jumps = jumps + ?,
			last_lat = ?, last_lon = ?, last_pos_t = ?, released_m = ? WHERE workout_id = ?`)
	updateLiveWorkoutSQL = prepared(`UPDATE workouts SET duration_s = ?1, distance_m = ?2, updated_at = ?3,
		sample_count = (SELECT count(*) FROM samples WHERE workout_id = ?4) WHERE id = ?4`)
	releasedTrackSQL = prepared(`SELECT t, lat, lon FROM samples WHERE workout_id = ? AND lat IS NOT NULL AND dist > ? AND dist <= ? AND dist >= ? ORDER BY t`)
)

// Live reads a live session.
func (s *Store) Live(ctx context.Context, id string) (LiveSession, error) {
	return liveByID(ctx, s.reader, id)
}

// SpectatorView reads a session as spectators see it.
func (s *Store) SpectatorView(ctx context.Context, id string) (liveView, error) {
	return spectatorView(ctx, s.reader, id)
}

// LiveSessions lists the user's sessions not finished yet, newest first.
func (s *Store) LiveSessions(ctx context.Context, userID int64) ([]LiveSession, error) {
	return queryList(ctx, s.reader, "SELECT "+liveColumns+` FROM live_sessions l JOIN workouts w ON w.id = l.workout_id
		WHERE l.user_id = ? AND l.status != 'finished' ORDER BY w.start_at DESC`, []any{userID}, scanLive)
}

// LiveByShareToken finds the session a spectator link names, expired or
// not.
func (s *Store) LiveByShareToken(ctx context.Context, token string) (LiveSession, error) {
	return scanLive(s.reader.QueryRowContext(ctx, "SELECT "+liveColumns+" FROM live_sessions l JOIN workouts w ON w.id = l.workout_id WHERE l.share_token = ?", token))
}

// ShareLive sets one of the user's sessions' spectator link, replacing any
// earlier one. expires is unix milliseconds, or nil for a link that lasts.
func (s *Store) ShareLive(ctx context.Context, userID int64, id, token string, expires any, privacyM float64) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE live_sessions SET share_token = ?, share_expires_at = ?, privacy_m = ? WHERE workout_id = ? AND user_id = ?",
			token, expires, privacyM, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// workoutExists reports whether any user's workout has the id.
func workoutExists(tx *Tx, id string) bool {
	var n int
	tx.QueryRow("SELECT count(*) FROM workouts WHERE id = ?", id).Scan(&n)
	return n > 0
}

// insertLiveSession adds the workout a live session grows, and the session.
func insertLiveSession(tx *Tx, userID int64, id, sport string, at time.Time) error {
	now := ms(at)
	if _, err := tx.Exec(`INSERT INTO workouts (id, user_id, sport, start_at, duration_s, title, created_at, updated_at)
			VALUES (?, ?, ?, ?, 0, 'Live session', ?, ?)`, id, userID, sport, now, now, now); err != nil {
		return err
	}
	_, err := tx.Exec("INSERT INTO live_sessions (workout_id, user_id) VALUES (?, ?)", id, userID)
	return err
}

// sampleStored reports whether the workout has a sample at t.
func sampleStored(tx *Tx, id string, t float64) bool {
	var exists int
	tx.QueryRow("SELECT count(*) FROM samples WHERE workout_id = ? AND t = ?", id, t).Scan(&exists)
	return exists > 0
}

func insertLiveSample(tx *Tx, id string, sm Sample) error {
	_, err := tx.Exec(insertLiveSampleSQL, id, sm.T, sm.Lat, sm.Lon, sm.Alt, sm.Dist, sm.HR, sm.Cadence, sm.Power, sm.Speed)
	return err
}

// releasedTrack reads the positions past from up to upTo metres, and at
// least privacyM from the start, as [t, lat, lon].
func releasedTrack(tx *Tx, id string, from, upTo, privacyM float64) ([][3]float64, error) {
	rows, err := tx.Query(releasedTrackSQL, id, from, upTo, privacyM)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var track [][3]float64
	for rows.Next() {
		var p [3]float64
		if err := rows.Scan(&p[0], &p[1], &p[2]); err != nil {
			return nil, err
		}
		track = append(track, p)
	}
	return track, nil
}

// saveLiveProgress stores where a session stands after a batch, adding the
// batch's refused and dropped samples to its counts.
func saveLiveProgress(tx *Tx, l LiveSession, outOfOrder, jumps int) error {
	_, err := tx.Exec(updateLiveSQL, l.lastT, l.DistanceM, outOfOrder, jumps, l.lastLat, l.lastLon, l.lastPosT, l.releasedM, l.ID)
	return err
}

func setLiveSessionStatus(tx *Tx, id, status string) error {
	_, err := tx.Exec("UPDATE live_sessions SET status = ? WHERE workout_id = ?", status, id)
	return err
}

// liveSampleTotals are a session's average and highest heart rate and its
// climb, from its samples; each is null when no sample has it.
func liveSampleTotals(tx *Tx, id string) (avg, maxHR, climb sql.NullFloat64, err error) {
	if err = tx.QueryRow(`SELECT avg(hr), max(hr) FROM samples WHERE workout_id = ?`, id).Scan(&avg, &maxHR); err != nil {
		return
	}
	rows, err := tx.Query("SELECT alt FROM samples WHERE workout_id = ? AND alt IS NOT NULL ORDER BY t", id)
	if err != nil {
		return
	}
	prev, have := 0.0, false
	for rows.Next() {
		var a float64
		rows.Scan(&a)
		if have && a > prev {
			climb.Float64 += a - prev
			climb.Valid = true
		}
		prev, have = a, true
	}
	rows.Close()
	return avg, maxHR, climb, nil
}

// finishLiveWorkout writes a finished session's totals into its workout.
func finishLiveWorkout(tx *Tx, id string, dur float64, dist any, avg, maxHR, climb sql.NullFloat64, now time.Time) error {
	_, err := tx.Exec(`UPDATE workouts SET duration_s = ?, distance_m = ?, avg_hr = round(?, 1), max_hr = ?, elevation_m = ?, title = '', updated_at = ? WHERE id = ?`,
		dur, dist, avg, maxHR, climb, ms(now), id)
	return err
}

// setCount is how many sets a workout has.
func setCount(tx *Tx, id string) (int, error) {
	var n int
	err := tx.QueryRow("SELECT count(*) FROM workout_sets WHERE workout_id = ?", id).Scan(&n)
	return n, err
}
