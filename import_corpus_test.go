package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/muktihari/fit/decoder"
)

// moduleDir is where a Go module we depend on sits in the module cache:
// the corpus tests read the real files those modules ship (see
// testdata/import/README.md).
func moduleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("%s is not in the module cache (run go mod download): %v", module, err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is not in the module cache (run go mod download): %v", module, err)
	}
	return dir
}

// corpusFile reads a file of the corpus: module, then a path in it.
func corpusFile(t *testing.T, module, name string) []byte {
	t.Helper()
	return mustReadFile(t, filepath.Join(moduleDir(t, module), name))
}

const fitModule, gpxModule = "github.com/muktihari/fit", "github.com/tkrajina/gpxgo"

// corpusWant is what an independent reader says one activity of a file
// holds. Zero values are not checked.
type corpusWant struct {
	sport    string
	start    string  // RFC 3339, UTC
	elapsed  float64 // s
	moving   float64 // s
	dist     float64 // m
	avgHR    float64
	maxHR    float64
	samples  int
	distTol  float64 // m; 0.05 when not said
	sampleOf string  // how the sample count was obtained, when it is not the record count
}

// fitCorpus is every activity file of the FIT SDK's examples and of the
// Garmin forum files that github.com/muktihari/fit ships in testdata,
// with the totals the FIT SDK's own decoder wrote for each (the .csv
// beside each .fit, written by Garmin's FitCSVTool). How each value was
// obtained:
//   - sport, start, elapsed (total_elapsed_time), distance
//     (total_distance), average and maximum heart rate: the session
//     message of the CSV; start_time is seconds since 1989-12-31 UTC.
//   - moving: the session's total_timer_time where the file has no GPS
//     track (movingTime's rule for pool swims and indoor sessions).
//   - samples: the number of record messages in the CSV; where records
//     share a second, the count of distinct record timestamps; in a
//     multisport file, the distinct record timestamps within each
//     session's start and start+elapsed (capped at the next session).
//   - where the file has no session (WithGearChangeData,
//     activity_truncated) or its session states no distance or heart
//     rate (Activity, ActivityDevFields, activity_developerdata):
//     start is the first record's timestamp, elapsed the last record's
//     minus the first's, distance the last record's distance (rounded to
//     0.1 m as fitcast stores it), and heart rate the mean and maximum
//     of the records' heart_rate between 20 and 250 bpm (the readings
//     fitcast keeps; Activity.fit's test signal runs from 0 to 254).
var fitCorpus = map[string][]corpusWant{
	"testdata/from_official_sdk/Activity.fit": {{sport: "other", start: "2021-07-20T21:11:20Z", elapsed: 3601, dist: 3600,
		avgHR: 145.3, maxHR: 250, samples: 3601}},
	"testdata/from_official_sdk/ActivityDevFields.fit": {{sport: "other", start: "2022-08-15T17:39:09Z", elapsed: 3601, dist: 3600,
		avgHR: 145.3, maxHR: 250, samples: 3601}},
	"testdata/from_official_sdk/activity_developerdata.fit": {{sport: "ride", start: "2020-09-04T22:00:04Z", elapsed: 3601, dist: 3600,
		avgHR: 145.3, maxHR: 250, samples: 3601}},
	"testdata/from_official_sdk/HrmPluginTestActivity.fit": {{sport: "walk", start: "2022-08-29T18:31:22Z", elapsed: 308.545, dist: 59.61,
		avgHR: 73, maxHR: 93, samples: 310}},
	"testdata/from_official_sdk/WithGearChangeData.fit": {{sport: "other", start: "2022-06-22T23:08:37Z", elapsed: 1978, dist: 12466.05, distTol: 0.1,
		avgHR: 105.2, maxHR: 136, samples: 1979}},
	// An indoor ride (sub-sport spin) that ended on a low battery.
	"testdata/from_official_sdk/activity_lowbattery.fit": {{sport: "ride", start: "2020-05-29T13:17:42Z", elapsed: 3975.076, moving: 3975.076,
		dist: 28156.69, avgHR: 118, maxHR: 167, samples: 3976}},
	// Mountain bike, then trail run; 78 records, one after the last session.
	"testdata/from_official_sdk/activity_multisport.fit": {
		{sport: "mtb", start: "2020-04-20T19:56:20Z", elapsed: 55.353, moving: 55.353, avgHR: 69, maxHR: 76, samples: 55},
		{sport: "trail_run", start: "2020-04-20T19:57:15Z", elapsed: 21.519, moving: 21.519, avgHR: 74, maxHR: 77, samples: 22}},
	"testdata/from_official_sdk/activity_poolswim.fit": {{sport: "swim", start: "2021-07-20T21:11:20Z", elapsed: 840, moving: 840,
		dist: 457.2, samples: 24}},
	// 3,501 records, 13 of which repeat the second before them.
	"testdata/from_official_sdk/activity_poolswim_with_hr.fit": {{sport: "swim", start: "2016-08-13T13:10:47Z", elapsed: 3504.649,
		moving: 3485.293, dist: 1700, avgHR: 103, maxHR: 133, samples: 3488}},
	// Records and no session: the activity as far as it went.
	"testdata/from_official_sdk/activity_truncated.fit": {{sport: "other", start: "2012-04-09T21:22:26Z", elapsed: 13, dist: 5.73,
		samples: 14}},
	// Swim, bike, run; the two transitions (156 and 70 records) are left out.
	"testdata/from_garmin_forums/triathlon_summary_first.fit": {
		{sport: "swim", start: "2023-09-02T13:15:24Z", elapsed: 675.701, dist: 513.26, avgHR: 95, maxHR: 95, samples: 676},
		{sport: "ride", start: "2023-09-02T13:29:18Z", elapsed: 1566.657, dist: 13517.59, avgHR: 164, maxHR: 178, samples: 1566},
		{sport: "run", start: "2023-09-02T13:56:34Z", elapsed: 1573.613, dist: 4491.51, avgHR: 168, maxHR: 175, samples: 1574}},
	"testdata/from_garmin_forums/triathlon_summary_last.fit": {
		{sport: "swim", start: "2023-09-02T13:15:24Z", elapsed: 675.701, dist: 513.26, avgHR: 95, maxHR: 95, samples: 676},
		{sport: "ride", start: "2023-09-02T13:29:18Z", elapsed: 1566.657, dist: 13517.59, avgHR: 164, maxHR: 178, samples: 1566},
		{sport: "run", start: "2023-09-02T13:56:34Z", elapsed: 1573.613, dist: 4491.51, avgHR: 168, maxHR: 175, samples: 1574}},
	// Two FIT files back to back: Activity.fit, then activity_poolswim.fit.
	"testdata/chained_Activity_activity_poolswim.fit": {
		{sport: "other", start: "2021-07-20T21:11:20Z", elapsed: 3601, dist: 3600, avgHR: 145.3, maxHR: 250, samples: 3601},
		{sport: "swim", start: "2021-07-20T21:11:20Z", elapsed: 840, moving: 840, dist: 457.2, samples: 24}},
}

// gpxCorpus is the GPX files with timed track points that
// github.com/tkrajina/gpxgo ships in test_files, with what gpxpy 1.5.0
// (Debian's python3-gpxpy, an independent reader) said of them, run once:
// start and elapsed from the first and last timed point, samples the
// timed points (points without a time cannot be placed in a workout),
// and distance the sum of gpxpy's distance_2d between consecutive timed
// points in time order.
var gpxCorpus = map[string][]corpusWant{
	"test_files/file.gpx":            {{start: "2012-03-17T12:46:19Z", elapsed: 64, dist: 56.9, distTol: 0.5, samples: 4}},
	"test_files/visnjan.gpx":         {{start: "2014-08-22T16:48:52Z", elapsed: 1850, dist: 4451.0, distTol: 10, samples: 413}},
	"test_files/korita-zbevnica.gpx": {{start: "2010-10-03T09:36:30Z", elapsed: 13381, dist: 6289.0, distTol: 20, samples: 513}},
}

func checkCorpus(t *testing.T, name string, acts []activity, want []corpusWant) {
	t.Helper()
	if len(acts) != len(want) {
		t.Fatalf("%s: %d activities, want %d", name, len(acts), len(want))
	}
	for i, w := range want {
		a := acts[i]
		tol := w.distTol
		if tol == 0 {
			tol = 0.05
		}
		start, _ := time.Parse(time.RFC3339, w.start)
		switch {
		case w.sport != "" && a.Sport != w.sport:
			t.Errorf("%s[%d]: sport %s, want %s", name, i, a.Sport, w.sport)
		case !a.Start.Equal(start):
			t.Errorf("%s[%d]: start %v, want %v", name, i, a.Start, start)
		case a.DurationS != w.elapsed:
			t.Errorf("%s[%d]: elapsed %v, want %v", name, i, a.DurationS, w.elapsed)
		case w.moving != 0 && !near(a.MovingS, w.moving, 0.001):
			t.Errorf("%s[%d]: moving %v, want %v", name, i, ptrVal(a.MovingS), w.moving)
		case a.MovingS == nil || *a.MovingS > a.DurationS:
			t.Errorf("%s[%d]: moving %v with elapsed %v", name, i, ptrVal(a.MovingS), a.DurationS)
		case w.dist != 0 && !near(a.DistanceM, w.dist, tol):
			t.Errorf("%s[%d]: distance %v, want %v", name, i, ptrVal(a.DistanceM), w.dist)
		case w.avgHR != 0 && (!near(a.AvgHR, w.avgHR, 0.05) || !near(a.MaxHR, w.maxHR, 0)):
			t.Errorf("%s[%d]: heart rate %v/%v, want %v/%v", name, i, ptrVal(a.AvgHR), ptrVal(a.MaxHR), w.avgHR, w.maxHR)
		case len(a.Samples) != w.samples:
			t.Errorf("%s[%d]: %d samples, want %d", name, i, len(a.Samples), w.samples)
		case a.Damage != nil:
			t.Errorf("%s[%d]: taken for damaged: %+v", name, i, a.Damage)
		}
		checkParsed(t, a)
	}
}

func ptrVal(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestImportCorpus reads real files from devices and apps, as the
// modules we depend on ship them, and checks every activity's totals
// against what an independent reader recorded (see fitCorpus and
// gpxCorpus).
func TestImportCorpus(t *testing.T) {
	for name, want := range fitCorpus {
		acts, err := parseActivity(corpusFile(t, fitModule, name), 64<<20, fuzzNow)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkCorpus(t, name, acts, want)
	}
	for name, want := range gpxCorpus {
		acts, err := parseActivity(corpusFile(t, gpxModule, name), 64<<20, fuzzNow)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkCorpus(t, name, acts, want)
	}
	// Files of other kinds are refused with a reason that says so.
	for _, name := range []string{"testdata/from_official_sdk/Settings.fit", "testdata/from_official_sdk/MonitoringFile.fit",
		"testdata/from_official_sdk/WorkoutIndividualSteps.fit"} {
		if _, err := parseActivity(corpusFile(t, fitModule, name), 64<<20, fuzzNow); err == nil || !strings.Contains(err.Error(), "not an activity") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestImportCorpusUpload uploads the FIT corpus in one import: every
// activity of every file is named in its file's result, the ones already
// imported from another file as duplicates.
func TestImportCorpusUpload(t *testing.T) {
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	files := map[string][]byte{}
	for name := range fitCorpus {
		files[filepath.Base(name)] = corpusFile(t, fitModule, name)
	}
	sum := c.upload(files)
	if sum.Failed != 0 || sum.Total != len(fitCorpus) {
		t.Fatalf("summary %+v", sum)
	}
	total := 0
	for name, want := range fitCorpus {
		r := resultFor(t, sum, filepath.Base(name))
		if len(r.Activities) != len(want) {
			t.Errorf("%s: %d activities named, want %d: %+v", name, len(r.Activities), len(want), r)
			continue
		}
		for i, a := range r.Activities {
			if a.Sport != want[i].sport || a.Status == "failed" || (a.Status == "imported") != (a.Workout != "") {
				t.Errorf("%s[%d]: %+v", name, i, a)
			}
		}
		total += len(want)
	}
	// Activity.fit's and activity_poolswim.fit's activities come again in
	// the chained file, and the two triathlon files hold the same race.
	if sum.Imported+sum.Duplicates != total || sum.Duplicates != 5 {
		t.Fatalf("%d imported and %d duplicates of %d activities", sum.Imported, sum.Duplicates, total)
	}
	w, _ := workout2(t, c, sum, "activity_poolswim_with_hr.fit")
	if w.DurationS != 3504.649 || !near(w.MovingS, 3485.293, 0.001) {
		t.Fatalf("the pool swim's elapsed and moving time: %v, %v", w.DurationS, ptrVal(w.MovingS))
	}
}

// rewriteFIT gives a FIT file (one, not chained) a header of headerSize
// bytes (12, or 14 with its CRC, or 14 with CRC 0x0000 when zeroCRC),
// and a file CRC computed as the FIT protocol says: over the header and
// the data. It derives the quirks of older devices and apps from a real
// file.
func rewriteFIT(t *testing.T, file []byte, headerSize int, zeroCRC bool) []byte {
	t.Helper()
	h, err := readFITHeader(file)
	if err != nil {
		t.Fatal(err)
	}
	body := file[h.size : h.size+h.dataSize]
	out := make([]byte, headerSize, headerSize+len(body)+2)
	out[0] = byte(headerSize)
	copy(out[1:12], file[1:12])
	if headerSize == 14 && !zeroCRC {
		binary.LittleEndian.PutUint16(out[12:14], fitCRC(out[:12]))
	}
	out = append(out, body...)
	return binary.LittleEndian.AppendUint16(out, fitCRC(out))
}

// TestImportFITProtocolChecks derives from Garmin's Activity.fit the
// files that the FIT decoder refused although the protocol allows them,
// and damaged ones, and checks what each imports.
func TestImportFITProtocolChecks(t *testing.T) {
	garmin := corpusFile(t, fitModule, "testdata/from_official_sdk/Activity.fit")
	if garmin[0] != 14 {
		t.Fatal("Activity.fit was expected to have a 14-byte header")
	}
	want := fitCorpus["testdata/from_official_sdk/Activity.fit"]

	// A 12-byte header (no header CRC; older Garmin devices, Zwift), and a
	// 14-byte header whose CRC is 0x0000 (not computed): both valid.
	for name, file := range map[string][]byte{
		"12-byte header": rewriteFIT(t, garmin, 12, false),
		"header CRC 0":   rewriteFIT(t, garmin, 14, true),
		"14-byte header": rewriteFIT(t, garmin, 14, false),
	} {
		_, err := decoder.New(bytes.NewReader(file)).Decode()
		t.Logf("%s: the FIT library alone says %v", name, err)
		acts, err := parseActivity(file, 64<<20, fuzzNow)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkCorpus(t, name, acts, want)
	}

	// A header CRC that is stated and wrong is damage to the header.
	bad := rewriteFIT(t, garmin, 14, false)
	bad[12] ^= 0xff
	if _, err := parseActivity(bad, 64<<20, fuzzNow); err == nil || !strings.Contains(err.Error(), "header's checksum") {
		t.Errorf("a wrong header CRC: %v", err)
	}

	// Cut short (a dead battery): the header's data size runs past the
	// end. Everything before the cut imports, and the activity says so.
	cut := garmin[:len(garmin)*6/10]
	acts, err := parseActivity(cut, 64<<20, fuzzNow)
	if err != nil {
		t.Fatalf("cut short: %v", err)
	}
	d := acts[0].Damage
	if d == nil || !strings.Contains(d.Reason, "cut short") || d.TotalBytes != len(cut) || d.ReadBytes > len(cut) || d.ReadBytes < len(cut)-100 ||
		d.Records != len(acts[0].Samples) || len(acts[0].Samples) < 1500 || len(acts[0].Samples) >= 3601 {
		t.Fatalf("cut short: %d samples, damage %+v", len(acts[0].Samples), d)
	}
	if !acts[0].Start.Equal(mustTime(want[0].start)) || acts[0].Samples[len(acts[0].Samples)-1].T != float64(len(acts[0].Samples)-1) {
		t.Fatalf("cut short: starts %v, last sample at %v s", acts[0].Start, acts[0].Samples[len(acts[0].Samples)-1].T)
	}

	// A header that was never completed (data size 0).
	open := bytes.Clone(garmin)
	binary.LittleEndian.PutUint32(open[4:8], 0)
	binary.LittleEndian.PutUint16(open[12:14], fitCRC(open[:12]))
	acts, err = parseActivity(open, 64<<20, fuzzNow)
	if err != nil || acts[0].Damage == nil || len(acts[0].Samples) != 3601 {
		t.Fatalf("data size 0: %v", err)
	}

	// A message partway whose local type has no definition: what came
	// before it imports. The message is put after the 2,000th record, the
	// data size and CRC fixed so that it is the only damage.
	missing := withUndefinedMessage(t, garmin, 2000)
	acts, err = parseActivity(missing, 64<<20, fuzzNow)
	if err != nil {
		t.Fatalf("missing definition: %v", err)
	}
	if d := acts[0].Damage; d == nil || !strings.Contains(d.Reason, "no definition") || len(acts[0].Samples) != 2000 || d.Records != 2000 {
		t.Fatalf("missing definition: %d samples, %+v", len(acts[0].Samples), d)
	}

	// A checksum that does not match: the data is read, and flagged.
	flipped := bytes.Clone(garmin)
	flipped[len(flipped)-1] ^= 0xff
	acts, err = parseActivity(flipped, 64<<20, fuzzNow)
	if err != nil || acts[0].Damage == nil || !strings.Contains(acts[0].Damage.Reason, "checksum") || len(acts[0].Samples) != 3601 {
		t.Fatalf("a wrong file CRC: %v", err)
	}

	// Through the server: the result says the file was recovered and how
	// much of it was read.
	ts := newTestServer(t, config{})
	c := newClient(t, ts.URL)
	c.signUp("ann", "password123")
	sum := c.upload(map[string][]byte{"cut.fit": cut, "zwift.fit": rewriteFIT(t, corpusFile(t, fitModule, "testdata/from_official_sdk/activity_lowbattery.fit"), 12, false)})
	r := resultFor(t, sum, "cut.fit")
	if r.Status != "imported" || r.Recovered == nil || r.Recovered.ReadBytes == 0 || r.Recovered.TotalBytes != len(cut) || r.Recovered.Records < 1500 {
		t.Fatalf("the cut file's result: %+v", r)
	}
	if r := resultFor(t, sum, "zwift.fit"); r.Status != "imported" || r.Recovered != nil {
		t.Fatalf("a 12-byte header file's result: %+v", r)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// withUndefinedMessage puts, after the n-th record of a FIT file, a data
// message of a local type the file never defines, and fixes the header's
// data size and the file CRC.
func withUndefinedMessage(t *testing.T, file []byte, n int) []byte {
	t.Helper()
	defined := map[byte]bool{}
	var pos, at int64
	records := 0
	var recordLocal byte = 255
	_, err := decoder.NewRaw().Decode(bytes.NewReader(file), func(flag decoder.RawFlag, b []byte) error {
		switch flag {
		case decoder.RawFlagMesgDef:
			local := b[0] & 0x0f
			defined[local] = true
			if binary.LittleEndian.Uint16(b[3:5]) == 20 { // global message 20: record
				recordLocal = local
			}
		case decoder.RawFlagMesgData:
			if b[0]&0x80 == 0 && b[0]&0x0f == recordLocal || b[0]&0x80 != 0 && (b[0]>>5)&0x3 == recordLocal {
				records++
				if records == n {
					at = pos + int64(len(b))
				}
			}
		}
		pos += int64(len(b))
		return nil
	})
	if err != nil || at == 0 {
		t.Fatalf("finding record %d: %v", n, err)
	}
	var free byte = 255
	for l := byte(15); l > 0; l-- {
		if !defined[l] {
			free = l
			break
		}
	}
	if free == 255 {
		t.Fatal("every local type is defined")
	}
	h, _ := readFITHeader(file)
	out := append(bytes.Clone(file[:at]), free, 1, 2, 3, 4)
	out = append(out, file[at:h.size+h.dataSize]...)
	binary.LittleEndian.PutUint32(out[4:8], uint32(h.dataSize+5))
	binary.LittleEndian.PutUint16(out[12:14], fitCRC(out[:12]))
	return binary.LittleEndian.AppendUint16(out, fitCRC(out))
}

// TestImportChainedDamage chains a FIT file whose checksum is wrong and
// an intact one, then an intact one and one cut short: every activity
// that decodes imports, and the damage is named.
func TestImportChainedDamage(t *testing.T) {
	garmin := corpusFile(t, fitModule, "testdata/from_official_sdk/Activity.fit")
	swim := corpusFile(t, fitModule, "testdata/from_official_sdk/activity_poolswim.fit")
	bad := bytes.Clone(garmin)
	bad[len(bad)-1] ^= 0xff
	acts, err := parseActivity(append(bad, swim...), 64<<20, fuzzNow)
	if err != nil || len(acts) != 2 || acts[1].Sport != "swim" || acts[0].Damage == nil || !strings.Contains(acts[0].Damage.Reason, "checksum") {
		t.Fatalf("a bad checksum, then a swim: %d activities, %v", len(acts), err)
	}
	cut := append(bytes.Clone(garmin), swim[:len(swim)/2]...)
	acts, err = parseActivity(cut, 64<<20, fuzzNow)
	if err != nil || len(acts) < 1 || len(acts[0].Samples) != 3601 || acts[0].Damage == nil || acts[0].Damage.ReadBytes < len(garmin) {
		t.Fatalf("then a swim cut short: %d activities, %v", len(acts), err)
	}
}
