package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Default limits on what one import may hold; -import-max-file and
// -import-max-archive change them.
const (
	defaultImportMaxFile    = 50 << 20
	defaultImportMaxArchive = 1 << 30
)

// importLimits bound one import: each file once decompressed, and each
// archive (or upload) as a whole.
type importLimits struct {
	MaxFile    int64
	MaxArchive int64
}

// importSummary is an import's progress and, at the end, its outcome.
type importSummary struct {
	ID         int64          `json:"id"`
	Status     string         `json:"status"` // queued, running, done or interrupted
	Total      int            `json:"total"`
	Done       int            `json:"done"`
	Imported   int            `json:"imported"`   // workouts created
	Duplicates int            `json:"duplicates"` // activities already present
	Failed     int            `json:"failed"`     // files that could not be imported
	Results    []importResult `json:"results"`
	// WeightUnit is the unit ("kg" or "lb") the weights of strength CSVs
	// that do not say theirs were read in.
	WeightUnit string     `json:"weight_unit,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// importResult is what became of one file.
type importResult struct {
	Name       string   `json:"name"`
	Status     string   `json:"status"` // imported, duplicate or failed
	Reason     string   `json:"reason,omitempty"`
	Workouts   []string `json:"workouts,omitempty"`   // ids of the workouts it created
	Duplicates int      `json:"duplicates,omitempty"` // activities in it already present
	// Activities names every activity the file held and what became of
	// each, so that none is dropped unseen.
	Activities []importedActivity `json:"activities,omitempty"`
	// Recovered is set when the file was damaged and what could be read
	// before the damage was imported.
	Recovered *fileDamage `json:"recovered,omitempty"`
	Note      string      `json:"note,omitempty"` // e.g. the weight unit a CSV was read in
}

// importedActivity is one activity of a file and what became of it.
type importedActivity struct {
	Sport   string    `json:"sport"`
	Start   time.Time `json:"start"`
	Status  string    `json:"status"` // imported, duplicate or failed
	Workout string    `json:"workout,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// importSource is a file to import: where it is on disk and the name the
// user knows it by.
type importSource struct {
	Name string
	Path string
}

// importItem is one file to import, on its own or inside an archive.
type importItem struct {
	name   string
	open   func() (io.ReadCloser, error)
	meta   *stravaActivity // what a Strava export says of it
	refuse string          // why it is refused unread
	run    func(ctx context.Context) importResult
}

// importer imports files into one user's account. The server runs it in
// the background; the import command runs it in the foreground.
type importer struct {
	store    *Store
	user     User
	limits   importLimits
	progress func(importSummary) // after each file and at the end
	// weightUnit is the unit ("kg" or "lb") of a strength CSV's weights
	// where the file does not say; see weightUnitOf.
	weightUnit string
	// tmpDir is where zips nested in an archive are unpacked ("" is the
	// system's); the server gives the folder its upload waits in.
	tmpDir string
	// healthRoutesUsed are the route files of an Apple Health export
	// that its workouts named.
	healthRoutesUsed map[string]bool
}

// run imports every source in turn, filling in sum as it goes.
func (im *importer) run(ctx context.Context, sum *importSummary, sources []importSource) {
	sum.WeightUnit = weightUnitOf(im.weightUnit, im.user)
	var items []importItem
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	for _, src := range sources {
		more, closer, err := im.expand(src)
		if closer != nil {
			closers = append(closers, closer)
		}
		if err != nil {
			items = append(items, importItem{name: src.Name, refuse: err.Error()})
			continue
		}
		items = append(items, more...)
	}
	sum.Status, sum.Total = "running", len(items)
	im.progress(*sum)
	for _, it := range items {
		if ctx.Err() != nil {
			sum.Status = "interrupted"
			break
		}
		var res importResult
		switch {
		case it.refuse != "":
			res = importResult{Name: it.name, Status: "failed", Reason: it.refuse}
		case it.run != nil:
			res = it.run(withImportFile(ctx, sum.ID, sum.Done, it.name))
		default:
			res = im.importFile(withImportFile(ctx, sum.ID, sum.Done, it.name), it)
		}
		sum.Done++
		sum.Imported += len(res.Workouts)
		sum.Duplicates += res.Duplicates
		if res.Status == "failed" {
			sum.Failed++
		}
		sum.Results = append(sum.Results, res)
		im.progress(*sum)
	}
	if sum.Status == "running" {
		sum.Status = "done"
	}
	now := im.store.now().UTC()
	sum.FinishedAt = &now
	im.progress(*sum)
}

// expand turns one source into the files to import: itself, or the
// entries of an archive. An export of fitcast's own is restored whole; a
// Strava export's activities.csv names the files and says what they are.
func (im *importer) expand(src importSource) ([]importItem, io.Closer, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if n < 4 || !bytes.Equal(head, []byte("PK\x03\x04")) {
		f.Close()
		return []importItem{{name: src.Name, open: func() (io.ReadCloser, error) { return os.Open(src.Path) }}}, nil, nil
	}
	if info.Size() > im.limits.MaxArchive {
		f.Close()
		return nil, nil, fmt.Errorf("the archive is larger than %d MB", im.limits.MaxArchive>>20)
	}
	zr, err := zip.NewReader(f, info.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("not a readable zip archive: %v", err)
	}
	byName := map[string]*zip.File{}
	for _, e := range zr.File {
		byName[e.Name] = e
	}
	if e := byName[exportDocName]; e != nil {
		return []importItem{{name: src.Name, run: func(ctx context.Context) importResult { return im.restore(ctx, src.Name, zr, e) }}}, f, nil
	}
	var total uint64
	entryItem := func(e *zip.File, name string) importItem {
		it := importItem{name: name, open: e.Open}
		total += e.UncompressedSize64
		switch {
		case !filepath.IsLocal(name) || strings.Contains(name, `\`):
			it.refuse = "unsafe path in the archive"
		case e.UncompressedSize64 > uint64(im.limits.MaxFile):
			it.refuse = fmt.Sprintf("larger than %d MB", im.limits.MaxFile>>20)
		case total > uint64(im.limits.MaxArchive):
			it.refuse = fmt.Sprintf("the archive unpacks to more than %d MB", im.limits.MaxArchive>>20)
		}
		return it
	}
	var items []importItem
	if e := byName["activities.csv"]; e != nil {
		acts, err := readStravaActivities(e, im.limits.MaxFile)
		if err != nil {
			return nil, f, err
		}
		for _, a := range acts {
			if a.File == "" {
				items = append(items, importItem{name: a.label(), run: func(ctx context.Context) importResult { return im.importManual(ctx, a) }})
				continue
			}
			e := byName[a.File]
			if e == nil {
				items = append(items, importItem{name: a.File, refuse: "named in activities.csv but not in the archive"})
				continue
			}
			it := entryItem(e, e.Name)
			it.meta = &a
			items = append(items, it)
		}
		return items, f, nil
	}
	if root, ok := appleHealthRoot(byName); ok {
		return im.healthItems(root, byName), f, nil
	}
	ents, refused, nested := im.nestedZips(zr.File, &total)
	closer := multiCloser(append(nested, f))
	if isGarminExport(zr.File) {
		items, err := im.garminItems(ents, refused, entryItem)
		return items, closer, err
	}
	for name, why := range refused {
		items = append(items, importItem{name: name, refuse: why})
	}
	for _, e := range ents.files {
		name := ents.names[e]
		base := path.Base(name)
		if e.FileInfo().IsDir() || strings.HasPrefix(base, ".") || strings.HasPrefix(name, "__MACOSX/") || strings.Contains(name, "/__MACOSX/") {
			continue
		}
		items = append(items, entryItem(e, name))
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].name < items[j].name })
	return items, closer, nil
}

// importFile reads one file and stores what it holds.
func (im *importer) importFile(ctx context.Context, it importItem) importResult {
	res := importResult{Name: it.name, Status: "failed"}
	acts, orig, note, err := im.readItem(it)
	res.Note = note
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	if len(acts) > 0 {
		res.Recovered = acts[0].Damage
	}
	return im.saveActivities(ctx, res, acts, orig)
}

// saveActivities stores a file's activities and records what became of
// each in res: the file is imported when any of them is, a duplicate
// when all were there already, and failed when none could be stored.
func (im *importer) saveActivities(ctx context.Context, res importResult, acts []activity, orig *importOriginal) importResult {
	failed := 0
	for _, a := range acts {
		ia := importedActivity{Sport: a.Sport, Start: a.Start, Status: "failed", Reason: a.Invalid}
		if a.Invalid == "" {
			id, dup, err := im.store.SaveActivity(ctx, im.user.ID, a, orig)
			switch {
			case err != nil:
				ia.Reason = errorMessage(err)
			case dup:
				ia.Status, ia.Reason = "duplicate", "already imported: a workout of the same sport starts at the same time"
				res.Duplicates++
			default:
				ia.Status, ia.Workout = "imported", id
				res.Workouts = append(res.Workouts, id)
			}
		}
		if ia.Status == "failed" {
			failed++
		}
		res.Activities = append(res.Activities, ia)
	}
	switch {
	case len(res.Workouts) > 0:
		res.Status = "imported"
		if failed > 0 {
			res.Reason = fmt.Sprintf("%d of its %d activities could not be imported", failed, len(acts))
		}
	case res.Duplicates > 0 && failed == 0:
		res.Status, res.Reason = "duplicate", "already imported: a workout of the same sport starts at the same time"
	default:
		res.Status = "failed"
		for _, ia := range res.Activities {
			if ia.Reason != "" {
				res.Reason = ia.Reason
				break
			}
		}
		if res.Reason == "" {
			res.Reason = "the file holds no activity"
		}
	}
	return res
}

// readItem reads one file, bounded by the file limit, and parses it: the
// activities of an activity file with the file itself, or the workouts
// of a strength CSV with a note of the weight unit it was read in.
func (im *importer) readItem(it importItem) ([]activity, *importOriginal, string, error) {
	rc, err := it.open()
	if err != nil {
		return nil, nil, "", err
	}
	data, err := io.ReadAll(io.LimitReader(rc, im.limits.MaxFile+1))
	rc.Close()
	if err != nil {
		return nil, nil, "", fmt.Errorf("unreadable: %v", err)
	}
	if int64(len(data)) > im.limits.MaxFile {
		return nil, nil, "", fmt.Errorf("larger than %d MB", im.limits.MaxFile>>20)
	}
	now := im.store.now()
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, nil, "", errors.New("an archive inside an archive that is not an account export; unpack it and import its files")
	case strings.HasSuffix(strings.ToLower(it.name), ".csv"):
		unit := weightUnitOf(im.weightUnit, im.user)
		acts, used, err := parseStrengthCSV(data, userLocation(im.user), now, unit)
		note := ""
		if used.assumed {
			note = map[string]string{"kg": "weights read in kilograms", "lb": "weights read in pounds"}[unit]
		}
		return acts, nil, note, err
	}
	acts, err := parseActivity(data, im.limits.MaxFile, now)
	if err != nil {
		return nil, nil, "", err
	}
	if it.meta != nil && len(acts) == 1 {
		it.meta.apply(&acts[0])
	}
	return acts, &importOriginal{Name: path.Base(filepath.ToSlash(it.name)), Data: data}, "", nil
}

// errorMessage is what a user is told of an error: an API error's message,
// or the error itself.
func errorMessage(err error) string {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr.Message
	}
	return err.Error()
}

// ---- Strava account exports ------------------------------------------------

// stravaActivity is one row of a Strava export's activities.csv.
type stravaActivity struct {
	File        string // e.g. activities/1234.fit.gz; empty for one entered by hand
	Name        string
	Type        string
	Description string
	Start       time.Time
	ElapsedS    float64
	MovingS     float64
	DistanceM   float64
}

func (a stravaActivity) label() string {
	return fmt.Sprintf("%s (%s, entered by hand)", a.Name, a.Start.Format("2006-01-02"))
}

// apply carries the name, sport and description Strava knows over to an
// activity read from its file.
func (a stravaActivity) apply(act *activity) {
	if a.Name != "" {
		act.Title = a.Name
	}
	if sport := sportFromName(a.Type); sport != "" {
		act.Sport = sport
	}
	if a.Description != "" {
		act.Notes = a.Description
	}
}

// readStravaActivities reads activities.csv. Strava writes some column
// names twice (the first "Distance" in km or miles, the last in metres);
// the last is the one read.
func readStravaActivities(e *zip.File, maxBytes int64) ([]stravaActivity, error) {
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxBytes+1))
	if err != nil || int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("activities.csv is unreadable or larger than %d MB", maxBytes>>20)
	}
	t, err := readCSV(data)
	if err != nil {
		return nil, fmt.Errorf("activities.csv: %w", err)
	}
	if !t.has("activitydate") || !t.has("filename") {
		return nil, errors.New("activities.csv has no Activity Date or Filename column")
	}
	var list []stravaActivity
	for n, row := range t.rows {
		start, err := parseImportTime(t.get(row, "activitydate"), time.UTC) // Strava writes UTC
		if err != nil {
			return nil, fmt.Errorf("activities.csv line %d: %v", n+2, err)
		}
		a := stravaActivity{File: t.get(row, "filename"), Name: t.get(row, "activityname"), Type: t.get(row, "activitytype"),
			Description: t.get(row, "activitydescription"), Start: start}
		a.ElapsedS = parseDuration(t.get(row, "elapsedtime"))
		a.MovingS = parseDuration(t.get(row, "movingtime"))
		a.DistanceM = parseDuration(t.get(row, "distance"))
		if t.repeated["distance"] == 0 {
			a.DistanceM *= 1000 // older exports have one Distance column, in km
		}
		list = append(list, a)
	}
	return list, nil
}

// importManual stores an activity Strava has no file for (entered by
// hand there) from what activities.csv says of it.
func (im *importer) importManual(ctx context.Context, s stravaActivity) importResult {
	res := importResult{Name: s.label(), Status: "failed"}
	var a activity
	a.Format = "strava"
	a.Start, a.Title, a.Notes = s.Start.UTC(), s.Name, s.Description
	a.Sport = sportFromName(s.Type)
	// Elapsed time is the duration and Strava's moving time the moving
	// time, the rule for every format.
	a.DurationS = s.ElapsedS
	if a.DurationS == 0 {
		a.DurationS = s.MovingS
	}
	if s.MovingS > 0 {
		mv := s.MovingS
		a.MovingS = &mv
	}
	if s.DistanceM > 0 {
		d := s.DistanceM
		a.DistanceM = &d
	}
	if err := a.complete(im.store.now()); err != nil {
		res.Reason = err.Error()
		return res
	}
	id, dup, err := im.store.SaveActivity(ctx, im.user.ID, a, nil)
	switch {
	case err != nil:
		res.Reason = errorMessage(err)
	case dup:
		res.Status, res.Reason, res.Duplicates = "duplicate", "already imported", 1
	default:
		res.Status, res.Workouts = "imported", []string{id}
	}
	return res
}

// ---- Import jobs --------------------------------------------------------------

// importJobs runs imports in the background, one at a time: they share
// the database writer with everything else, and one at a time keeps the
// rest of the server responsive.
type importJobs struct {
	ctx    context.Context
	cancel context.CancelFunc
	slot   chan struct{}  // held by the import that runs
	wg     sync.WaitGroup // imports queued or running
}

func newImportJobs() *importJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &importJobs{ctx: ctx, cancel: cancel, slot: make(chan struct{}, 1)}
}

// Close interrupts the imports under way (each stops after its current
// file, recorded as interrupted) and waits for them.
func (j *importJobs) Close() {
	j.cancel()
	j.wg.Wait()
}

// startImport records a queued import and runs it in the background; the
// sources are removed from disk when it ends.
func (s *server) startImport(u User, sources []importSource, tmpDir, weightUnit string) (importSummary, error) {
	sum := importSummary{Status: "queued", Results: []importResult{}, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
		WeightUnit: weightUnitOf(weightUnit, u)}
	var err error
	sum.ID, err = s.store.CreateImport(context.Background(), u.ID, "queued", sum.CreatedAt)
	if err != nil {
		os.RemoveAll(tmpDir)
		return sum, err
	}
	queued := sum // what the caller is told; the job changes sum as it runs
	jobs := s.imports
	jobs.wg.Add(1)
	go func() {
		defer jobs.wg.Done()
		defer os.RemoveAll(tmpDir)
		select {
		case jobs.slot <- struct{}{}:
			defer func() { <-jobs.slot }()
		case <-jobs.ctx.Done():
			sum.Status = "interrupted"
			s.store.saveImport(context.Background(), u.ID, sum)
			return
		}
		var last time.Time
		im := &importer{store: s.store, user: u, limits: s.importLimits(), weightUnit: weightUnit, tmpDir: tmpDir, progress: func(p importSummary) {
			// Every file's result is kept, but screens hear at most
			// four times a second, and always of the start and the end.
			if p.Status == "running" && p.Done > 0 && p.Done < p.Total && time.Since(last) < 250*time.Millisecond {
				return
			}
			last = time.Now()
			if err := s.store.saveImport(context.Background(), u.ID, p); err != nil {
				s.log.Warn("recording import progress", "import", p.ID, "err", err)
			}
		}}
		im.run(jobs.ctx, &sum, sources)
		s.log.Info("import finished", "user", u.ID, "import", sum.ID, "status", sum.Status, "imported", sum.Imported,
			"duplicates", sum.Duplicates, "failed", sum.Failed)
	}()
	return queued, nil
}

func (s *server) importLimits() importLimits {
	l := importLimits{MaxFile: s.cfg.ImportMaxFile, MaxArchive: s.cfg.ImportMaxArchive}
	if l.MaxFile <= 0 {
		l.MaxFile = defaultImportMaxFile
	}
	if l.MaxArchive <= 0 {
		l.MaxArchive = defaultImportMaxArchive
	}
	return l
}

// maxImportFiles bounds the files one upload may carry.
const maxImportFiles = 10_000

// uploadImport takes files as multipart/form-data (any field name), keeps
// them on disk until their import ends, and answers at once: the import
// runs in the background, its progress on the user's topic.
func (s *server) uploadImport(w http.ResponseWriter, r *http.Request, p *principal) error {
	limits := s.importLimits()
	r.Body = http.MaxBytesReader(w, r.Body, limits.MaxArchive+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return errorf(codeInvalidUpload, "send files as multipart/form-data, e.g. curl -F file=@run.fit")
	}
	// Uploads wait beside the database, on a disk sized for data, rather
	// than in a /tmp that may be memory.
	dir, err := os.MkdirTemp(filepath.Dir(s.store.path), ".fitcast-import-")
	if err != nil {
		return err
	}
	var sources []importSource
	weightUnit := ""
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			os.RemoveAll(dir)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return errorf(codeTooLarge, "an upload may hold at most %d MB; import in parts", limits.MaxArchive>>20)
			}
			return errorf(codeInvalidUpload, "the upload is not valid multipart/form-data: %v", err)
		}
		if part.FileName() == "" {
			// weight_unit says the unit of strength CSVs that do not say
			// theirs; other fields are ignored.
			if part.FormName() == "weight_unit" {
				v, _ := io.ReadAll(io.LimitReader(part, 16))
				weightUnit = strings.TrimSpace(string(v))
				if weightUnit != "" && weightUnit != "kg" && weightUnit != "lb" {
					part.Close()
					os.RemoveAll(dir)
					return invalidField("weight_unit", "must be kg or lb")
				}
			}
			part.Close()
			continue
		}
		if len(sources) == maxImportFiles {
			os.RemoveAll(dir)
			return errorf(codeTooManyFiles, "at most %d files at once; zip them, or import in parts", maxImportFiles)
		}
		src := importSource{Name: path.Base(strings.ReplaceAll(part.FileName(), `\`, "/")), Path: filepath.Join(dir, fmt.Sprint(len(sources)))}
		if err := saveUpload(src.Path, part); err != nil {
			os.RemoveAll(dir)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return errorf(codeTooLarge, "an upload may hold at most %d MB; import in parts", limits.MaxArchive>>20)
			}
			return err
		}
		sources = append(sources, src)
	}
	if len(sources) == 0 {
		os.RemoveAll(dir)
		return errorf(codeInvalidUpload, "the upload holds no files")
	}
	sum, err := s.startImport(p.User, sources, dir, weightUnit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, sum)
}

func saveUpload(dst string, r io.Reader) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *server) listImports(w http.ResponseWriter, r *http.Request, p *principal) error {
	list, err := s.store.Imports(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *server) getImport(w http.ResponseWriter, r *http.Request, p *principal) error {
	sum, err := s.store.Import(r.Context(), p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

func (s *server) downloadOriginal(w http.ResponseWriter, r *http.Request, p *principal) error {
	name, data, err := s.store.Original(r.Context(), p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeDownload(w, name, "application/octet-stream", data)
}

// writeDownload sends data as a file to save under name.
func writeDownload(w http.ResponseWriter, name, contentType string, data []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err := w.Write(data)
	return err
}

// importCommand is "fitcast import [-user NAME] FILE|FOLDER...": the same
// import as the web's, straight into the database, with a progress bar
// when stderr is a terminal.
func importCommand(ctx context.Context, base config, args []string, stdout, stderr io.Writer) error {
	cfg := base
	var signup, username string
	fs := flagSet("fitcast import", base, &cfg, &signup, stderr)
	fs.StringVar(&username, "user", "", "the account to import into (needed when there are several)")
	fs.StringVar(&cfg.ImportWeightUnit, "weight-unit", base.ImportWeightUnit,
		"kg or lb: the unit of a strength CSV's weights where the file does not say (Strong); default: the account's unit setting (env FITCAST_IMPORT_WEIGHT_UNIT)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fitcast import [-user NAME] [-weight-unit kg|lb] FILE|FOLDER...\n\nImports FIT, GPX and TCX files (gzipped or not), zip archives (a Strava,\nGarmin Connect or Apple Health account export, a fitcast export, or any\nzip of such files) and Strong or Hevy CSV exports.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if u := cfg.ImportWeightUnit; u != "" && u != "kg" && u != "lb" {
		return fmt.Errorf("-weight-unit must be kg or lb, not %q", u)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name at least one file or folder to import")
	}
	store, err := OpenStore(cfg.DB, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := importUser(ctx, store, username)
	if err != nil {
		return err
	}
	var sources []importSource
	for _, arg := range fs.Args() {
		err := filepath.WalkDir(arg, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != arg && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasPrefix(d.Name(), ".") {
				sources = append(sources, importSource{Name: p, Path: p})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	limits := importLimits{MaxFile: cfg.ImportMaxFile, MaxArchive: cfg.ImportMaxArchive}
	bar := progressBar(stderr)
	sum := importSummary{Results: []importResult{}}
	im := &importer{store: store, user: u, limits: limits, progress: bar, weightUnit: cfg.ImportWeightUnit}
	im.run(ctx, &sum, sources)
	for _, r := range sum.Results {
		if r.Status == "failed" {
			fmt.Fprintf(stdout, "failed     %s: %s\n", r.Name, r.Reason)
		}
	}
	for _, r := range sum.Results {
		if r.Recovered != nil {
			fmt.Fprintf(stdout, "recovered  %s: %s; %d of %d bytes read\n", r.Name, r.Recovered.Reason, r.Recovered.ReadBytes, r.Recovered.TotalBytes)
		}
		if r.Note != "" {
			fmt.Fprintf(stdout, "note       %s: %s\n", r.Name, r.Note)
		}
	}
	fmt.Fprintf(stdout, "%d files: %d workouts imported, %d duplicates skipped, %d failed\n", sum.Done, sum.Imported, sum.Duplicates, sum.Failed)
	if sum.Status == "interrupted" {
		return errors.New("interrupted")
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d files could not be imported", sum.Failed)
	}
	return nil
}

// importUser is the account named, or the only one there is.
func importUser(ctx context.Context, store *Store, username string) (User, error) {
	if username != "" {
		u, err := store.UserByName(ctx, username)
		if errors.Is(err, errNotFound) {
			return u, fmt.Errorf("no account named %q", username)
		}
		return u, err
	}
	users, err := store.Users(ctx)
	if err != nil {
		return User{}, err
	}
	switch len(users) {
	case 0:
		return User{}, errors.New("there is no account yet; create one with fitcast user add NAME")
	case 1:
		return users[0], nil
	}
	return User{}, errors.New("there are several accounts; name one with -user")
}

// progressBar draws an import's progress on w when w is a terminal, and
// does nothing otherwise (a log or a pipe wants only the summary).
func progressBar(w io.Writer) func(importSummary) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(importSummary) {}
	}
	return func(s importSummary) {
		const width = 30
		filled := 0
		if s.Total > 0 {
			filled = width * s.Done / s.Total
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d  imported %d, duplicates %d, failed %d ", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			s.Done, s.Total, s.Imported, s.Duplicates, s.Failed)
		if s.FinishedAt != nil {
			fmt.Fprintln(w)
		}
	}
}
