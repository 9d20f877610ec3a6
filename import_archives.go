package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Account exports of the big platforms, as their owners hand them out.
//
// Garmin Connect ("Export Your Data"): a zip whose DI_CONNECT/ folder
// holds, among much else, DI-Connect-Uploaded-Files/UploadedFiles_*.zip
// (zips of the original FIT files, nested in the export) and
// DI-Connect-Fitness/*_summarizedActivities.json, shaped
// [{"summarizedActivitiesExport": [{...}, ...]}], where an activity
// entered by hand (manualActivity: true) exists only. Its times are ms
// since the epoch (beginTimestamp, UTC), its durations ms, its distances
// cm.
//
// Apple Health ("Export All Health Data"): apple_health_export/export.xml,
// whose <Workout> elements hold the type (HKWorkoutActivityTypeRunning),
// the times ("2024-04-02 10:00:00 +0200"), the duration, the totals
// (totalDistance attributes in older exports, <WorkoutStatistics> in
// newer ones) and, in <WorkoutRoute><FileReference path=...>, the route,
// a GPX file in apple_health_export/workout-routes/.

// zipEntries is the files of an archive, and of the zips nested in it one
// level deep, each with the name it is known by ("outer/inner.zip/a.fit").
type zipEntries struct {
	files  []*zip.File
	names  map[*zip.File]string
	byName map[string]*zip.File
}

// nestedZips opens the zips inside an archive (Garmin's UploadedFiles
// parts, or any zip of zips) so that their files can be imported: each is
// copied to a temporary file, within the archive's limit on the bytes
// it unpacks to (total, shared with the outer archive, in declared sizes
// that archive/zip holds each file to), and only one level deep. It
// returns the entries of outer and of the nested zips, and why each
// nested zip that was not opened was not.
func (im *importer) nestedZips(outer []*zip.File, total *uint64) (zipEntries, map[string]string, []io.Closer) {
	ents := zipEntries{names: map[*zip.File]string{}, byName: map[string]*zip.File{}}
	refused := map[string]string{}
	var closers []io.Closer
	add := func(e *zip.File, name string) {
		ents.files = append(ents.files, e)
		ents.names[e] = name
		ents.byName[name] = e
	}
	for _, e := range outer {
		if !strings.HasSuffix(strings.ToLower(e.Name), ".zip") || e.FileInfo().IsDir() {
			add(e, e.Name)
			continue
		}
		*total += e.UncompressedSize64
		if *total > uint64(im.limits.MaxArchive) {
			refused[e.Name] = fmt.Sprintf("the archive unpacks to more than %d MB", im.limits.MaxArchive>>20)
			continue
		}
		zr, closer, err := im.openNested(e)
		if err != nil {
			refused[e.Name] = err.Error()
			continue
		}
		closers = append(closers, closer)
		for _, inner := range zr.File {
			if !filepath.IsLocal(inner.Name) || strings.Contains(inner.Name, `\`) {
				refused[e.Name+"/"+inner.Name] = "unsafe path in the archive"
				continue
			}
			if strings.HasSuffix(strings.ToLower(inner.Name), ".zip") {
				refused[e.Name+"/"+inner.Name] = "a zip nested two levels deep; unpack it and import its files"
				continue
			}
			add(inner, e.Name+"/"+inner.Name)
		}
	}
	return ents, refused, closers
}

// openNested copies a zip inside an archive to a temporary file and opens
// it. The temporary file is removed when the returned closer closes.
func (im *importer) openNested(e *zip.File) (*zip.Reader, io.Closer, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable zip archive: %v", err)
	}
	defer rc.Close()
	f, err := os.CreateTemp(im.tmpDir, ".fitcast-nested-*.zip")
	if err != nil {
		return nil, nil, err
	}
	closer := removeOnClose{f}
	n, err := io.Copy(f, io.LimitReader(rc, int64(e.UncompressedSize64)+1))
	if err != nil || uint64(n) != e.UncompressedSize64 {
		closer.Close()
		return nil, nil, fmt.Errorf("not a readable zip archive: %v", err)
	}
	zr, err := zip.NewReader(f, n)
	if err != nil {
		closer.Close()
		return nil, nil, fmt.Errorf("not a readable zip archive: %v", err)
	}
	return zr, closer, nil
}

type removeOnClose struct{ *os.File }

func (r removeOnClose) Close() error {
	r.File.Close()
	return os.Remove(r.Name())
}

// multiCloser closes each of its closers.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	for _, c := range m {
		c.Close()
	}
	return nil
}

// isGarminExport tells a Garmin Connect export by its DI_CONNECT folder.
func isGarminExport(files []*zip.File) bool {
	for _, e := range files {
		if strings.HasPrefix(e.Name, "DI_CONNECT/") {
			return true
		}
	}
	return false
}

// garminActivity is one entry of summarizedActivities.json.
type garminActivity struct {
	ID          json.Number `json:"activityId"`
	Name        string      `json:"name"`
	Type        string      `json:"activityType"`
	Begin       *float64    `json:"beginTimestamp"` // ms since the epoch, UTC
	StartGMT    *float64    `json:"startTimeGmt"`   // the same, in exports that name it so
	DurationMS  *float64    `json:"duration"`
	ElapsedMS   *float64    `json:"elapsedDuration"`
	MovingMS    *float64    `json:"movingDuration"`
	DistanceCM  *float64    `json:"distance"`
	AvgHR       *float64    `json:"avgHr"`
	MaxHR       *float64    `json:"maxHr"`
	Description string      `json:"description"`
	Manual      bool        `json:"manualActivity"`
}

func (g garminActivity) start() time.Time {
	for _, v := range []*float64{g.Begin, g.StartGMT} {
		if v != nil && *v > 0 {
			return time.UnixMilli(int64(*v)).UTC()
		}
	}
	return time.Time{}
}

func (g garminActivity) label() string {
	name := g.Name
	if name == "" {
		name = g.Type
	}
	return fmt.Sprintf("%s (%s, entered by hand)", name, g.start().Format("2006-01-02"))
}

// garminItems are the items of a Garmin Connect export: every activity
// file in its nested UploadedFiles zips, and every activity entered by
// hand from its summarizedActivities.json. The rest of the export
// (wellness, settings, personal records) is not activities and is left
// aside.
func (im *importer) garminItems(ents zipEntries, refused map[string]string, entryItem func(*zip.File, string) importItem) ([]importItem, error) {
	var items []importItem
	for name, why := range refused {
		items = append(items, importItem{name: name, refuse: why})
	}
	for _, e := range ents.files {
		name := ents.names[e]
		base := strings.ToLower(path.Base(name))
		switch {
		case e.FileInfo().IsDir() || strings.HasPrefix(base, "."):
		case strings.HasSuffix(base, "_summarizedactivities.json"):
			acts, err := readGarminSummaries(e, im.limits.MaxArchive)
			if err != nil {
				items = append(items, importItem{name: name, refuse: err.Error()})
				continue
			}
			for _, g := range acts {
				if g.Manual {
					items = append(items, importItem{name: g.label(), run: func(ctx context.Context) importResult { return im.importGarminManual(ctx, g) }})
				}
			}
		case ents.names[e] != e.Name: // inside an UploadedFiles zip
			for _, ext := range []string{".fit", ".fit.gz", ".tcx", ".tcx.gz", ".gpx", ".gpx.gz"} {
				if strings.HasSuffix(base, ext) {
					items = append(items, entryItem(e, name))
					break
				}
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].name < items[j].name })
	return items, nil
}

// readGarminSummaries reads a summarizedActivities.json.
func readGarminSummaries(e *zip.File, maxBytes int64) ([]garminActivity, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := json.NewDecoder(io.LimitReader(rc, maxBytes))
	dec.UseNumber()
	var doc []struct {
		Activities []garminActivity `json:"summarizedActivitiesExport"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not Garmin's activity summaries: %v", err)
	}
	var all []garminActivity
	for _, d := range doc {
		all = append(all, d.Activities...)
	}
	return all, nil
}

// importGarminManual stores an activity entered by hand on Garmin
// Connect from its summary.
func (im *importer) importGarminManual(ctx context.Context, g garminActivity) importResult {
	res := importResult{Name: g.label(), Status: "failed"}
	var a activity
	a.Format = "garmin"
	a.Start, a.Title, a.Notes = g.start(), g.Name, g.Description
	a.Sport = sportFromName(g.Type)
	ms := func(v *float64) float64 {
		if v == nil || math.IsNaN(*v) {
			return 0
		}
		return *v / 1000
	}
	a.DurationS = ms(g.ElapsedMS)
	if a.DurationS == 0 {
		a.DurationS = ms(g.DurationMS)
	}
	if mv := ms(g.MovingMS); mv > 0 {
		a.MovingS = &mv
	} else if d := ms(g.DurationMS); d > 0 {
		a.TimerS = d
	}
	if g.DistanceCM != nil && *g.DistanceCM > 0 {
		d := math.Round(*g.DistanceCM) / 100
		a.DistanceM = &d
	}
	if g.AvgHR != nil && g.MaxHR != nil && *g.AvgHR > 0 {
		a.AvgHR, a.MaxHR = g.AvgHR, g.MaxHR
	}
	if err := a.complete(im.store.now()); err != nil {
		res.Reason = err.Error()
		return res
	}
	return im.saveActivities(ctx, res, []activity{a}, nil)
}

// appleHealthRoot is the folder of an Apple Health export that holds
// export.xml, or "" when the archive is none.
func appleHealthRoot(byName map[string]*zip.File) (string, bool) {
	for name := range byName {
		if path.Base(name) == "export.xml" {
			dir := path.Dir(name)
			if dir == "." {
				dir = ""
			}
			return dir, true
		}
	}
	return "", false
}

// healthWorkout is a <Workout> of Apple Health's export.xml.
type healthWorkout struct {
	Type         string  `xml:"workoutActivityType,attr"`
	Duration     float64 `xml:"duration,attr"`
	DurationUnit string  `xml:"durationUnit,attr"`
	Distance     string  `xml:"totalDistance,attr"`
	DistanceUnit string  `xml:"totalDistanceUnit,attr"`
	Energy       string  `xml:"totalEnergyBurned,attr"`
	EnergyUnit   string  `xml:"totalEnergyBurnedUnit,attr"`
	Source       string  `xml:"sourceName,attr"`
	Start        string  `xml:"startDate,attr"`
	End          string  `xml:"endDate,attr"`
	Statistics   []struct {
		Type    string `xml:"type,attr"`
		Sum     string `xml:"sum,attr"`
		Average string `xml:"average,attr"`
		Maximum string `xml:"maximum,attr"`
		Unit    string `xml:"unit,attr"`
	} `xml:"WorkoutStatistics"`
	Routes []struct {
		Files []struct {
			Path string `xml:"path,attr"`
		} `xml:"FileReference"`
	} `xml:"WorkoutRoute"`
}

// healthTime reads Apple Health's times: "2024-04-02 10:00:00 +0200".
func healthTime(v string) (time.Time, error) {
	t, err := time.Parse("2006-01-02 15:04:05 -0700", strings.TrimSpace(v))
	return t.UTC(), err
}

// healthUnits converts Apple Health's units to metres, seconds and kcal.
var healthUnits = map[string]float64{"m": 1, "km": 1000, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "cm": 0.01,
	"s": 1, "sec": 1, "min": 60, "hr": 3600, "h": 3600, "kcal": 1, "Cal": 1, "kJ": 1 / 4.184, "cal": 0.001}

func healthValue(v, unit string) *float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	factor, ok := healthUnits[unit]
	if err != nil || !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return nil
	}
	f *= factor
	return &f
}

// importAppleHealth imports every workout of an Apple Health export,
// each with its route, in one result that names them all. export.xml is
// read as a stream: it holds years of health records besides the
// workouts and may be far larger than any one activity file.
func (im *importer) importAppleHealth(ctx context.Context, name, root string, byName map[string]*zip.File) importResult {
	res := importResult{Name: name, Status: "failed"}
	rc, err := byName[name].Open()
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, im.limits.MaxArchive))
	dec.Strict = false
	var acts []activity
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Reason = fmt.Sprintf("export.xml: %v", err)
			if len(acts) == 0 {
				return res
			}
			break // what was read before the damage is imported
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "Workout" {
			continue
		}
		var w healthWorkout
		if err := dec.DecodeElement(&w, &el); err != nil {
			res.Reason = fmt.Sprintf("export.xml: %v", err)
			break
		}
		acts = append(acts, im.healthActivity(w, root, byName))
	}
	if len(acts) == 0 {
		res.Reason = "export.xml holds no workouts"
		return res
	}
	reason := res.Reason
	res = im.saveActivities(ctx, res, acts, nil)
	// Route files that no workout names are not workouts of their own
	// (as a plain GPX import would make them); the result says so.
	unnamed := 0
	for n := range byName {
		if strings.HasPrefix(n, path.Join(root, "workout-routes")+"/") && !im.healthRoutesUsed[n] {
			unnamed++
		}
	}
	if unnamed > 0 {
		reason = strings.TrimPrefix(reason+fmt.Sprintf("; %d route files that no workout names were left aside", unnamed), "; ")
	}
	if reason != "" {
		res.Reason = strings.TrimPrefix(res.Reason+"; "+reason, "; ")
	}
	return res
}

// healthActivity makes an activity of one Apple Health workout and its
// route; what is wrong with it goes in its Invalid, so that it is named
// in the import result and the other workouts import.
func (im *importer) healthActivity(w healthWorkout, root string, byName map[string]*zip.File) activity {
	var a activity
	a.Format = "health"
	a.Sport = healthSport(w.Type)
	start, err1 := healthTime(w.Start)
	end, err2 := healthTime(w.End)
	a.Start = start
	if err1 != nil || err2 != nil || end.Before(start) {
		a.Invalid = fmt.Sprintf("a workout with unreadable times %q to %q", w.Start, w.End)
		return a
	}
	a.DurationS = end.Sub(start).Seconds()
	if mv := healthValue(strconv.FormatFloat(w.Duration, 'f', -1, 64), w.DurationUnit); mv != nil && *mv > 0 {
		a.MovingS = mv // Apple's duration leaves pauses out
	}
	a.DistanceM = healthValue(w.Distance, w.DistanceUnit)
	a.Calories = healthValue(w.Energy, w.EnergyUnit)
	for _, st := range w.Statistics {
		switch {
		case strings.HasPrefix(st.Type, "HKQuantityTypeIdentifierDistance") && a.DistanceM == nil:
			a.DistanceM = healthValue(st.Sum, st.Unit)
		case st.Type == "HKQuantityTypeIdentifierActiveEnergyBurned" && a.Calories == nil:
			a.Calories = healthValue(st.Sum, st.Unit)
		case st.Type == "HKQuantityTypeIdentifierHeartRate":
			avg, err1 := strconv.ParseFloat(st.Average, 64)
			max, err2 := strconv.ParseFloat(st.Maximum, 64)
			if err1 == nil && err2 == nil && avg > 0 {
				a.AvgHR, a.MaxHR = &avg, &max
			}
		}
	}
	if a.DistanceM != nil && *a.DistanceM == 0 {
		a.DistanceM = nil
	}
	if a.Calories != nil && *a.Calories == 0 {
		a.Calories = nil
	}
	for _, r := range w.Routes {
		for _, f := range r.Files {
			routeName := path.Join(root, strings.TrimPrefix(f.Path, "/"))
			route := byName[routeName]
			if im.healthRoutesUsed == nil {
				im.healthRoutesUsed = map[string]bool{}
			}
			im.healthRoutesUsed[routeName] = true
			if route == nil {
				a.Invalid = fmt.Sprintf("its route %s is not in the archive", f.Path)
				return a
			}
			if err := im.healthRoute(&a, route); err != nil {
				a.Invalid = fmt.Sprintf("its route %s: %v", f.Path, err)
				return a
			}
		}
	}
	if err := a.complete(im.store.now()); err != nil {
		a.Invalid = err.Error()
	}
	return a
}

// healthRoute adds a workout's route (a GPX file) as its samples, timed
// from the workout's start.
func (im *importer) healthRoute(a *activity, e *zip.File) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(rc, im.limits.MaxFile+1))
	rc.Close()
	if err != nil {
		return err
	}
	if int64(len(data)) > im.limits.MaxFile {
		return fmt.Errorf("larger than %d MB", im.limits.MaxFile>>20)
	}
	route, err := parseGPX(data)
	if err != nil {
		return err
	}
	shift := route.Start.Sub(a.Start).Seconds()
	for _, sm := range route.Samples {
		sm.T += shift
		if sm.T >= 0 {
			a.Samples = append(a.Samples, sm)
		}
	}
	return nil
}

// healthSport maps an HKWorkoutActivityType to one of fitcast's sports.
func healthSport(t string) string {
	name := strings.TrimPrefix(t, "HKWorkoutActivityType")
	switch name {
	case "TraditionalStrengthTraining", "FunctionalStrengthTraining", "CoreTraining":
		return "strength"
	case "HighIntensityIntervalTraining", "CrossTraining", "MixedCardio":
		return "hiit"
	case "DownhillSkiing", "Snowboarding":
		return "ski"
	case "CrossCountrySkiing":
		return "xc_ski"
	case "Paddling":
		return "row"
	}
	if s := sportFromName(name); s != "" {
		return s
	}
	return "other"
}

// healthItems are the items of an Apple Health export: its workouts, read
// from export.xml with their routes. The route files are read as part
// of their workouts, never as workouts of their own; a route that no
// workout names is reported, not imported.
func (im *importer) healthItems(root string, byName map[string]*zip.File) []importItem {
	xmlName := path.Join(root, "export.xml")
	items := []importItem{{name: xmlName, run: func(ctx context.Context) importResult { return im.importAppleHealth(ctx, xmlName, root, byName) }}}
	return items
}
