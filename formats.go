package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/encoder"
	"github.com/muktihari/fit/profile/filedef"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"
	"github.com/muktihari/fit/profile/untyped/mesgnum"
	"github.com/muktihari/fit/proto"
	"github.com/tkrajina/gpxgo/gpx"
)

// maxImportSamples bounds one activity's time series: a day and more at
// one sample a second.
const maxImportSamples = 200_000

// activity is a workout read from a file, before it is stored: the
// workout's fields (sport, start, totals, sets) and its time series.
type activity struct {
	Workout
	Samples []Sample
	Format  string // fit, gpx or tcx
}

// errNotActivity says a file is none of the formats fitcast reads.
var errNotActivity = errors.New("not a FIT, GPX or TCX file")

// parseActivity reads one activity file, gzipped or not, whatever its name
// says: the format is told by the content. A multisport FIT file holds one
// activity per sport. maxBytes bounds the file after decompression, so a
// small gzip cannot expand without limit.
func parseActivity(data []byte, maxBytes int64, now time.Time) ([]activity, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		inner, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if int64(len(inner)) > maxBytes {
			return nil, fmt.Errorf("larger than %d MB once decompressed", maxBytes>>20)
		}
		data = inner
	}
	var acts []activity
	var err error
	switch sniffFormat(data) {
	case "fit":
		acts, err = parseFIT(data)
	case "gpx":
		acts, err = one(parseGPX(data))
	case "tcx":
		acts, err = one(parseTCX(data))
	default:
		return nil, errNotActivity
	}
	if err != nil {
		return nil, err
	}
	for i := range acts {
		if err := acts[i].complete(now); err != nil {
			if len(acts) > 1 {
				return nil, fmt.Errorf("part %d (%s): %w", i+1, acts[i].Sport, err)
			}
			return nil, err
		}
	}
	return acts, nil
}

func one(a activity, err error) ([]activity, error) { return []activity{a}, err }

// sniffFormat names a file's format from its first bytes: a FIT header
// carries ".FIT" at byte 8; GPX and TCX are told by their root element.
func sniffFormat(data []byte) string {
	if len(data) >= 12 && string(data[8:12]) == ".FIT" {
		return "fit"
	}
	dec := xml.NewDecoder(bytes.NewReader(data[:min(len(data), 4096)]))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if el, ok := tok.(xml.StartElement); ok {
			switch el.Name.Local {
			case "gpx":
				return "gpx"
			case "TrainingCenterDatabase":
				return "tcx"
			}
			return ""
		}
	}
}

// complete sorts and checks the samples, fills in the totals a file did
// not state from them, and checks the result as a workout a user typed in
// would be checked.
func (a *activity) complete(now time.Time) error {
	if a.Start.IsZero() {
		return errors.New("the file has no start time")
	}
	if len(a.Samples) > maxImportSamples {
		return fmt.Errorf("%d samples; at most %d are imported", len(a.Samples), maxImportSamples)
	}
	sort.SliceStable(a.Samples, func(i, j int) bool { return a.Samples[i].T < a.Samples[j].T })
	kept := a.Samples[:0]
	for _, sm := range a.Samples {
		if len(kept) > 0 && sm.T == kept[len(kept)-1].T {
			continue // two points in one instant: the first stands
		}
		if sm.T > maxDuration.Seconds() {
			break // a clock that jumped: the rest is not this workout
		}
		kept = append(kept, sensorReadings(sm))
	}
	a.Samples = kept
	if a.Sets == nil && len(a.Samples) == 0 && a.DurationS == 0 {
		return errors.New("the file has no track points, laps or sets")
	}
	if n := len(a.Samples); n > 0 {
		if a.DurationS == 0 {
			a.DurationS = a.Samples[n-1].T
		}
		if dist, ok := cumulativeDistance(a.Samples); ok {
			for i := range a.Samples {
				if a.Samples[i].Dist == nil {
					d := math.Round(dist[i]*100) / 100
					a.Samples[i].Dist = &d
				}
			}
			if a.DistanceM == nil && dist[n-1] > 0 {
				d := math.Round(dist[n-1]*10) / 10
				a.DistanceM = &d
			}
		}
		var hrSum, hrMax, climb, prevAlt float64
		var hrN int
		haveAlt := false
		for _, sm := range a.Samples {
			if sm.HR != nil {
				hrSum += *sm.HR
				hrMax = math.Max(hrMax, *sm.HR)
				hrN++
			}
			if sm.Alt != nil {
				if haveAlt && *sm.Alt > prevAlt {
					climb += *sm.Alt - prevAlt
				}
				prevAlt, haveAlt = *sm.Alt, true
			}
		}
		if a.AvgHR == nil && hrN > 0 {
			avg := math.Round(hrSum/float64(hrN)*10) / 10
			a.AvgHR, a.MaxHR = &avg, &hrMax
		}
		if a.ElevationM == nil && haveAlt {
			c := math.Round(climb*10) / 10
			a.ElevationM = &c
		}
	}
	a.DurationS = math.Max(1, math.Round(a.DurationS*1000)/1000)
	if a.Sport == "" {
		a.Sport = "other"
	}
	raw, _ := json.Marshal(a.Workout)
	var in workoutInput
	json.Unmarshal(raw, &in)
	in.ID = ""
	w, err := in.validate(now)
	if err != nil {
		var apiErr *apiError
		if errors.As(err, &apiErr) {
			return errors.New(apiErr.Message)
		}
		return err
	}
	w.CreatedAt, w.UpdatedAt = a.CreatedAt, a.UpdatedAt
	a.Workout = w
	return nil
}

// sensorReadings drops the values in a recorded sample that no body or
// device produces (a heart rate of 5, a position off the globe): sensors
// glitch, and one bad reading should not cost the whole activity.
func sensorReadings(sm Sample) Sample {
	for _, c := range []struct {
		v      **float64
		lo, hi float64
	}{
		{&sm.Alt, -500, 9000}, {&sm.Dist, 0, maxDistanceM}, {&sm.HR, minHR, maxHR}, {&sm.Cadence, 0, 300},
		{&sm.Power, 0, 3000}, {&sm.Speed, 0, 100},
	} {
		if *c.v != nil && (math.IsNaN(**c.v) || **c.v < c.lo || **c.v > c.hi) {
			*c.v = nil
		}
	}
	if sm.Lat == nil || sm.Lon == nil || !(*sm.Lat >= -90 && *sm.Lat <= 90 && *sm.Lon >= -180 && *sm.Lon <= 180) {
		sm.Lat, sm.Lon = nil, nil
	}
	return sm
}

// sportAliases maps the sport names other apps and formats use to ours,
// after lower-casing and dropping everything but letters.
var sportAliases = map[string]string{
	"run": "run", "running": "run", "virtualrun": "run", "treadmill": "run", "treadmillrunning": "run",
	"trailrun": "trail_run", "trailrunning": "trail_run",
	"walk": "walk", "walking": "walk",
	"hike": "hike", "hiking": "hike",
	"ride": "ride", "cycling": "ride", "biking": "ride", "bike": "ride", "virtualride": "ride", "roadbike": "ride", "ebikeride": "ride",
	"indoorcycling": "ride", "gravelride": "ride",
	"mountainbikeride": "mtb", "mountainbiking": "mtb", "mountainbike": "mtb", "emountainbikeride": "mtb",
	"swim": "swim", "swimming": "swim", "lapswimming": "swim", "openwaterswimming": "swim",
	"rowing": "row", "row": "row", "indoorrowing": "row",
	"alpineski": "ski", "alpineskiing": "ski", "skiing": "ski", "snowboard": "ski", "backcountryski": "ski",
	"nordicski": "xc_ski", "crosscountryskiing": "xc_ski",
	"elliptical":     "elliptical",
	"weighttraining": "strength", "strengthtraining": "strength", "strength": "strength", "training": "strength",
	"yoga": "yoga", "hiit": "hiit", "highintensityintervaltraining": "hiit", "crossfit": "hiit",
	"rockclimbing": "climbing", "climbing": "climbing", "pilates": "pilates", "dance": "dance", "dancing": "dance",
}

// sportFromName maps a name such as "Mountain Bike Ride", "running" or
// "TrailRun" to one of fitcast's sports, or "" when it knows none.
func sportFromName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return sportAliases[b.String()]
}

// fitSport maps a FIT sport and sub-sport to one of ours.
func fitSport(sport typedef.Sport, sub typedef.SubSport) string {
	switch sport {
	case typedef.SportRunning:
		if sub == typedef.SubSportTrail {
			return "trail_run"
		}
		return "run"
	case typedef.SportCycling, typedef.SportEBiking:
		if sub == typedef.SubSportMountain {
			return "mtb"
		}
		return "ride"
	case typedef.SportWalking:
		return "walk"
	case typedef.SportHiking:
		return "hike"
	case typedef.SportSwimming:
		return "swim"
	case typedef.SportRowing:
		return "row"
	case typedef.SportAlpineSkiing, typedef.SportSnowboarding:
		return "ski"
	case typedef.SportCrossCountrySkiing:
		return "xc_ski"
	case typedef.SportTraining:
		switch sub {
		case typedef.SubSportStrengthTraining:
			return "strength"
		case typedef.SubSportYoga:
			return "yoga"
		case typedef.SubSportPilates:
			return "pilates"
		}
		return "hiit"
	case typedef.SportFitnessEquipment:
		switch sub {
		case typedef.SubSportElliptical:
			return "elliptical"
		case typedef.SubSportIndoorRowing:
			return "row"
		case typedef.SubSportIndoorCycling:
			return "ride"
		case typedef.SubSportTreadmill:
			return "run"
		case typedef.SubSportStrengthTraining:
			return "strength"
		}
	case typedef.SportRockClimbing:
		return "climbing"
	case typedef.SportDance:
		return "dance"
	}
	return "other"
}

// fitExercises maps FIT exercise categories to built-in exercises; other
// categories become the user's own exercise, named after the category.
var fitExercises = map[typedef.ExerciseCategory]string{
	typedef.ExerciseCategoryBenchPress: "bench_press", typedef.ExerciseCategorySquat: "squat",
	typedef.ExerciseCategoryDeadlift: "deadlift", typedef.ExerciseCategoryShoulderPress: "overhead_press",
	typedef.ExerciseCategoryRow: "barbell_row", typedef.ExerciseCategoryPullUp: "pull_up",
	typedef.ExerciseCategoryPushUp: "push_up", typedef.ExerciseCategoryLunge: "lunge",
	typedef.ExerciseCategoryCurl: "bicep_curl", typedef.ExerciseCategoryTricepsExtension: "tricep_extension",
	typedef.ExerciseCategoryCalfRaise: "calf_raise", typedef.ExerciseCategoryHipRaise: "hip_thrust",
}

// fitExercise names a FIT set's exercise: a built-in key, or a name for a
// new exercise of the user's.
func fitExercise(c typedef.ExerciseCategory) string {
	if key, ok := fitExercises[c]; ok {
		return key
	}
	if c == typedef.ExerciseCategoryUnknown || c == typedef.ExerciseCategoryInvalid {
		return "Exercise"
	}
	name := c.String() // "lateral_raise"
	return strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " ")
}

// finite returns a pointer to v, or nil when the file had no value there
// (FIT's invalid values scale to NaN).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// parseFIT reads a FIT activity: its records become samples, its session
// gives the sport and totals, and its active sets become strength sets. A
// multisport file (a triathlon) has a session per sport, and becomes a
// workout per session with the records of its time; transitions between
// them are left out.
func parseFIT(data []byte) ([]activity, error) {
	lis := filedef.NewListener()
	defer lis.Close()
	dec := decoder.New(bytes.NewReader(data), decoder.WithMesgListener(lis), decoder.WithBroadcastOnly())
	if _, err := dec.Decode(); err != nil {
		return nil, fmt.Errorf("FIT: %w", err)
	}
	file, ok := lis.File().(*filedef.Activity)
	if !ok {
		return nil, errors.New("FIT: not an activity file (a course, a workout plan or settings?)")
	}
	var sessions []*mesgdef.Session
	for _, sess := range file.Sessions {
		if sess.Sport != typedef.SportTransition {
			sessions = append(sessions, sess)
		}
	}
	if len(sessions) <= 1 {
		var sess *mesgdef.Session
		if len(sessions) == 1 {
			sess = sessions[0]
		}
		a := fitActivity(sess, file.Records, file.FileId.TimeCreated)
		a.Sets = fitSets(file.UnrelatedMessages)
		if len(a.Samples) == 0 && a.DurationS == 0 && a.Sets == nil {
			return nil, errors.New("FIT: the activity has no records, session or sets")
		}
		return []activity{a}, nil
	}
	var acts []activity
	for i, sess := range sessions {
		elapsed := 0.0
		if v := finite(sess.TotalElapsedTimeScaled()); v != nil {
			elapsed = *v
		}
		end := sess.StartTime.Add(time.Duration(elapsed * float64(time.Second)))
		if i+1 < len(sessions) && sessions[i+1].StartTime.Before(end) {
			end = sessions[i+1].StartTime
		}
		var records []*mesgdef.Record
		for _, r := range file.Records {
			if !r.Timestamp.Before(sess.StartTime) && (r.Timestamp.Before(end) || r.Timestamp.Equal(end) && i+1 == len(sessions)) {
				records = append(records, r)
			}
		}
		a := fitActivity(sess, records, file.FileId.TimeCreated)
		// Distances in a multisport file may run on from the part
		// before: each part starts from zero.
		if len(a.Samples) > 0 && a.Samples[0].Dist != nil {
			base := *a.Samples[0].Dist
			for j := range a.Samples {
				if d := a.Samples[j].Dist; d != nil {
					v := math.Max(0, *d-base)
					a.Samples[j].Dist = &v
				}
			}
		}
		acts = append(acts, a)
	}
	return acts, nil
}

// fitActivity makes an activity of a FIT session (nil when the file has
// none) and its records.
func fitActivity(sess *mesgdef.Session, records []*mesgdef.Record, created time.Time) activity {
	a := activity{Format: "fit"}
	var start time.Time
	if sess != nil {
		start = sess.StartTime
		a.Sport = fitSport(sess.Sport, sess.SubSport)
		if v := finite(sess.TotalTimerTimeScaled()); v != nil && *v > 0 {
			a.DurationS = *v
		} else if v := finite(sess.TotalElapsedTimeScaled()); v != nil {
			a.DurationS = *v
		}
		if v := finite(sess.TotalDistanceScaled()); v != nil && *v > 0 {
			a.DistanceM = v
		}
		if sess.TotalAscent != math.MaxUint16 {
			a.ElevationM = finite(float64(sess.TotalAscent))
		}
		if sess.TotalCalories != math.MaxUint16 && sess.TotalCalories > 0 {
			a.Calories = finite(float64(sess.TotalCalories))
		}
		if sess.AvgHeartRate != math.MaxUint8 && sess.MaxHeartRate != math.MaxUint8 && sess.AvgHeartRate > 0 {
			a.AvgHR, a.MaxHR = finite(float64(sess.AvgHeartRate)), finite(float64(sess.MaxHeartRate))
		}
	}
	if start.IsZero() && len(records) > 0 {
		start = records[0].Timestamp
	}
	if start.IsZero() {
		start = created
	}
	a.Start = start.UTC()
	for _, r := range records {
		if r.Timestamp.IsZero() || r.Timestamp.Before(start) {
			continue // no time, or recorded before the session began
		}
		sm := Sample{T: r.Timestamp.Sub(start).Seconds()}
		if lat, lon := finite(r.PositionLatDegrees()), finite(r.PositionLongDegrees()); lat != nil && lon != nil {
			sm.Lat, sm.Lon = lat, lon
		}
		sm.Alt = finite(r.EnhancedAltitudeScaled())
		if sm.Alt == nil {
			sm.Alt = finite(r.AltitudeScaled())
		}
		sm.Dist = finite(r.DistanceScaled())
		sm.Speed = finite(r.EnhancedSpeedScaled())
		if sm.Speed == nil {
			sm.Speed = finite(r.SpeedScaled())
		}
		if r.HeartRate != math.MaxUint8 && r.HeartRate > 0 {
			sm.HR = finite(float64(r.HeartRate))
		}
		if r.Cadence != math.MaxUint8 {
			sm.Cadence = finite(float64(r.Cadence))
		}
		if r.Power != math.MaxUint16 {
			sm.Power = finite(float64(r.Power))
		}
		a.Samples = append(a.Samples, sm)
	}
	return a
}

// fitSets reads a strength activity's active sets (rest sets are the
// pauses between them). The Activity file type does not group sets, so
// they are among the messages it leaves aside.
func fitSets(msgs []proto.Message) []WorkoutSet {
	var sets []WorkoutSet
	for i := range msgs {
		if msgs[i].Num != mesgnum.Set {
			continue
		}
		m := mesgdef.NewSet(&msgs[i])
		if m.SetType != typedef.SetTypeActive {
			continue
		}
		category := typedef.ExerciseCategoryUnknown
		if len(m.Category) > 0 {
			category = m.Category[0]
		}
		set := WorkoutSet{Exercise: fitExercise(category)}
		if m.Repetitions != math.MaxUint16 {
			reps := int(m.Repetitions)
			set.Reps = &reps
		}
		if m.Weight != math.MaxUint16 {
			set.WeightKg = finite(math.Round(m.WeightScaled()*10) / 10)
		}
		sets = append(sets, set)
	}
	return sets
}

// parseGPX reads GPX 1.0 or 1.1: every track's points in time order, with
// heart rate, cadence and power from the Garmin TrackPointExtension and
// the common power extension.
func parseGPX(data []byte) (activity, error) {
	var a activity
	a.Format = "gpx"
	g, err := gpx.ParseBytes(data)
	if err != nil {
		return a, fmt.Errorf("GPX: %w", err)
	}
	var points []gpx.GPXPoint
	for _, trk := range g.Tracks {
		if a.Title == "" {
			a.Title = strings.TrimSpace(trk.Name)
		}
		if a.Sport == "" {
			a.Sport = sportFromName(trk.Type)
		}
		if a.Notes == "" {
			a.Notes = strings.TrimSpace(trk.Description)
		}
		for _, seg := range trk.Segments {
			points = append(points, seg.Points...)
		}
	}
	if len(points) == 0 {
		return a, errors.New("GPX: the file has no track points")
	}
	start := points[0].Timestamp
	if start.IsZero() {
		return a, errors.New("GPX: the track points have no times")
	}
	a.Start = start.UTC()
	for _, p := range points {
		if p.Timestamp.IsZero() {
			continue
		}
		lat, lon := p.Latitude, p.Longitude
		sm := Sample{T: p.Timestamp.Sub(start).Seconds(), Lat: &lat, Lon: &lon}
		if p.Elevation.NotNull() {
			sm.Alt = finite(p.Elevation.Value())
		}
		gpxExtensions(p.Extensions.Nodes, &sm)
		if sm.T >= 0 {
			a.Samples = append(a.Samples, sm)
		}
	}
	return a, nil
}

// gpxExtensions reads heart rate, cadence and power wherever they sit in
// a point's extensions (gpxtpx:hr, ns3:cad, power, ...).
func gpxExtensions(nodes []gpx.ExtensionNode, sm *Sample) {
	for _, n := range nodes {
		v, err := strconv.ParseFloat(strings.TrimSpace(n.Data), 64)
		if err == nil {
			switch strings.ToLower(n.XMLName.Local) {
			case "hr", "heartrate":
				sm.HR = finite(v)
			case "cad", "cadence", "runcadence":
				sm.Cadence = finite(v)
			case "power", "watts":
				sm.Power = finite(v)
			}
		}
		gpxExtensions(n.Nodes, sm)
	}
}

// tcxDoc is the part of a Training Center XML file fitcast reads.
type tcxDoc struct {
	Activities []struct {
		Sport string `xml:"Sport,attr"`
		ID    string `xml:"Id"`
		Notes string `xml:"Notes"`
		Laps  []struct {
			StartTime      string   `xml:"StartTime,attr"`
			TotalTimeSec   float64  `xml:"TotalTimeSeconds"`
			DistanceMeters *float64 `xml:"DistanceMeters"`
			Calories       *float64 `xml:"Calories"`
			Track          []struct {
				Points []struct {
					Time     string `xml:"Time"`
					Position *struct {
						Lat float64 `xml:"LatitudeDegrees"`
						Lon float64 `xml:"LongitudeDegrees"`
					} `xml:"Position"`
					Alt     *float64 `xml:"AltitudeMeters"`
					Dist    *float64 `xml:"DistanceMeters"`
					HR      *float64 `xml:"HeartRateBpm>Value"`
					Cadence *float64 `xml:"Cadence"`
					Ext     struct {
						Speed   *float64 `xml:"TPX>Speed"`
						Power   *float64 `xml:"TPX>Watts"`
						Cadence *float64 `xml:"TPX>RunCadence"`
					} `xml:"Extensions"`
				} `xml:"Trackpoint"`
			} `xml:"Track"`
		} `xml:"Lap"`
	} `xml:"Activities>Activity"`
}

// parseTCX reads the first activity of a TCX file: its laps' times,
// distances and calories, and their track points.
func parseTCX(data []byte) (activity, error) {
	var a activity
	a.Format = "tcx"
	var doc tcxDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return a, fmt.Errorf("TCX: %w", err)
	}
	if len(doc.Activities) == 0 {
		return a, errors.New("TCX: the file has no activity")
	}
	act := doc.Activities[0]
	a.Sport = sportFromName(act.Sport)
	a.Notes = strings.TrimSpace(act.Notes)
	start, err := time.Parse(time.RFC3339, strings.TrimSpace(act.ID))
	if err != nil && len(act.Laps) > 0 {
		start, err = time.Parse(time.RFC3339, act.Laps[0].StartTime)
	}
	if err != nil {
		return a, errors.New("TCX: the activity has no start time")
	}
	a.Start = start.UTC()
	var dist, cal float64
	haveDist, haveCal := false, false
	for _, lap := range act.Laps {
		a.DurationS += lap.TotalTimeSec
		if lap.DistanceMeters != nil {
			dist += *lap.DistanceMeters
			haveDist = true
		}
		if lap.Calories != nil {
			cal += *lap.Calories
			haveCal = true
		}
		for _, trk := range lap.Track {
			for _, p := range trk.Points {
				at, err := time.Parse(time.RFC3339, strings.TrimSpace(p.Time))
				if err != nil || at.Before(start) {
					continue
				}
				sm := Sample{T: at.Sub(start).Seconds(), Alt: p.Alt, Dist: p.Dist, HR: p.HR, Cadence: p.Cadence,
					Speed: p.Ext.Speed, Power: p.Ext.Power}
				if sm.Cadence == nil {
					sm.Cadence = p.Ext.Cadence
				}
				if p.Position != nil {
					lat, lon := p.Position.Lat, p.Position.Lon
					sm.Lat, sm.Lon = &lat, &lon
				}
				a.Samples = append(a.Samples, sm)
			}
		}
	}
	if haveDist && dist > 0 {
		a.DistanceM = &dist
	}
	if haveCal && cal > 0 {
		a.Calories = &cal
	}
	return a, nil
}

// ---- Writing ---------------------------------------------------------------

// trackPointExtNS is Garmin's TrackPointExtension, where GPX files carry
// heart rate and cadence.
const trackPointExtNS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"

// writeGPX renders a workout's track as GPX 1.1, with heart rate and
// cadence in Garmin's TrackPointExtension and power in a plain
// power element, as most apps read them.
func writeGPX(w Workout, samples []Sample) ([]byte, error) {
	g := gpx.GPX{Version: "1.1", Creator: "fitcast",
		Attrs: gpx.NewGPXAttributes([]xml.Attr{{Name: xml.Name{Space: "xmlns", Local: "gpxtpx"}, Value: trackPointExtNS}})}
	var points []gpx.GPXPoint
	for _, sm := range samples {
		if sm.Lat == nil {
			continue
		}
		p := gpx.GPXPoint{Point: gpx.Point{Latitude: *sm.Lat, Longitude: *sm.Lon}, Timestamp: w.Start.Add(time.Duration(sm.T * float64(time.Second)))}
		if sm.Alt != nil {
			p.Elevation = *gpx.NewNullableFloat64(*sm.Alt)
		}
		if sm.HR != nil {
			p.Extensions.GetOrCreateNode(trackPointExtNS, "TrackPointExtension", "hr").Data = strconv.FormatFloat(math.Round(*sm.HR), 'f', -1, 64)
		}
		if sm.Cadence != nil {
			p.Extensions.GetOrCreateNode(trackPointExtNS, "TrackPointExtension", "cad").Data = strconv.FormatFloat(math.Round(*sm.Cadence), 'f', -1, 64)
		}
		if sm.Power != nil {
			p.Extensions.GetOrCreateNode(gpx.NoNamespace, "power").Data = strconv.FormatFloat(math.Round(*sm.Power), 'f', -1, 64)
		}
		points = append(points, p)
	}
	if len(points) == 0 {
		return nil, errorf(http.StatusNotFound, "no_track", "this workout has no GPS track to export")
	}
	title := w.Title
	if title == "" {
		title = w.Sport
	}
	g.Tracks = []gpx.GPXTrack{{Name: title, Type: w.Sport, Description: w.Notes, Segments: []gpx.GPXTrackSegment{{Points: points}}}}
	return g.ToXml(gpx.ToXmlParams{Version: "1.1", Indent: true})
}

// fitSports is fitSport backwards: the FIT sport and sub-sport written for
// each of ours.
var fitSports = map[string][2]uint8{
	"run": {uint8(typedef.SportRunning), uint8(typedef.SubSportGeneric)}, "trail_run": {uint8(typedef.SportRunning), uint8(typedef.SubSportTrail)},
	"walk": {uint8(typedef.SportWalking), 0}, "hike": {uint8(typedef.SportHiking), 0},
	"ride": {uint8(typedef.SportCycling), 0}, "mtb": {uint8(typedef.SportCycling), uint8(typedef.SubSportMountain)},
	"swim": {uint8(typedef.SportSwimming), 0}, "row": {uint8(typedef.SportRowing), 0},
	"ski": {uint8(typedef.SportAlpineSkiing), 0}, "xc_ski": {uint8(typedef.SportCrossCountrySkiing), 0},
	"elliptical": {uint8(typedef.SportFitnessEquipment), uint8(typedef.SubSportElliptical)},
	"strength":   {uint8(typedef.SportTraining), uint8(typedef.SubSportStrengthTraining)},
	"yoga":       {uint8(typedef.SportTraining), uint8(typedef.SubSportYoga)}, "pilates": {uint8(typedef.SportTraining), uint8(typedef.SubSportPilates)},
	"hiit": {uint8(typedef.SportTraining), 0}, "climbing": {uint8(typedef.SportRockClimbing), 0}, "dance": {uint8(typedef.SportDance), 0},
}

// writeFIT renders a workout as a FIT activity: a record per sample, one
// lap and one session with the totals, and its strength sets.
func writeFIT(w Workout, samples []Sample) ([]byte, error) {
	act := filedef.NewActivity()
	act.FileId.SetType(typedef.FileActivity).SetTimeCreated(w.Start).SetManufacturer(typedef.ManufacturerDevelopment).SetProduct(1)
	at := func(t float64) time.Time { return w.Start.Add(time.Duration(t * float64(time.Second))) }
	for _, sm := range samples {
		r := mesgdef.NewRecord(nil).SetTimestamp(at(sm.T))
		if sm.Lat != nil {
			r.SetPositionLatDegrees(*sm.Lat).SetPositionLongDegrees(*sm.Lon)
		}
		if sm.Alt != nil {
			r.SetEnhancedAltitudeScaled(*sm.Alt)
		}
		if sm.Dist != nil {
			r.SetDistanceScaled(*sm.Dist)
		}
		if sm.Speed != nil {
			r.SetEnhancedSpeedScaled(*sm.Speed)
		}
		if sm.HR != nil {
			r.SetHeartRate(uint8(math.Round(*sm.HR)))
		}
		if sm.Cadence != nil {
			r.SetCadence(uint8(math.Round(math.Min(*sm.Cadence, 254))))
		}
		if sm.Power != nil {
			r.SetPower(uint16(math.Round(*sm.Power)))
		}
		act.Records = append(act.Records, r)
	}
	end := at(w.DurationS)
	sport := fitSports[w.Sport]
	if _, ok := fitSports[w.Sport]; !ok {
		sport = [2]uint8{uint8(typedef.SportGeneric), 0}
	}
	sess := mesgdef.NewSession(nil).SetTimestamp(end).SetStartTime(w.Start).SetEvent(typedef.EventSession).SetEventType(typedef.EventTypeStop).
		SetSport(typedef.Sport(sport[0])).SetSubSport(typedef.SubSport(sport[1])).
		SetTotalElapsedTimeScaled(w.DurationS).SetTotalTimerTimeScaled(w.DurationS)
	lap := mesgdef.NewLap(nil).SetTimestamp(end).SetStartTime(w.Start).SetEvent(typedef.EventLap).SetEventType(typedef.EventTypeStop).
		SetTotalElapsedTimeScaled(w.DurationS).SetTotalTimerTimeScaled(w.DurationS)
	if w.DistanceM != nil {
		sess.SetTotalDistanceScaled(*w.DistanceM)
		lap.SetTotalDistanceScaled(*w.DistanceM)
	}
	if w.ElevationM != nil {
		sess.SetTotalAscent(uint16(math.Round(*w.ElevationM)))
	}
	if w.Calories != nil {
		sess.SetTotalCalories(uint16(math.Round(*w.Calories)))
	}
	if w.AvgHR != nil && w.MaxHR != nil {
		sess.SetAvgHeartRate(uint8(math.Round(*w.AvgHR))).SetMaxHeartRate(uint8(math.Round(*w.MaxHR)))
	}
	act.Laps = append(act.Laps, lap)
	act.Sessions = append(act.Sessions, sess)
	categories := map[string]typedef.ExerciseCategory{}
	for c, key := range fitExercises {
		categories[key] = c
	}
	for i, set := range w.Sets {
		c, ok := categories[set.Exercise]
		if !ok {
			c = typedef.ExerciseCategoryUnknown
		}
		m := mesgdef.NewSet(nil).SetTimestamp(w.Start).SetSetType(typedef.SetTypeActive).SetCategory([]typedef.ExerciseCategory{c}).
			SetMessageIndex(typedef.MessageIndex(i))
		if set.Reps != nil {
			m.SetRepetitions(uint16(*set.Reps))
		}
		if set.WeightKg != nil {
			m.SetWeightScaled(*set.WeightKg)
		}
		act.UnrelatedMessages = append(act.UnrelatedMessages, m.ToMesg(nil))
	}
	act.Activity = mesgdef.NewActivity(nil).SetTimestamp(end).SetNumSessions(1).SetType(typedef.ActivityManual).
		SetEvent(typedef.EventActivity).SetEventType(typedef.EventTypeStop)
	fit := act.ToFIT(nil)
	var buf bytes.Buffer
	if err := encoder.New(&buf).Encode(&fit); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
