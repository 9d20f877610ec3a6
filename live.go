package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/google/uuid"
)

// maxLiveSpeed is the fastest a position may move between samples: 100 m/s
// (360 km/h) is beyond any workout, so a faster step is a GPS jump.
const maxLiveSpeed = 100.0

// LiveSession is a workout being recorded.
type LiveSession struct {
	ID           string     `json:"id"` // the workout's id
	Sport        string     `json:"sport"`
	Start        time.Time  `json:"start"`
	Status       string     `json:"status"` // live, paused or finished
	ElapsedS     float64    `json:"elapsed_s"`
	DistanceM    float64    `json:"distance_m"`
	OutOfOrder   int        `json:"out_of_order"`
	Jumps        int        `json:"jumps"`
	ShareToken   string     `json:"share_token,omitempty"`
	ShareExpires *time.Time `json:"share_expires_at,omitempty"`
	PrivacyM     float64    `json:"privacy_m"`
	userID       int64
	lastT        float64 // the latest sample's t; -1 before the first
	lastLat      sql.NullFloat64
	lastLon      sql.NullFloat64
	lastPosT     sql.NullFloat64
	releasedM    float64
}

func workoutTopic(id string) string { return "workout:" + id }

// spectatorSample is a sample as spectators see it: never a position (the
// track comes separately, held back by the privacy zone).
type spectatorSample struct {
	T     float64  `json:"t"`
	Dist  *float64 `json:"dist,omitempty"`
	HR    *float64 `json:"hr,omitempty"`
	Speed *float64 `json:"speed,omitempty"`
	Alt   *float64 `json:"alt,omitempty"`
}

// liveView is what a spectator gets: the session's numbers, its samples
// without positions, and the track released so far.
type liveView struct {
	Type      Event             `json:"type"`
	ID        string            `json:"id"`
	Sport     string            `json:"sport"`
	Start     time.Time         `json:"start"`
	Status    string            `json:"status"`
	ElapsedS  float64           `json:"elapsed_s"`
	DistanceM float64           `json:"distance_m"`
	Samples   []spectatorSample `json:"samples"`
	Track     [][3]float64      `json:"track"`              // [t, lat, lon]
	Sets      []WorkoutSet      `json:"sets,omitempty"`     // strength sets logged so far (snapshots)
	HRZones   []float64         `json:"hr_zones,omitempty"` // the athlete's heart-rate zones' lower bounds (snapshots)
}

// StartLive begins recording: a workout that grows as samples arrive.
func (s *Store) StartLive(ctx context.Context, userID int64, sport, id string) (LiveSession, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := sportIn(ctx, tx, userID, sport); err != nil {
			return invalidField("sport", "unknown sport %q", sport)
		}
		if workoutExists(tx, id) {
			return &apiError{Code: codeConflict, Field: "id", Message: "id: already used"}
		}
		if err := insertLiveSession(tx, userID, id, sport, s.now()); err != nil {
			return err
		}
		if err := setWorkoutGear(tx, userID, id, sport, s.now(), nil); err != nil {
			return err
		}
		return s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventLiveStarted, "id": id, "sport": sport})
	})
	if err != nil {
		return LiveSession{}, err
	}
	return s.Live(ctx, id)
}

// IngestResult says what became of a batch of samples.
type IngestResult struct {
	Accepted   int     `json:"accepted"`
	Duplicates int     `json:"duplicates"`   // already stored (a resent batch): ignored
	OutOfOrder int     `json:"out_of_order"` // older than the latest stored: refused
	Jumps      int     `json:"jumps"`        // positions dropped as impossible jumps
	ElapsedS   float64 `json:"elapsed_s"`
	DistanceM  float64 `json:"distance_m"`

	shareExpired bool // the session's spectator link has expired: see expireShare
}

// IngestLive stores a batch of samples for one of the user's live
// sessions. A sample at a time already stored is a duplicate and changes
// nothing, so a batch resent after a dropped connection counts once;
// older samples are refused; a position that jumps faster than
// maxLiveSpeed is dropped (the sample's other values stay). Distance is
// accumulated from positions unless the device sends its own. The owner's
// screens get the samples whole on their user topic; spectators get them
// without positions on the workout's topic, plus the part of the track the
// privacy zone releases.
func (s *Store) IngestLive(ctx context.Context, userID int64, id string, samples []Sample) (IngestResult, error) {
	var res IngestResult
	sort.SliceStable(samples, func(i, j int) bool { return samples[i].T < samples[j].T })
	err := s.Write(ctx, func(tx *Tx) error {
		res = IngestResult{}
		l, err := liveByID(ctx, tx, id)
		if err != nil || l.userID != userID {
			return errNotFound
		}
		if l.Status == "finished" {
			return errorf(codeSessionFinished, "this session is finished")
		}
		var accepted []Sample
		startT := l.lastT
		for _, sm := range samples {
			switch resendFate(sm.T, l.lastT, func(t float64) bool { return sampleStored(tx, id, t) }) {
			case sampleDuplicate:
				res.Duplicates++
				continue
			case sampleOutOfOrder:
				res.OutOfOrder++
				continue
			}
			var jumped bool
			if sm, jumped = advanceLive(&l, sm); jumped {
				res.Jumps++
			}
			if err := insertLiveSample(tx, id, sm); err != nil {
				return err
			}
			accepted = append(accepted, sm)
		}
		res.Accepted, res.ElapsedS, res.DistanceM = len(accepted), l.ElapsedS, l.DistanceM
		res.shareExpired = shareLinkExpired(&l, s.now())
		// The track spectators may see (see privacyRelease).
		upTo, from := privacyRelease(l.DistanceM, l.PrivacyM, l.releasedM)
		var track [][3]float64
		switch from {
		case releaseFromBatch:
			// Nothing is held back, so what is released is this batch's
			// own positions beyond the last release: no need to read.
			track = batchTrack(accepted, l.releasedM, upTo)
			l.releasedM = upTo
		case releaseFromStore:
			released, err := releasedTrack(tx, id, l.releasedM, upTo, l.PrivacyM)
			if err != nil {
				return err
			}
			track, l.releasedM = released, upTo
		}
		if err := saveLiveProgress(tx, l, res.OutOfOrder, res.Jumps); err != nil {
			return err
		}
		// The workout row (its place in history and stats) follows once a
		// minute (see workoutRowDue).
		if workoutRowDue(len(accepted), startT, l.ElapsedS) {
			if err := updateLiveWorkout(tx, l, s.now()); err != nil {
				return err
			}
		}
		if len(accepted) == 0 {
			return nil
		}
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventLiveSamples, "id": id, "samples": accepted,
			"elapsed_s": l.ElapsedS, "distance_m": l.DistanceM}); err != nil {
			return err
		}
		view := liveView{Type: EventViewSamples, ID: id, Sport: l.Sport, Start: l.Start, Status: l.Status, ElapsedS: l.ElapsedS, DistanceM: l.DistanceM,
			Samples: spectatorSamples(accepted), Track: track}
		if view.Track == nil {
			view.Track = [][3]float64{}
		}
		return s.PublishEvent(tx, workoutTopic(id), view)
	})
	return res, err
}

func spectatorSamples(samples []Sample) []spectatorSample {
	out := make([]spectatorSample, len(samples))
	for i, sm := range samples {
		out[i] = spectatorSample{T: sm.T, Dist: sm.Dist, HR: sm.HR, Speed: sm.Speed, Alt: sm.Alt}
	}
	return out
}

// spectatorView reads a session as spectators see it, for a snapshot.
func spectatorView(ctx context.Context, q querier, id string) (liveView, error) {
	l, err := liveByID(ctx, q, id)
	if err != nil {
		return liveView{}, err
	}
	v := liveView{Type: EventViewSnapshot, ID: id, Sport: l.Sport, Start: l.Start, Status: l.Status, ElapsedS: l.ElapsedS, DistanceM: l.DistanceM,
		Samples: []spectatorSample{}, Track: [][3]float64{}}
	all, err := samplesOf(ctx, q, id)
	if err != nil {
		return v, err
	}
	v.Samples = spectatorSamples(all)
	if v.Sets, err = setsOf(ctx, q, id); err != nil {
		return v, err
	}
	if v.HRZones, err = hrZonesOn(ctx, q, l.userID, l.Start); err != nil {
		return v, err
	}
	for _, sm := range all {
		if spectatorSees(sm, l.PrivacyM, l.releasedM) {
			v.Track = append(v.Track, [3]float64{sm.T, *sm.Lat, *sm.Lon})
		}
	}
	return v, nil
}

// SetLiveStatus pauses, resumes or finishes a session. Finishing turns it
// into an ordinary workout: its totals come from the samples, its best
// efforts are computed, and goal progress moves on every screen.
func (s *Store) SetLiveStatus(ctx context.Context, userID int64, id, status string) (LiveSession, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		l, err := liveByID(ctx, tx, id)
		if err != nil || l.userID != userID {
			return errNotFound
		}
		if l.Status == "finished" {
			return errorf(codeSessionFinished, "this session is finished")
		}
		if err := setLiveSessionStatus(tx, id, status); err != nil {
			return err
		}
		if err := updateLiveWorkout(tx, l, s.now()); err != nil {
			return err
		}
		if status == "finished" {
			avg, maxHR, climb, err := liveSampleTotals(tx, id)
			if err != nil {
				return err
			}
			// A session with samples lasts until its last one; one without
			// (strength sets, or a phone with neither GPS nor a strap)
			// lasts until now.
			dur := l.ElapsedS
			if l.lastT < 0 {
				dur = math.Min(s.now().Sub(l.Start).Seconds(), maxDuration.Seconds())
			}
			dur = math.Max(1, dur)
			var dist any
			if l.DistanceM > 0 {
				dist = l.DistanceM
			}
			if err := finishLiveWorkout(tx, id, dur, dist, avg, maxHR, climb, s.now()); err != nil {
				return err
			}
			if err := s.refreshEfforts(tx, userID, id, l.Sport); err != nil {
				return err
			}
			if err := s.refreshTraining(tx, userID, id); err != nil {
				return err
			}
			if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventWorkoutUpdated, "id": id}); err != nil {
				return err
			}
		}
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": liveStatusEvent(status), "id": id}); err != nil {
			return err
		}
		return s.PublishEvent(tx, workoutTopic(id), map[string]any{"type": EventViewStatus, "id": id, "status": status, "elapsed_s": l.ElapsedS, "distance_m": l.DistanceM})
	})
	if err != nil {
		return LiveSession{}, err
	}
	return s.Live(ctx, id)
}

// AddLiveSet logs a strength set in a live session as it happens. The
// client says which position the set takes (0 for the first): a position
// already filled is a retry and changes nothing, so a set sent twice over a
// flaky connection is stored once; a position beyond the next is refused.
func (s *Store) AddLiveSet(ctx context.Context, userID int64, id string, position int, set WorkoutSet) (added bool, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		added = false
		l, err := liveByID(ctx, tx, id)
		if err != nil || l.userID != userID {
			return errNotFound
		}
		if l.Status == "finished" {
			return errorf(codeSessionFinished, "this session is finished")
		}
		if err := s.checkCatalog(ctx, tx, userID, Workout{Sport: l.Sport, Sets: []WorkoutSet{set}}); err != nil {
			return err
		}
		n, err := setCount(tx, id)
		if err != nil {
			return err
		}
		switch {
		case position < n:
			return nil
		case position > n:
			return invalidField("position", "must be at most %d, the next set's", n)
		case n >= maxSets:
			return invalidField("position", "at most %d sets", maxSets)
		}
		if err := insertSet(tx, userID, id, n, set); err != nil {
			return err
		}
		added = true
		if err := s.PublishEvent(tx, userTopic(userID), map[string]any{"type": EventLiveSet, "id": id, "position": n, "set": set}); err != nil {
			return err
		}
		return s.PublishEvent(tx, workoutTopic(id), map[string]any{"type": EventViewSet, "id": id, "position": n, "set": set})
	})
	return added, err
}

// ---- Handlers ------------------------------------------------------------

func (s *server) startLive(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		ID    string `json:"id"`
		Sport string `json:"sport"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.ID == "" {
		body.ID = uuid.NewString()
	} else if u, err := uuid.Parse(body.ID); err != nil || len(body.ID) != 36 {
		return invalidField("id", "must be a UUID")
	} else {
		body.ID = u.String()
	}
	l, err := s.store.StartLive(r.Context(), p.User.ID, body.Sport, body.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, l)
}

// maxLiveBatch bounds one batch of live samples.
const maxLiveBatch = 10_000

func (s *server) liveSamples(w http.ResponseWriter, r *http.Request, p *principal) error {
	samples, err := decodeSamples(w, r, maxLiveBatch)
	if err != nil {
		return err
	}
	res, err := s.store.IngestLive(r.Context(), p.User.ID, r.PathValue("id"), samples)
	if err != nil {
		return err
	}
	if res.shareExpired {
		s.expireShare(r.Context(), r.PathValue("id"))
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *server) addLiveSet(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		WorkoutSet
		Position *int `json:"position"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Position == nil || *body.Position < 0 {
		return invalidField("position", "is required: 0 for the session's first set, then 1, 2, ...")
	}
	sets := []WorkoutSet{body.WorkoutSet}
	if err := validateSets(sets); err != nil {
		return err
	}
	added, err := s.store.AddLiveSet(r.Context(), p.User.ID, r.PathValue("id"), *body.Position, sets[0])
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !added {
		status = http.StatusOK
	}
	return writeJSON(w, status, map[string]any{"position": *body.Position, "set": sets[0]})
}

func (s *server) setLiveStatus(status string) userHandler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		l, err := s.store.SetLiveStatus(r.Context(), p.User.ID, r.PathValue("id"), status)
		if err != nil {
			return err
		}
		if status == "finished" {
			wo, err := s.store.Workout(r.Context(), p.User.ID, l.ID)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, wo)
		}
		return writeJSON(w, http.StatusOK, l)
	}
}

func (s *server) listLive(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.LiveSessions(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

// shareLive makes a spectator link: optionally expiring, and hiding
// privacy_m metres of track at each end.
func (s *server) shareLive(w http.ResponseWriter, r *http.Request, p *principal) error {
	var body struct {
		ExpiresAt string  `json:"expires_at"`
		PrivacyM  float64 `json:"privacy_m"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	var expires any
	if body.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if err != nil || !t.After(s.now()) {
			return invalidField("expires_at", "must be an RFC 3339 time in the future")
		}
		expires = ms(t)
	}
	if math.IsNaN(body.PrivacyM) || body.PrivacyM < 0 || body.PrivacyM > 5000 {
		return invalidField("privacy_m", "must be between 0 and 5000 metres")
	}
	token := newSecret()
	err := s.store.ShareLive(r.Context(), p.User.ID, r.PathValue("id"), token, expires, body.PrivacyM)
	if err != nil {
		return err
	}
	s.hub.revokeReaders(workoutTopic(r.PathValue("id"))) // an older link stops working
	return writeJSON(w, http.StatusOK, map[string]any{"token": token, "path": "/watch/" + token, "workout_id": r.PathValue("id")})
}

func (s *server) unshareLive(w http.ResponseWriter, r *http.Request, p *principal) error {
	err := s.store.deleteOwnedShare(r.Context(), r.PathValue("id"), p.User.ID)
	if err != nil {
		return err
	}
	s.hub.revokeReaders(workoutTopic(r.PathValue("id")))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// expireShare revokes a session's link once its expiry has passed, and
// cuts off the spectators still watching through it.
func (s *server) expireShare(ctx context.Context, id string) {
	l, err := s.store.Live(ctx, id)
	if err != nil || l.ShareToken == "" || l.ShareExpires == nil || l.ShareExpires.After(s.now()) {
		return
	}
	if err := s.store.deleteOwnedShare(ctx, id, l.userID); err == nil {
		s.hub.revokeReaders(workoutTopic(id))
	}
}

// liveByToken finds the session a spectator link points at, if the link
// is still good.
func (s *server) liveByToken(ctx context.Context, token string) (LiveSession, error) {
	if token == "" {
		return LiveSession{}, errNotFound
	}
	l, err := s.store.LiveByShareToken(ctx, token)
	if err != nil {
		return l, errNotFound
	}
	if l.ShareExpires != nil && !l.ShareExpires.After(s.now()) {
		return l, errNotFound
	}
	return l, nil
}

// watchLive is the spectator page's first load: no account needed, just a
// good link.
func (s *server) watchLive(w http.ResponseWriter, r *http.Request) error {
	l, err := s.liveByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return errorf(codeNotFound, "this link has expired or was revoked")
	}
	v, err := s.store.SpectatorView(r.Context(), l.ID)
	if err != nil {
		return err
	}
	// The sport's name and measure, so the spectator's page reads the
	// session as its owner's does (speed for a ride, pace for a run).
	sport, _ := s.store.Sport(r.Context(), l.userID, l.Sport)
	if sport.Name == "" {
		sport.Name = l.Sport
	}
	return writeJSON(w, http.StatusOK, map[string]any{"session": v, "sport": sport, "topic": workoutTopic(l.ID), "watching": s.hub.subscriberCount(workoutTopic(l.ID))})
}

// registerLiveTopics lets sockets follow a live session: its owner (who
// may also send samples on it) and spectators with a good link.
func (s *server) registerLiveTopics() {
	s.hub.registerKind("workout", &topicKind{
		needsID: true,
		authorize: func(ctx context.Context, p *principal, id, share string) (access, error) {
			l, err := s.store.Live(ctx, id)
			if errors.Is(err, errNotFound) {
				return accessNone, nil
			}
			if err != nil {
				return accessNone, err
			}
			if p != nil && p.User.ID == l.userID {
				return accessWrite, nil
			}
			if lt, err := s.liveByToken(ctx, share); err == nil && lt.ID == id {
				return accessRead, nil
			}
			return accessNone, nil
		},
		snapshot: func(ctx context.Context, q querier, id string) (any, error) {
			return spectatorView(ctx, q, id)
		},
		publish: func(ctx context.Context, p *principal, id string, data json.RawMessage, clientID string) error {
			var body struct {
				Samples []sampleInput `json:"samples"`
			}
			if err := json.Unmarshal(data, &body); err != nil {
				return newFrameError("invalid_data", `send {"samples": [{"t": 0, "lat": ..., "hr": ...}, ...]}`)
			}
			samples, err := samplesFromInput(body.Samples, maxLiveBatch)
			if err != nil {
				return err
			}
			res, err := s.store.IngestLive(ctx, p.User.ID, id, samples)
			if res.shareExpired {
				s.expireShare(ctx, id)
			}
			return err
		},
		presence:  true,
		retention: Retention{MaxAge: 2 * 24 * time.Hour, MaxCount: 0},
	})
}
