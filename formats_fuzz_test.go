package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// checkParsed is what every parser promises when it accepts a file: a
// workout that passes the same checks as one typed in, and samples in
// strictly increasing time that pass the sample checks.
func checkParsed(t *testing.T, a activity) {
	t.Helper()
	if _, err := (workoutInput{Sport: a.Sport, Start: a.Start.Format(time.RFC3339Nano), DurationS: &a.DurationS, DistanceM: a.DistanceM,
		ElevationM: a.ElevationM, Calories: a.Calories, AvgHR: a.AvgHR, MaxHR: a.MaxHR, Title: a.Title, Notes: a.Notes,
		Sets: a.Sets}).validate(fuzzNow); err != nil {
		t.Fatalf("accepted an invalid workout: %v", err)
	}
	for i, sm := range a.Samples {
		if err := validateSample(i, sm); err != nil {
			t.Fatalf("accepted an invalid sample: %v", err)
		}
		if i > 0 && sm.T <= a.Samples[i-1].T {
			t.Fatalf("samples out of order at %d", i)
		}
	}
}

var fuzzNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func fuzzActivity(f *testing.F, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		acts, err := parseActivity(data, 1<<20, fuzzNow)
		for _, a := range acts {
			if err != nil {
				t.Fatal("activities returned with an error")
			}
			if a.Invalid == "" {
				checkParsed(t, a)
			}
		}
	})
}

func FuzzParseFIT(f *testing.F) {
	garmin, _ := os.ReadFile("testdata/import/Activity.fit")
	plan, _ := os.ReadFile("testdata/import/WorkoutRepeatSteps.fit")
	run, _ := writeFIT(Workout{Sport: "strength", Start: importStart, DurationS: 60,
		Sets: []WorkoutSet{{Exercise: "squat", Reps: new(5), WeightKg: new(100.0)}}}, nil)
	fuzzActivity(f, garmin[:4000], plan, run)
}

// FuzzSalvageFIT damages a real FIT file (Garmin's Activity.fit): cut
// short anywhere, and a byte changed anywhere. Whatever is left, the
// import never fails on what it returns, says how much it read, and, for
// a file only cut short, returns the records before the cut exactly as
// the whole file has them.
func FuzzSalvageFIT(f *testing.F) {
	garmin, err := os.ReadFile("testdata/import/Activity.fit")
	if err != nil {
		f.Fatal(err)
	}
	whole, err := parseActivity(garmin, 1<<20, fuzzNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(len(garmin)/2), uint32(0), byte(0))
	f.Add(uint32(200), uint32(0), byte(0))
	f.Add(uint32(len(garmin)), uint32(5000), byte(0x40))
	f.Add(uint32(len(garmin)-1), uint32(4), byte(0xff))
	f.Fuzz(func(t *testing.T, cut, at uint32, flip byte) {
		data := bytes.Clone(garmin[:int(cut)%(len(garmin)+1)])
		if flip != 0 && len(data) > 0 {
			data[int(at)%len(data)] ^= flip
		}
		acts, err := parseActivity(data, 1<<20, fuzzNow)
		if err != nil {
			return
		}
		for _, a := range acts {
			if a.Invalid != "" {
				continue
			}
			checkParsed(t, a)
			if d := a.Damage; d != nil && (d.ReadBytes > d.TotalBytes || d.TotalBytes != len(data) || d.Reason == "") {
				t.Fatalf("damage %+v of a %d-byte file", d, len(data))
			}
		}
		if flip != 0 || len(data) == len(garmin) {
			return
		}
		if len(acts) != 1 || acts[0].Damage == nil {
			t.Fatalf("a file cut at %d: %d activities, damage %v", len(data), len(acts), acts[0].Damage)
		}
		for i, sm := range acts[0].Samples {
			if w := whole[0].Samples[i]; sm.T != w.T || ptrVal(sm.HR) != ptrVal(w.HR) {
				t.Fatalf("sample %d of a file cut at %d differs from the whole file's: %v %v / %v %v", i, len(data), sm.T, ptrVal(sm.HR), w.T, ptrVal(w.HR))
			}
		}
	})
}

func FuzzParseGPX(f *testing.F) {
	fuzzActivity(f, gpxRun(5, importStart), gz(gpxRun(3, importStart)),
		[]byte(`<gpx version="1.0"><trk><trkseg><trkpt lat="1" lon="2"><time>2025-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>`))
}

func FuzzParseTCX(f *testing.F) {
	fuzzActivity(f, tcxRide(5, importStart), []byte(`<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>2025-01-01T00:00:00Z</Id></Activity></Activities></TrainingCenterDatabase>`))
}

func FuzzParseStrengthCSV(f *testing.F) {
	f.Add([]byte("Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE\n2025-12-01 18:00:00;Push;Bench Press (Barbell);1;80;kg;5;8\n"))
	f.Add([]byte(`"title","start_time","end_time","exercise_title","set_index","set_type","weight_kg","reps"` + "\n" + `"Pull","5 Dec 2025, 07:00","5 Dec 2025, 08:10","Deadlift (Barbell)",0,"warmup",60,5` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, _, err := parseStrengthCSV(data, time.UTC, fuzzNow, "kg")
		if err != nil {
			return
		}
		for _, a := range list {
			checkParsed(t, a)
		}
	})
}

// FuzzImportArchive reads a zip archive as an import does: whatever it
// holds, each entry is refused with a reason or parsed into valid
// workouts. Storing is left out so that each run stays cheap; the import
// tests store what these paths produce. Zip inputs are slow to minimise:
// run it with -fuzzminimizetime 5s or so.
func FuzzImportArchive(f *testing.F) {
	f.Add(zipOf(f, map[string][]byte{"a.gpx": gpxRun(5, importStart), "../b.gpx": gpxRun(5, importStart), "c.csv": []byte("Date,Exercise Name,Reps\n2025-01-01,Squat,5\n")}))
	f.Add(zipOf(f, map[string][]byte{"activities.csv": []byte("Activity Date,Activity Name,Activity Type,Filename\n\"Dec 14, 2025, 7:30:00 AM\",Run,Run,activities/1.gpx\n"),
		"activities/1.gpx": gpxRun(5, importStart)}))
	dir := f.TempDir()
	im := &importer{store: &Store{now: func() time.Time { return fuzzNow }}, user: User{UserSettings: UserSettings{Timezone: "UTC"}},
		limits: importLimits{MaxFile: 1 << 20, MaxArchive: 4 << 20}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "in.zip")
		os.WriteFile(p, data, 0o600)
		items, closer, err := im.expand(importSource{Name: "in.zip", Path: p})
		if closer != nil {
			defer closer.Close()
		}
		if err != nil {
			return
		}
		for _, it := range items {
			if it.refuse != "" || it.run != nil {
				continue
			}
			acts, _, _, err := im.readItem(it)
			if err != nil && err.Error() == "" {
				t.Fatal("an error without a reason")
			}
			for _, a := range acts {
				if a.Invalid == "" {
					checkParsed(t, a)
				}
			}
		}
	})
}
