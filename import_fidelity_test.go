package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muktihari/fit/encoder"
	"github.com/muktihari/fit/profile/filedef"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"
	"github.com/muktihari/fit/proto"
)

// encodeFIT writes an activity built by a test.
func encodeFIT(t *testing.T, act *filedef.Activity) []byte {
	t.Helper()
	fit := act.ToFIT(nil)
	var buf bytes.Buffer
	if err := encoder.New(&buf).Encode(&fit); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportFITClockJump imports a 600 s run whose device clock jumped
// five years ahead after 300 records (as when a watch sets its time from
// GPS partway), and one whose clock stepped back an hour: every record
// is kept, one second apart, and the totals stay the session's.
func TestImportFITClockJump(t *testing.T) {
	for name, jump := range map[string]time.Duration{"ahead": 5 * 365 * 24 * time.Hour, "back": -time.Hour} {
		act := filedef.NewActivity()
		act.FileId.SetType(typedef.FileActivity).SetTimeCreated(importStart).SetManufacturer(typedef.ManufacturerDevelopment)
		for i := range 600 {
			at := importStart.Add(time.Duration(i) * time.Second)
			if i >= 300 {
				at = at.Add(jump)
			}
			act.Records = append(act.Records, mesgdef.NewRecord(nil).SetTimestamp(at).SetDistanceScaled(float64(3*i)).SetHeartRate(140))
		}
		act.Sessions = append(act.Sessions, mesgdef.NewSession(nil).SetStartTime(importStart).SetTimestamp(importStart.Add(600*time.Second)).
			SetSport(typedef.SportRunning).SetTotalElapsedTimeScaled(600).SetTotalTimerTimeScaled(600).SetTotalDistanceScaled(1797))
		// Written in the order recorded: the library's ToFIT would sort the
		// messages by time.
		fit := proto.FIT{Messages: []proto.Message{act.FileId.ToMesg(nil)}}
		for _, r := range act.Records {
			fit.Messages = append(fit.Messages, r.ToMesg(nil))
		}
		fit.Messages = append(fit.Messages, act.Sessions[0].ToMesg(nil))
		var buf bytes.Buffer
		if err := encoder.New(&buf).Encode(&fit); err != nil {
			t.Fatal(err)
		}
		acts, err := parseActivity(buf.Bytes(), 1<<20, fuzzNow)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := acts[0]
		if len(a.Samples) != 600 || a.Samples[599].T != 599 || a.DurationS != 600 || !near(a.DistanceM, 1797, 0) || !a.Start.Equal(importStart) {
			t.Fatalf("%s: %d samples, the last at %v s; %v s, %v m", name, len(a.Samples), a.Samples[len(a.Samples)-1].T, a.DurationS, ptrVal(a.DistanceM))
		}
	}
}

// TestImportMultisportStrengthAndTransition imports a FIT file of a run,
// a transition and a strength session: the sets go to the strength
// part, and the transition's records to neither, even where the run's
// session says it lasted into the transition.
func TestImportMultisportStrengthAndTransition(t *testing.T) {
	act := filedef.NewActivity()
	act.FileId.SetType(typedef.FileActivity).SetTimeCreated(importStart).SetManufacturer(typedef.ManufacturerDevelopment)
	for i := 0; i <= 1260; i++ {
		act.Records = append(act.Records, mesgdef.NewRecord(nil).SetTimestamp(importStart.Add(time.Duration(i)*time.Second)).SetHeartRate(uint8(100+i%50)))
	}
	session := func(from, elapsed int, sport typedef.Sport, sub typedef.SubSport) *mesgdef.Session {
		return mesgdef.NewSession(nil).SetStartTime(importStart.Add(time.Duration(from) * time.Second)).
			SetTimestamp(importStart.Add(time.Duration(from+elapsed) * time.Second)).SetSport(sport).SetSubSport(sub).
			SetTotalElapsedTimeScaled(float64(elapsed)).SetTotalTimerTimeScaled(float64(elapsed))
	}
	// The run's session claims 660 s, into the transition that starts at 600.
	act.Sessions = append(act.Sessions, session(0, 660, typedef.SportRunning, 0), session(600, 60, typedef.SportTransition, 0),
		session(660, 600, typedef.SportTraining, typedef.SubSportStrengthTraining))
	for i, at := range []int{700, 800, 900} {
		act.UnrelatedMessages = append(act.UnrelatedMessages, mesgdef.NewSet(nil).SetTimestamp(importStart.Add(time.Duration(at+40)*time.Second)).
			SetStartTime(importStart.Add(time.Duration(at)*time.Second)).SetSetType(typedef.SetTypeActive).
			SetCategory([]typedef.ExerciseCategory{typedef.ExerciseCategorySquat}).SetRepetitions(uint16(5+i)).SetWeightScaled(100).
			SetMessageIndex(typedef.MessageIndex(i)).ToMesg(nil))
	}
	acts, err := parseActivity(encodeFIT(t, act), 1<<20, fuzzNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 {
		t.Fatalf("%d activities", len(acts))
	}
	run, gym := acts[0], acts[1]
	if run.Sport != "run" || len(run.Samples) != 600 || run.Samples[599].T != 599 || len(run.Sets) != 0 {
		t.Fatalf("the run: %s with %d samples (last at %v s) and %d sets", run.Sport, len(run.Samples), run.Samples[len(run.Samples)-1].T, len(run.Sets))
	}
	if gym.Sport != "strength" || len(gym.Sets) != 3 || *gym.Sets[2].Reps != 7 || gym.Sets[0].Exercise != "squat" || len(gym.Samples) != 601 {
		t.Fatalf("the strength part: %s with %d sets and %d samples", gym.Sport, len(gym.Sets), len(gym.Samples))
	}
}

// TestImportGPXTimes imports GPX files whose times carry UTC offsets,
// with and without fractions of a second, and a 4 Hz track: every time
// is the right instant, no point is merged with another, and the same
// activity as FIT is then a duplicate, not a second workout.
func TestImportGPXTimes(t *testing.T) {
	gpxOf := func(typ string, times ...string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><gpx version="1.1" creator="StravaGPX" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Morning</name><type>%s</type><trkseg>`, typ)
		for i, tm := range times {
			fmt.Fprintf(&b, `<trkpt lat="%.7f" lon="8.0"><time>%s</time></trkpt>`, 46+float64(i)*0.00001, tm)
		}
		b.WriteString(`</trkseg></trk></gpx>`)
		return []byte(b.String())
	}
	cases := []struct {
		name, typ, sport string
		times            []string
		start            time.Time
		samples          int
		last             float64
	}{
		{"offset with fraction", "9", "run", []string{"2010-04-02T10:26:48.524+02:00", "2010-04-02T10:26:49.524+02:00", "2010-04-02T10:26:51.024+02:00"},
			time.Date(2010, 4, 2, 8, 26, 48, 524e6, time.UTC), 3, 2.5},
		{"offset without fraction", "1", "ride", []string{"2024-04-02T10:00:00+02:00", "2024-04-02T10:00:05+02:00"},
			time.Date(2024, 4, 2, 8, 0, 0, 0, time.UTC), 2, 5},
		{"offset without colon", "Hiking", "hike", []string{"2024-05-02T10:00:00-0500", "2024-05-02T10:00:10-0500"},
			time.Date(2024, 5, 2, 15, 0, 0, 0, time.UTC), 2, 10},
		{"no zone is UTC", "running", "run", []string{"2024-06-02T10:00:00", "2024-06-02T10:00:01"},
			time.Date(2024, 6, 2, 10, 0, 0, 0, time.UTC), 2, 1},
		{"4 Hz", "17", "ride", []string{"2024-07-02T10:00:00Z", "2024-07-02T10:00:00.25Z", "2024-07-02T10:00:00.5Z", "2024-07-02T10:00:00.75Z", "2024-07-02T10:00:01Z"},
			time.Date(2024, 7, 2, 10, 0, 0, 0, time.UTC), 5, 1},
	}
	for _, c := range cases {
		acts, err := parseActivity(gpxOf(c.typ, c.times...), 1<<20, fuzzNow)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		a := acts[0]
		if !a.Start.Equal(c.start) || len(a.Samples) != c.samples || a.Samples[len(a.Samples)-1].T != c.last || a.Sport != c.sport {
			t.Errorf("%s: %s from %v, %d samples, last at %v s", c.name, a.Sport, a.Start, len(a.Samples), a.Samples[len(a.Samples)-1].T)
		}
	}

	// Through the server: the GPX with an offset, then the same run as FIT
	// (times in UTC), is one activity.
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	local := time.FixedZone("CEST", 2*3600)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><type>9</type><trkseg>`)
	samples := make([]Sample, 120)
	for i := range samples {
		lat := 45 + float64(i)*3/earthRadiusM*180/math.Pi
		fmt.Fprintf(&b, `<trkpt lat="%.9f" lon="7.0"><time>%s</time></trkpt>`, lat, importStart.Add(time.Duration(i)*time.Second).In(local).Format("2006-01-02T15:04:05.000-07:00"))
		samples[i] = Sample{T: float64(i), Lat: &lat, Lon: new(7.0)}
	}
	b.WriteString(`</trkseg></trk></gpx>`)
	fit, err := writeFIT(Workout{Sport: "run", Start: importStart, DurationS: 119}, samples)
	if err != nil {
		t.Fatal(err)
	}
	sum := c.upload(map[string][]byte{"local.gpx": []byte(b.String())})
	w, _ := workout2(t, c, sum, "local.gpx")
	if !w.Start.Equal(importStart) || w.Sport != "run" {
		t.Fatalf("the GPX with an offset: %s at %v", w.Sport, w.Start)
	}
	if again := c.upload(map[string][]byte{"same.fit": fit}); again.Duplicates != 1 || again.Imported != 0 {
		t.Fatalf("the same run as FIT: %+v", again.Results)
	}
}

// tcxTwoActivities is a TCX file of two runs, and a multisport session
// of a run, a transition and a ride. Laps state their own heart rate
// totals, which differ from the track points' (sparse, every 30 s).
const tcxMany = `<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities>
 <Activity Sport="Running"><Id>2025-11-01T08:00:00+01:00</Id>
  <Lap StartTime="2025-11-01T07:00:00Z"><TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>2000</DistanceMeters><Calories>150</Calories>
   <AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm><MaximumHeartRateBpm><Value>171</Value></MaximumHeartRateBpm>
   <Track><Trackpoint><Time>2025-11-01T07:00:00Z</Time><HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>
   <Trackpoint><Time>2025-11-01T07:05:00Z</Time><HeartRateBpm><Value>130</Value></HeartRateBpm></Trackpoint></Track></Lap>
  <Lap StartTime="2025-11-01T07:12:00Z"><TotalTimeSeconds>300</TotalTimeSeconds><DistanceMeters>1100</DistanceMeters>
   <AverageHeartRateBpm><Value>165</Value></AverageHeartRateBpm><MaximumHeartRateBpm><Value>180</Value></MaximumHeartRateBpm></Lap>
 </Activity>
 <Activity Sport="Running"><Id>2025-11-02T07:00:00Z</Id>
  <Lap StartTime="2025-11-02T07:00:00Z"><TotalTimeSeconds>1200</TotalTimeSeconds><DistanceMeters>4000</DistanceMeters></Lap>
 </Activity>
 <MultiSportSession><Id>2025-11-03T07:00:00Z</Id>
  <FirstSport><Activity Sport="Running"><Id>2025-11-03T07:00:00Z</Id>
   <Lap StartTime="2025-11-03T07:00:00Z"><TotalTimeSeconds>900</TotalTimeSeconds><DistanceMeters>3000</DistanceMeters></Lap></Activity></FirstSport>
  <NextSport><Transition StartTime="2025-11-03T07:15:00Z"><TotalTimeSeconds>60</TotalTimeSeconds></Transition>
   <Activity Sport="Biking"><Id>2025-11-03T07:16:00Z</Id>
   <Lap StartTime="2025-11-03T07:16:00Z"><TotalTimeSeconds>1800</TotalTimeSeconds><DistanceMeters>15000</DistanceMeters></Lap></Activity></NextSport>
 </MultiSportSession>
</Activities></TrainingCenterDatabase>`

// TestImportTCXEveryActivity imports a TCX file with several activities
// and a multisport session: a workout for each activity and each leg,
// the laps' own totals, and the time between laps counted in the
// elapsed time but not the moving time.
func TestImportTCXEveryActivity(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	sum := c.upload(map[string][]byte{"history.tcx": []byte(tcxMany)})
	r := resultFor(t, sum, "history.tcx")
	if r.Status != "imported" || len(r.Workouts) != 4 || len(r.Activities) != 4 {
		t.Fatalf("result %+v", r)
	}
	var ws []Workout
	for _, id := range r.Workouts {
		var w Workout
		c.must(200, "GET", "/api/workouts/"+id, nil).JSON(&w)
		ws = append(ws, w)
	}
	first := ws[0]
	// Time-weighted: (150×600 + 165×300) / 900 = 155.
	if first.Sport != "run" || !first.Start.Equal(time.Date(2025, 11, 1, 7, 0, 0, 0, time.UTC)) || !near(first.AvgHR, 155, 0) ||
		!near(first.MaxHR, 180, 0) || !near(first.DistanceM, 3100, 0) || !near(first.Calories, 150, 0) ||
		first.DurationS != 1020 || !near(first.MovingS, 900, 0) {
		t.Fatalf("the first run: %+v (moving %v)", first, ptrVal(first.MovingS))
	}
	if ws[1].Sport != "run" || ws[1].DurationS != 1200 || ws[2].Sport != "run" || ws[2].DurationS != 900 ||
		ws[3].Sport != "ride" || !near(ws[3].DistanceM, 15000, 0) || !ws[3].Start.Equal(time.Date(2025, 11, 3, 7, 16, 0, 0, time.UTC)) {
		t.Fatalf("the other activities: %+v", ws[1:])
	}
}

// TestImportStrongDurationsAndUnits imports Strong's two export layouts:
// the newer one (";"-separated, Duration (sec), Weight (kg)) and the
// older one (text durations, a Weight column without a unit). The
// durations are the app's, not two minutes a set; unit-less weights are
// read in the account's unit unless the import says otherwise, and the
// summary and the file's result say which was used.
func TestImportStrongDurationsAndUnits(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	c.must(200, "PUT", "/api/settings", UserSettings{Timezone: "UTC", Units: "imperial", WeekStart: "monday"})
	newer := "Workout #;Date;Workout Name;Duration (sec);Exercise Name;Set Order;Weight (kg);Reps;RPE;Distance (meters);Seconds;Notes;Workout Notes\n" +
		"1;2025-11-03 18:00:00;Pull;2280;Deadlift (Barbell);1;190.5;3;;;;;\n" +
		"1;2025-11-03 18:00:00;Pull;2280;Deadlift (Barbell);2;190.5;3;;;;;\n"
	older := "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n" +
		"2025-11-05 18:00:00,Legs,38min,Squat (Barbell),1,315,5,,,,,\n" +
		"2025-11-07 18:00:00,Push,1h 5m,Bench Press (Barbell),1,225,5,,,,,\n"
	sum := c.upload(map[string][]byte{"strong_new.csv": []byte(newer), "strong_old.csv": []byte(older)})
	if sum.Imported != 3 || sum.WeightUnit != "lb" {
		t.Fatalf("summary %+v", sum)
	}
	if r := resultFor(t, sum, "strong_old.csv"); r.Note != "weights read in pounds" {
		t.Fatalf("the older export's result: %+v", r)
	}
	if r := resultFor(t, sum, "strong_new.csv"); r.Note != "" {
		t.Fatalf("the newer export says its unit: %+v", r)
	}
	byTitle := map[string]Workout{}
	for _, name := range []string{"strong_new.csv", "strong_old.csv"} {
		for _, id := range resultFor(t, sum, name).Workouts {
			var w Workout
			c.must(200, "GET", "/api/workouts/"+id, nil).JSON(&w)
			byTitle[w.Title] = w
		}
	}
	pull, legs, push := byTitle["Pull"], byTitle["Legs"], byTitle["Push"]
	if pull.DurationS != 2280 || *pull.Sets[0].WeightKg != 190.5 || legs.DurationS != 38*60 || push.DurationS != 3900 {
		t.Fatalf("durations %v %v %v, deadlift %v kg", pull.DurationS, legs.DurationS, push.DurationS, *pull.Sets[0].WeightKg)
	}
	if !near(legs.Sets[0].WeightKg, 142.88, 0.01) { // 315 lb
		t.Fatalf("315 lb became %v kg", *legs.Sets[0].WeightKg)
	}

	// The user says the file is in kilograms: 315 kg it is, and said so.
	ts.srv.cfg.SignupOpen = true
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	bob.must(200, "PUT", "/api/settings", UserSettings{Timezone: "UTC", Units: "imperial", WeekStart: "monday"})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("weight_unit", "kg")
	w, _ := mw.CreateFormFile("file", "strong_old.csv")
	w.Write([]byte(older))
	mw.Close()
	var s importSummary
	bob.must202(body.String(), mw.FormDataContentType()).JSON(&s)
	for s.FinishedAt == nil {
		time.Sleep(20 * time.Millisecond)
		bob.must(200, "GET", fmt.Sprintf("/api/imports/%d", s.ID), nil).JSON(&s)
	}
	var wo Workout
	bob.must(200, "GET", "/api/workouts/"+resultFor(t, s, "strong_old.csv").Workouts[0], nil).JSON(&wo)
	if s.WeightUnit != "kg" || resultFor(t, s, "strong_old.csv").Note != "weights read in kilograms" || wo.Sets[0].WeightKg == nil ||
		(*wo.Sets[0].WeightKg != 315 && *wo.Sets[0].WeightKg != 225) {
		t.Fatalf("with weight_unit=kg: %+v, %+v", s, wo.Sets)
	}
	body.Reset()
	mw = multipart.NewWriter(&body)
	mw.WriteField("weight_unit", "stone")
	w, _ = mw.CreateFormFile("file", "x.csv")
	w.Write([]byte(older))
	mw.Close()
	if r := bob.do("POST", "/api/imports", body.String(), "Content-Type", mw.FormDataContentType()); r.Status != 400 || r.ErrorCode() != "invalid_field" {
		t.Fatalf("weight_unit=stone: %d %s", r.Status, r.Body)
	}
}

// TestParseDurationStrong reads the ways exports write durations.
func TestParseDurationStrong(t *testing.T) {
	for in, want := range map[string]float64{"2280": 2280, "38min": 2280, "38m": 2280, "1h 5m": 3900, "1h5m": 3900, "1 hr 5 min": 3900,
		"1:05:00": 3900, "38:10": 2290, "90s": 90, "2h": 7200, "": 0, "soon": 0} {
		if got := parseDuration(in); got != want {
			t.Errorf("parseDuration(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestImportCommandWeightUnit imports a Strong CSV from the command line
// with -weight-unit lb into a metric account: the weights are pounds, the
// output says so, and a unit fitcast does not know is refused.
func TestImportCommandWeightUnit(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	cli := func(stdin string, args ...string) (string, error) {
		var stdout, stderr syncBuffer
		err := run(context.Background(), append([]string{"-db", db}, args...), envMap(nil), strings.NewReader(stdin), &stdout, &stderr)
		return stdout.String(), err
	}
	if _, err := cli("password123\n", "user", "add", "ann"); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "strong.csv")
	os.WriteFile(csv, []byte("Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps\n2025-11-05 18:00:00,Legs,38min,Squat (Barbell),1,315,5\n"), 0o644)
	if _, err := cli("", "import", "-weight-unit", "stone", csv); err == nil || !strings.Contains(err.Error(), "kg or lb") {
		t.Fatalf("-weight-unit stone: %v", err)
	}
	out, err := cli("", "import", "-weight-unit", "lb", csv)
	if err != nil || !strings.Contains(out, "weights read in pounds") || !strings.Contains(out, "1 workouts imported") {
		t.Fatalf("import: %q %v", out, err)
	}
	store, err := OpenStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ann, _ := store.UserByName(context.Background(), "ann")
	list, _ := store.Workouts(context.Background(), ann.ID, workoutFilter{Limit: 10})
	w, err := store.Workout(context.Background(), ann.ID, list[0].ID)
	if err != nil || w.DurationS != 2280 || !near(w.Sets[0].WeightKg, 142.88, 0.01) {
		t.Fatalf("the workout: %+v %v", w, err)
	}
}

// TestImportGarminConnectExport imports an archive laid out as Garmin
// Connect's "Export Your Data": FIT files inside UploadedFiles zips
// nested in DI_CONNECT/DI-Connect-Uploaded-Files, an activity entered by
// hand that exists only in summarizedActivities.json, and wellness files
// that are not activities and are left aside.
func TestImportGarminConnectExport(t *testing.T) {
	ts := newTestServer(t, config{ImportMaxFile: 1 << 20, ImportMaxArchive: 3 << 20})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	garmin := mustReadFile(t, "testdata/import/Activity.fit")
	part1 := zipOf(t, map[string][]byte{"ann_1001.fit": garmin, "ann_1002.fit": multisportFIT(t, importStart)})
	summaries := `[{"summarizedActivitiesExport":[
		{"activityId":1001,"name":"Garmin test","activityType":"other","beginTimestamp":1626815480000,"duration":3601000,"manualActivity":false},
		{"activityId":1003,"name":"Track session","activityType":"running","beginTimestamp":1764576000000,"startTimeLocal":1764579600000,
		 "duration":2700000,"elapsedDuration":3000000,"movingDuration":2640000,"distance":800000.0,"avgHr":150.0,"maxHr":181.0,"manualActivity":true}]}]`
	// Four files of 900 KB of zeros: each under the 1 MB file limit, and
	// together past the 3 MB the archive may unpack to.
	zeros := bytes.Repeat([]byte{0}, 900<<10)
	bomb := zipOf(t, map[string][]byte{"z1.fit": zeros, "z2.fit": zeros, "z3.fit": zeros, "z4.fit": zeros})
	archive := zipOf(t, map[string][]byte{
		"DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip":           part1,
		"DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part2.zip":           bomb,
		"DI_CONNECT/DI-Connect-Fitness/ann@example.com_0_summarizedActivities.json": []byte(summaries),
		"DI_CONNECT/DI-Connect-Wellness/2025-12-01_sleepData.json":                  []byte(`[]`),
		"DI_CONNECT/DI-Connect-User/user-settings.json":                             []byte(`{}`),
	})
	sum := c.upload(map[string][]byte{"garmin_export.zip": archive})
	if sum.Imported != 4 || sum.Failed != 4 || sum.Total != 7 {
		t.Fatalf("summary %+v", sum)
	}
	overLimit := 0
	for _, r := range sum.Results {
		if strings.Contains(r.Reason, "unpacks to more than 3 MB") {
			overLimit++
		}
	}
	if overLimit == 0 {
		t.Fatalf("nothing refused for the archive limit: %+v", sum.Results)
	}
	if r := resultFor(t, sum, "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip/ann_1002.fit"); len(r.Workouts) != 2 {
		t.Fatalf("the duathlon in the nested zip: %+v", r)
	}
	var w Workout
	c.must(200, "GET", "/api/workouts/"+resultFor(t, sum, "Track session (2025-12-01, entered by hand)").Workouts[0], nil).JSON(&w)
	if w.Sport != "run" || w.DurationS != 3000 || !near(w.MovingS, 2640, 0) || !near(w.DistanceM, 8000, 0) || !near(w.AvgHR, 150, 0) ||
		!w.Start.Equal(time.Date(2025, 12, 1, 8, 0, 0, 0, time.UTC)) || w.Title != "Track session" {
		t.Fatalf("the activity entered by hand: %+v", w)
	}
}

// TestImportAppleHealthExport imports an archive laid out as Apple
// Health's export: the workouts of export.xml (an older one with
// totalDistance attributes, a newer one with WorkoutStatistics) with
// their routes from workout-routes, and no stray workouts made of the
// route files themselves.
func TestImportAppleHealthExport(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	route := strings.Replace(string(gpxRun(601, importStart.Add(30*time.Second))), "<type>running</type>", "", 1)
	export := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>]>
<HealthData locale="en_GB">
 <ExportDate value="2026-01-01 10:00:00 +0100"/>
 <Record type="HKQuantityTypeIdentifierStepCount" value="120" startDate="2025-12-14 08:00:00 +0100" endDate="2025-12-14 08:01:00 +0100"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="10.5" durationUnit="min" totalDistance="1.8" totalDistanceUnit="km"
   totalEnergyBurned="120" totalEnergyBurnedUnit="kcal" sourceName="Watch" startDate="2025-12-14 08:30:00 +0100" endDate="2025-12-14 08:41:00 +0100">
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2025-12-14 08:30:00 +0100" endDate="2025-12-14 08:41:00 +0100" average="141" minimum="90" maximum="168" unit="count/min"/>
  <WorkoutRoute sourceName="Watch" startDate="2025-12-14 08:30:30 +0100" endDate="2025-12-14 08:40:30 +0100">
   <FileReference path="/workout-routes/route_2025-12-14_8.40am.gpx"/>
  </WorkoutRoute>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeTraditionalStrengthTraining" duration="45" durationUnit="min" sourceName="Watch"
   startDate="2025-12-15 18:00:00 -0500" endDate="2025-12-15 18:50:00 -0500">
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2025-12-15 18:00:00 -0500" endDate="2025-12-15 18:50:00 -0500" sum="250" unit="kcal"/>
 </Workout>
 <Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="60" durationUnit="min" sourceName="Watch"
   startDate="2025-12-16 07:00:00 +0000" endDate="2025-12-16 08:00:00 +0000">
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceCycling" startDate="2025-12-16 07:00:00 +0000" endDate="2025-12-16 08:00:00 +0000" sum="18.6" unit="mi"/>
 </Workout>
</HealthData>`
	archive := zipOf(t, map[string][]byte{
		"apple_health_export/export.xml":                                 []byte(export),
		"apple_health_export/export_cda.xml":                             []byte(`<ClinicalDocument/>`),
		"apple_health_export/workout-routes/route_2025-12-14_8.40am.gpx": []byte(route),
		"apple_health_export/workout-routes/route_2025-11-01_7.00am.gpx": gpxRun(10, importStart.Add(-40*24*time.Hour)),
	})
	sum := c.upload(map[string][]byte{"export.zip": archive})
	r := resultFor(t, sum, "apple_health_export/export.xml")
	if sum.Total != 1 || sum.Imported != 3 || len(r.Activities) != 3 || !strings.Contains(r.Reason, "1 route files that no workout names") {
		t.Fatalf("summary %+v", sum)
	}
	var run, gym, ride Workout
	var cols sampleColumns
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0], nil).JSON(&run)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[0]+"/samples", nil).JSON(&cols)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[1], nil).JSON(&gym)
	c.must(200, "GET", "/api/workouts/"+r.Workouts[2], nil).JSON(&ride)
	if run.Sport != "run" || !run.Start.Equal(importStart) || run.DurationS != 660 || !near(run.MovingS, 630, 0) || !near(run.DistanceM, 1800, 0) ||
		!near(run.Calories, 120, 0) || !near(run.AvgHR, 141, 0) || !near(run.MaxHR, 168, 0) || len(cols.T) != 601 || cols.T[0] != 30 {
		t.Fatalf("the run: %+v, %d samples from %v s", run, len(cols.T), cols.T[0])
	}
	if gym.Sport != "strength" || !gym.Start.Equal(time.Date(2025, 12, 15, 23, 0, 0, 0, time.UTC)) || gym.DurationS != 3000 || !near(gym.Calories, 250, 0) {
		t.Fatalf("the strength session: %+v", gym)
	}
	if ride.Sport != "ride" || !near(ride.DistanceM, 29933.8, 0.1) {
		t.Fatalf("the ride: %+v", ride)
	}
}

// gpxPaused is gpxRun with a stop: n points a second apart, 3 m apart,
// but the second half recorded pause seconds later (a stop at a crossing
// with the watch left running): moving n-2 s, elapsed n-1+pause s.
func gpxPaused(n, pause int, start time.Time) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Paused loop</name><type>running</type><trkseg>`)
	for i := range n {
		at := time.Duration(i) * time.Second
		if i >= n/2 {
			at += time.Duration(pause) * time.Second
		}
		fmt.Fprintf(&b, `<trkpt lat="%.9f" lon="7.0"><time>%s</time></trkpt>`, 45+float64(i)*3/earthRadiusM*180/math.Pi, start.Add(at).Format(time.RFC3339))
	}
	b.WriteString(`</trkseg></trk></gpx>`)
	return []byte(b.String())
}

// TestMovingTime imports the same paused run as GPX and as FIT (whose
// timer time is the elapsed time, as a watch without auto-pause records
// it): both get the elapsed time as duration_s and the same moving_s by
// the one rule. A workout typed in may state its moving time, never more
// than its duration.
func TestMovingTime(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	gpx := gpxPaused(600, 120, importStart)
	acts, err := parseActivity(gpx, 1<<20, fuzzNow)
	if err != nil {
		t.Fatal(err)
	}
	fit, err := writeFIT(acts[0].Workout, acts[0].Samples)
	if err != nil {
		t.Fatal(err)
	}
	sum := c.upload(map[string][]byte{"paused.gpx": gpx})
	w, _ := workout2(t, c, sum, "paused.gpx")
	if w.DurationS != 719 || !near(w.MovingS, 598, 0) {
		t.Fatalf("the GPX: elapsed %v, moving %v", w.DurationS, ptrVal(w.MovingS))
	}
	ts.srv.cfg.SignupOpen = true
	bob := newClient(t, ts.URL)
	bob.signUp("bob", "password123")
	w, _ = workout2(t, bob, bob.upload(map[string][]byte{"paused.fit": fit}), "paused.fit")
	if w.DurationS != 719 || !near(w.MovingS, 598, 0) {
		t.Fatalf("the FIT: elapsed %v, moving %v", w.DurationS, ptrVal(w.MovingS))
	}
	var typed Workout
	c.must(201, "POST", "/api/workouts", map[string]any{"sport": "run", "start": "2025-12-01T07:00:00Z", "duration_s": 3600, "moving_s": 3300}).JSON(&typed)
	if !near(typed.MovingS, 3300, 0) {
		t.Fatalf("typed in: %+v", typed)
	}
	if r := c.do("POST", "/api/workouts", map[string]any{"sport": "run", "start": "2025-12-02T07:00:00Z", "duration_s": 3600, "moving_s": 3700}); r.Status != 400 || r.ErrorCode() != "invalid_field" {
		t.Fatalf("moving_s above duration_s: %d %s", r.Status, r.Body)
	}
}

// BenchmarkParseActivities parses what BenchmarkImportArchive's archive
// holds, without storing it: a 1,000-point GPX run and the same as FIT,
// per op. CPU-bound, so it compares parsers on a busy machine better
// than the import's wall time.
func BenchmarkParseActivities(b *testing.B) {
	gpx := gz(gpxRun(1000, importStart))
	samples := make([]Sample, 1000)
	for j := range samples {
		lat, hr := 45+float64(j)*3/earthRadiusM*180/math.Pi, float64(120+j%30)
		samples[j] = Sample{T: float64(j), Lat: &lat, Lon: new(7.0), HR: &hr}
	}
	fit, err := writeFIT(Workout{Sport: "run", Start: importStart, DurationS: 999}, samples)
	if err != nil {
		b.Fatal(err)
	}
	now := importStart.Add(time.Hour)
	b.ResetTimer()
	for range b.N {
		for _, data := range [][]byte{gpx, gz(fit)} {
			if _, err := parseActivity(data, 50<<20, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*2000/b.Elapsed().Seconds(), "samples/s")
}
