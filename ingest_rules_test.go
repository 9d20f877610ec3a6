package main

import (
	"database/sql"
	"math"
	"reflect"
	"testing"
	"time"
)

func fp(v float64) *float64 { return &v }

// liveAt is a session whose last position was (lat, lon) at time t.
func liveAt(lat, lon, t float64) LiveSession {
	return LiveSession{
		lastT:    t,
		lastLat:  sql.NullFloat64{Float64: lat, Valid: true},
		lastLon:  sql.NullFloat64{Float64: lon, Valid: true},
		lastPosT: sql.NullFloat64{Float64: t, Valid: true},
	}
}

func TestResendFate(t *testing.T) {
	stored := map[float64]bool{3: true, 5: true}
	for _, tc := range []struct {
		name      string
		t, lastT  float64
		want      sampleFate
		wantAsked bool
	}{
		{"newer than the latest is fresh without a read", 6, 5, sampleFresh, false},
		{"first sample of a session", 0, -1, sampleFresh, false},
		{"the latest again is a duplicate", 5, 5, sampleDuplicate, true},
		{"an older stored one is a duplicate", 3, 5, sampleDuplicate, true},
		{"an older one never stored is out of order", 4, 5, sampleOutOfOrder, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := false
			got := resendFate(tc.t, tc.lastT, func(at float64) bool {
				asked = true
				if at != tc.t {
					t.Errorf("asked for %v, want %v", at, tc.t)
				}
				return stored[at]
			})
			if got != tc.want || asked != tc.wantAsked {
				t.Errorf("resendFate(%v, %v) = %v (asked store: %v), want %v (%v)", tc.t, tc.lastT, got, asked, tc.want, tc.wantAsked)
			}
		})
	}
}

func TestGPSJump(t *testing.T) {
	// 0.001° of latitude is about 111 m.
	for _, tc := range []struct {
		name     string
		l        LiveSession
		lat, lon *float64
		t        float64
		want     bool
	}{
		{"no position", liveAt(0, 0, 10), nil, nil, 11, false},
		{"first position", LiveSession{lastT: 10}, fp(45), fp(7), 11, false},
		{"111 m in 10 s", liveAt(0, 0, 10), fp(0.001), fp(0), 20, false},
		{"111 m in 2 s is fine (55 m/s)", liveAt(0, 0, 10), fp(0.001), fp(0), 12, false},
		{"111 m in 1 s is a jump", liveAt(0, 0, 10), fp(0.001), fp(0), 11, true},
		{"11 km in 10 s is a jump", liveAt(0, 0, 10), fp(0.1), fp(0), 20, true},
		{"same time as the last position", liveAt(0, 0, 10), fp(0), fp(0), 10, true},
		{"before the last position", liveAt(0, 0, 10), fp(0), fp(0), 9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gpsJump(&tc.l, tc.lat, tc.lon, tc.t); got != tc.want {
				t.Errorf("gpsJump = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAdvanceLive(t *testing.T) {
	step := haversine(0, 0, 0.001, 0)
	for _, tc := range []struct {
		name       string
		l          LiveSession
		sm         Sample
		wantDist   float64
		wantJump   bool
		wantPos    bool // the sample keeps its position
		wantLastAt [3]float64
	}{
		{"first position sets the start", LiveSession{lastT: -1}, Sample{T: 0, Lat: fp(0), Lon: fp(0)},
			0, false, true, [3]float64{0, 0, 0}},
		{"a step adds its length", func() LiveSession { l := liveAt(0, 0, 10); l.DistanceM = 100; return l }(),
			Sample{T: 20, Lat: fp(0.001), Lon: fp(0)}, 100 + step, false, true, [3]float64{0.001, 0, 20}},
		{"the device's distance wins over positions", liveAt(0, 0, 10),
			Sample{T: 20, Lat: fp(0.001), Lon: fp(0), Dist: fp(50)}, 50, false, true, [3]float64{0.001, 0, 20}},
		{"the device's distance never goes back", func() LiveSession { l := liveAt(0, 0, 10); l.DistanceM = 300; return l }(),
			Sample{T: 20, Dist: fp(250)}, 300, false, false, [3]float64{0, 0, 10}},
		{"a jump drops the position, not the sample", func() LiveSession { l := liveAt(0, 0, 10); l.DistanceM = 5; return l }(),
			Sample{T: 11, Lat: fp(1), Lon: fp(1), HR: fp(150)}, 5, true, false, [3]float64{0, 0, 10}},
		{"a sample without a position keeps the distance", func() LiveSession { l := liveAt(0, 0, 10); l.DistanceM = 7; return l }(),
			Sample{T: 11, HR: fp(140)}, 7, false, false, [3]float64{0, 0, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.l
			got, jumped := advanceLive(&l, tc.sm)
			if jumped != tc.wantJump {
				t.Errorf("jumped = %v, want %v", jumped, tc.wantJump)
			}
			if math.Abs(l.DistanceM-tc.wantDist) > 1e-9 || got.Dist == nil || *got.Dist != l.DistanceM {
				t.Errorf("distance %v, sample dist %v, want %v", l.DistanceM, got.Dist, tc.wantDist)
			}
			if (got.Lat != nil) != tc.wantPos || (got.Lon != nil) != tc.wantPos {
				t.Errorf("sample position %v,%v, want kept: %v", got.Lat, got.Lon, tc.wantPos)
			}
			if tc.sm.HR != nil && (got.HR == nil || *got.HR != *tc.sm.HR) {
				t.Errorf("heart rate lost: %v", got.HR)
			}
			if last := [3]float64{l.lastLat.Float64, l.lastLon.Float64, l.lastPosT.Float64}; last != tc.wantLastAt {
				t.Errorf("last position %v, want %v", last, tc.wantLastAt)
			}
			if l.lastT != tc.sm.T || l.ElapsedS != tc.sm.T {
				t.Errorf("lastT %v elapsed %v, want both %v", l.lastT, l.ElapsedS, tc.sm.T)
			}
		})
	}
}

func TestPrivacyRelease(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		distanceM, privacyM, released float64
		wantUpTo                      float64
		wantFrom                      trackSource
	}{
		{"no zone: the batch releases itself", 1000, 0, 900, 1000, releaseFromBatch},
		{"no zone and no progress", 900, 0, 900, 900, releaseNone},
		{"inside the zone at the start", 150, 200, 0, -50, releaseNone},
		{"just at the zone's edge", 200, 200, 0, 0, releaseNone},
		{"past the zone: read what the zone let go", 1000, 200, 500, 800, releaseFromStore},
		{"nothing new past the last release", 700, 200, 500, 500, releaseNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upTo, from := privacyRelease(tc.distanceM, tc.privacyM, tc.released)
			if upTo != tc.wantUpTo || from != tc.wantFrom {
				t.Errorf("privacyRelease = %v, %v; want %v, %v", upTo, from, tc.wantUpTo, tc.wantFrom)
			}
		})
	}
}

func TestBatchTrack(t *testing.T) {
	batch := []Sample{
		{T: 1, Lat: fp(1), Lon: fp(10), Dist: fp(100)},
		{T: 2, Dist: fp(150)}, // no position
		{T: 3, Lat: fp(3), Lon: fp(30), Dist: fp(200)},
		{T: 4, Lat: fp(4), Lon: fp(40), Dist: fp(300)},
	}
	for _, tc := range []struct {
		name           string
		released, upTo float64
		want           [][3]float64
	}{
		{"all new", 0, 300, [][3]float64{{1, 1, 10}, {3, 3, 30}, {4, 4, 40}}},
		{"released already is left out, the mark itself too", 100, 300, [][3]float64{{3, 3, 30}, {4, 4, 40}}},
		{"up to the mark inclusive", 0, 200, [][3]float64{{1, 1, 10}, {3, 3, 30}}},
		{"nothing in the window", 300, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := batchTrack(batch, tc.released, tc.upTo); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("batchTrack = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSpectatorSees(t *testing.T) {
	for _, tc := range []struct {
		name               string
		sm                 Sample
		privacyM, released float64
		want               bool
	}{
		{"released and outside the zone", Sample{Lat: fp(1), Lon: fp(1), Dist: fp(300)}, 200, 500, true},
		{"at the zone's edge", Sample{Lat: fp(1), Lon: fp(1), Dist: fp(200)}, 200, 500, true},
		{"inside the start zone", Sample{Lat: fp(1), Lon: fp(1), Dist: fp(199)}, 200, 500, false},
		{"not released yet", Sample{Lat: fp(1), Lon: fp(1), Dist: fp(501)}, 200, 500, false},
		{"no position", Sample{Dist: fp(300)}, 200, 500, false},
		{"no distance", Sample{Lat: fp(1), Lon: fp(1)}, 0, 500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := spectatorSees(tc.sm, tc.privacyM, tc.released); got != tc.want {
				t.Errorf("spectatorSees = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestShareLinkExpired(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	for _, tc := range []struct {
		name  string
		token string
		exp   *time.Time
		want  bool
	}{
		{"no link", "", &past, false},
		{"a link that never expires", "tok", nil, false},
		{"a link still valid", "tok", &future, false},
		{"a link expiring now", "tok", &now, true},
		{"an expired link", "tok", &past, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := LiveSession{ShareToken: tc.token, ShareExpires: tc.exp}
			if got := shareLinkExpired(&l, now); got != tc.want {
				t.Errorf("shareLinkExpired = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWorkoutRowDue(t *testing.T) {
	for _, tc := range []struct {
		name             string
		accepted         int
		startT, elapsedS float64
		want             bool
	}{
		{"nothing accepted", 0, -1, 0, false},
		{"the first samples", 3, -1, 2, true},
		{"within the same minute", 5, 61, 119, false},
		{"into a new minute", 5, 119, 121, true},
		{"a batch spanning minutes", 5, 10, 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := workoutRowDue(tc.accepted, tc.startT, tc.elapsedS); got != tc.want {
				t.Errorf("workoutRowDue = %v, want %v", got, tc.want)
			}
		})
	}
}
