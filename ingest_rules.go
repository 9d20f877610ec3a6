package main

import (
	"database/sql"
	"math"
	"time"
)

// The rules of live ingest, kept apart from the write transaction that
// applies them (IngestLive) so that each can be tried on its own.

// sampleFate is what becomes of one sample of a live batch.
type sampleFate int

const (
	sampleFresh      sampleFate = iota // newer than anything stored: taken
	sampleDuplicate                    // stored already (a resent batch): ignored
	sampleOutOfOrder                   // older than the latest stored, and new: refused
)

// resendFate decides a sample's fate from its time t and the session's
// latest stored time lastT. Only a sample at or before lastT asks stored
// (whether a sample at t is in the database), so a fresh sample costs no
// read: a resent batch counts once, an old sample that was never stored is
// refused.
func resendFate(t, lastT float64, stored func(t float64) bool) sampleFate {
	switch {
	case t > lastT:
		return sampleFresh
	case stored(t):
		return sampleDuplicate
	default:
		return sampleOutOfOrder
	}
}

// gpsJump reports whether a position (lat, lon) at time t is an impossible
// step from the session's last position: faster than maxLiveSpeed, or not
// later than it. A sample without a position, or the session's first, is
// never a jump.
func gpsJump(l *LiveSession, lat, lon *float64, t float64) bool {
	if lat == nil || !l.lastLat.Valid {
		return false
	}
	step := haversine(l.lastLat.Float64, l.lastLon.Float64, *lat, *lon)
	dt := t - l.lastPosT.Float64
	return dt <= 0 || step/dt > maxLiveSpeed
}

// advanceLive takes a fresh sample into the session l: a position that is a
// GPS jump is dropped (the sample's other values stay), the distance moves
// on (the device's own if it sends one, never backwards; otherwise by the
// step between positions), and the sample comes back with its dist set to
// the session's distance. jumped says whether a position was dropped.
func advanceLive(l *LiveSession, sm Sample) (out Sample, jumped bool) {
	if gpsJump(l, sm.Lat, sm.Lon, sm.T) {
		sm.Lat, sm.Lon = nil, nil
		jumped = true
	}
	switch {
	case sm.Dist != nil:
		l.DistanceM = math.Max(l.DistanceM, *sm.Dist)
	case sm.Lat != nil && l.lastLat.Valid:
		l.DistanceM += haversine(l.lastLat.Float64, l.lastLon.Float64, *sm.Lat, *sm.Lon)
	}
	d := l.DistanceM
	sm.Dist = &d
	if sm.Lat != nil {
		l.lastLat = sql.NullFloat64{Float64: *sm.Lat, Valid: true}
		l.lastLon = sql.NullFloat64{Float64: *sm.Lon, Valid: true}
		l.lastPosT = sql.NullFloat64{Float64: sm.T, Valid: true}
	}
	l.lastT, l.ElapsedS = sm.T, sm.T
	return sm, jumped
}

// trackSource says where the positions a batch releases to spectators come
// from.
type trackSource int

const (
	releaseNone      trackSource = iota // the privacy zone still holds everything new back
	releaseFromBatch                    // no privacy zone: the batch's own positions
	releaseFromStore                    // read from the stored samples between the marks
)

// privacyRelease says how far the track spectators see may now reach and
// where it comes from. Spectators see positions between privacyM from the
// start and privacyM behind the latest distance, released as the athlete
// moves on: upTo is distanceM - privacyM, and nothing is released unless it
// passes releasedM, what was released before.
func privacyRelease(distanceM, privacyM, releasedM float64) (upTo float64, from trackSource) {
	upTo = distanceM - privacyM
	switch {
	case upTo <= releasedM:
		return upTo, releaseNone
	case privacyM == 0:
		return upTo, releaseFromBatch
	default:
		return upTo, releaseFromStore
	}
}

// batchTrack is the part of a batch's accepted samples (their dist set)
// that a release past releasedM up to upTo shows: [t, lat, lon] of each
// position in (releasedM, upTo].
func batchTrack(accepted []Sample, releasedM, upTo float64) [][3]float64 {
	var track [][3]float64
	for _, sm := range accepted {
		if sm.Lat != nil && *sm.Dist > releasedM && *sm.Dist <= upTo {
			track = append(track, [3]float64{sm.T, *sm.Lat, *sm.Lon})
		}
	}
	return track
}

// spectatorSees reports whether a stored sample's position belongs in the
// track of a spectator's snapshot: outside the privacy zone at the start
// and no further than what was released.
func spectatorSees(sm Sample, privacyM, releasedM float64) bool {
	return sm.Lat != nil && sm.Dist != nil && *sm.Dist >= privacyM && *sm.Dist <= releasedM
}

// shareLinkExpired reports whether the session's spectator link has expired
// at now.
func shareLinkExpired(l *LiveSession, now time.Time) bool {
	return l.ShareToken != "" && l.ShareExpires != nil && !l.ShareExpires.After(now)
}

// workoutRowDue reports whether a batch that accepted samples, moving the
// session from startT to elapsedS seconds, must bring the workout row up to
// date: on the first samples and once each new minute. The row is three
// B-tree pages to rewrite with its indexes, a third of what each batch
// would otherwise commit; finishing and pausing bring it up to date too.
func workoutRowDue(accepted int, startT, elapsedS float64) bool {
	return accepted > 0 && (startT < 0 || math.Floor(elapsedS/60) != math.Floor(startT/60))
}
