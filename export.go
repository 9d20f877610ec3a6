package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
)

// The export archive: fitcast.json holds the account, samples/<id>.json
// each workout's time series, originals/<id>/<name> the files workouts
// were imported from, and workouts.csv a spreadsheet of the workouts.
const (
	exportDocName = "fitcast.json"
	exportFormat  = "fitcast-export"
	exportVersion = 1
)

// exportDoc is everything a user owns, as fitcast.json holds it.
type exportDoc struct {
	Format     string          `json:"format"`
	Version    int             `json:"version"`
	ExportedAt time.Time       `json:"exported_at"`
	Account    exportAccount   `json:"account"`
	Sports     []Sport         `json:"sports"`    // the user's own
	Exercises  []Exercise      `json:"exercises"` // the user's own
	Workouts   []exportWorkout `json:"workouts"`
	Templates  []Template      `json:"templates"`
	Goals      []Goal          `json:"goals"`
	Weights    []Weight        `json:"weights"`
	Games      []exportGame    `json:"games"` // games the user owns, with their event logs
	Gear       []Gear          `json:"gear"`  // workouts name it by these ids in their gear lists
	Athlete    []settingEntry  `json:"athlete_settings"`
}

type exportAccount struct {
	Username string `json:"username"`
	UserSettings
}

type exportWorkout struct {
	Workout
	SamplesFile  string `json:"samples_file,omitempty"`
	OriginalFile string `json:"original_file,omitempty"`
}

type exportGame struct {
	Game
	Events []GameEvent `json:"events"`
}

// storedColumns is a workout's samples as stored, in columns (unlike
// columns, which fills in distance for charts).
func storedColumns(samples []Sample) sampleColumns {
	c := columns(samples, true)
	for i, sm := range samples {
		c.Dist[i] = sm.Dist
	}
	return c
}

// samples turns columns back into samples, refusing columns of unequal
// lengths.
func (c sampleColumns) samples() ([]Sample, error) {
	n := len(c.T)
	for _, col := range [][]*float64{c.Lat, c.Lon, c.Alt, c.Dist, c.HR, c.Cadence, c.Power, c.Speed} {
		if len(col) != n {
			return nil, errors.New("sample columns of different lengths")
		}
	}
	out := make([]Sample, n)
	for i := range out {
		out[i] = Sample{T: c.T[i], Lat: c.Lat[i], Lon: c.Lon[i], Alt: c.Alt[i], Dist: c.Dist[i], HR: c.HR[i], Cadence: c.Cadence[i],
			Power: c.Power[i], Speed: c.Speed[i]}
	}
	return out, nil
}

// writeExport writes the user's whole account as a zip archive, read in
// one transaction so it is consistent however long it takes.
func (s *Store) writeExport(ctx context.Context, u User, w io.Writer) error {
	tx, err := s.BeginRead(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	zw := zip.NewWriter(w)
	doc := newExportDoc(u, s.now())
	if doc.Sports, err = customSportsOf(ctx, tx, u.ID); err != nil {
		return err
	}
	if doc.Exercises, err = customExercisesOf(ctx, tx, u.ID); err != nil {
		return err
	}
	workouts, err := allWorkoutsOf(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	sheet := &bytes.Buffer{}
	cw := csv.NewWriter(sheet)
	cw.Write(workoutCSVHeader)
	for _, wo := range workouts {
		if wo.Sets, err = setsOf(ctx, tx, wo.ID); err != nil {
			return err
		}
		if wo.Gear, err = workoutGear(ctx, tx, wo.ID); err != nil {
			return err
		}
		ew := exportedWorkout(wo)
		if wo.Samples > 0 {
			samples, err := samplesOf(ctx, tx, wo.ID)
			if err != nil {
				return err
			}
			ew.SamplesFile = exportSamplesPath(wo.ID)
			if err := zipJSON(zw, ew.SamplesFile, storedColumns(samples)); err != nil {
				return err
			}
		}
		name, data, err := workoutFileOf(ctx, tx, wo.ID)
		switch {
		case err == nil:
			if data, err = originalBytes(name, data); err != nil {
				return err
			}
			ew.OriginalFile = exportOriginalPath(wo.ID, name)
			f, err := zw.CreateHeader(&zip.FileHeader{Name: ew.OriginalFile, Method: zip.Store, Modified: wo.Start})
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				return err
			}
		case !errors.Is(err, errNotFound):
			return err
		}
		doc.Workouts = append(doc.Workouts, ew)
		cw.Write(workoutCSVRow(ew.Workout))
	}
	cw.Flush()
	if f, err := zw.Create("workouts.csv"); err != nil {
		return err
	} else if _, err := f.Write(sheet.Bytes()); err != nil {
		return err
	}
	if doc.Templates, err = templatesByID(ctx, tx, u.ID); err != nil {
		return err
	}
	if doc.Goals, err = goalsOf(ctx, tx, u.ID); err != nil {
		return err
	}
	if doc.Weights, err = allWeightsOf(ctx, tx, u.ID); err != nil {
		return err
	}
	games, err := gamesOwnedBy(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	for _, g := range games {
		events, err := gameEvents(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		doc.Games = append(doc.Games, exportedGame(g, events))
	}
	if doc.Gear, err = gearOf(ctx, tx, u.ID); err != nil {
		return err
	}
	if doc.Athlete, err = settingHistory(ctx, tx, u.ID); err != nil {
		return err
	}
	if err := zipJSON(zw, exportDocName, doc); err != nil {
		return err
	}
	return zw.Close()
}

func zipJSON(zw *zip.Writer, name string, v any) error {
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	return json.NewEncoder(f).Encode(v)
}

func (s *server) export(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := fmt.Sprintf("fitcast-%s-%s.zip", keyFromName(p.User.Username), s.now().In(userLocation(p.User)).Format("2006-01-02"))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := s.store.writeExport(r.Context(), p.User, w); err != nil {
		// The status is sent; cutting the body short makes the download
		// fail rather than end in a broken archive that looks whole.
		s.log.Error("export failed", "user", p.User.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// ---- Restore ----------------------------------------------------------------

// restore imports an export of fitcast's own. Into an empty account it
// recreates the exported one exactly; into one with data it adds what is
// missing: a workout of the same sport and start, a weigh-in at the same
// time, a goal or template of the same name and a game with the same id
// are taken to be there already. Each workout and game is written in its
// own transaction, so what is restored is whole.
func (im *importer) restore(ctx context.Context, name string, zr *zip.Reader, docEntry *zip.File) importResult {
	res := importResult{Name: name, Status: "failed"}
	var doc exportDoc
	if err := readZipJSON(docEntry, im.limits.MaxArchive, &doc); err != nil {
		res.Reason = err.Error()
		return res
	}
	if doc.Format != exportFormat || doc.Version < 1 || doc.Version > exportVersion {
		res.Reason = fmt.Sprintf("not a fitcast export this version can read (format %q, version %d)", doc.Format, doc.Version)
		return res
	}
	entries := map[string]*zip.File{}
	for _, e := range zr.File {
		entries[e.Name] = e
	}
	st := im.store
	uid := im.user.ID
	var failed []string
	if err := st.restoreAccount(ctx, im.user, doc); err != nil {
		res.Reason = "settings, sports, exercises, goals, templates or weigh-ins: " + errorMessage(err)
		return res
	}
	gearIDs, err := st.restoreGear(ctx, uid, doc.Gear)
	if err != nil {
		res.Reason = "gear: " + errorMessage(err)
		return res
	}
	if err := st.restoreAthleteSettings(ctx, uid, doc.Athlete); err != nil {
		res.Reason = "athlete settings: " + errorMessage(err)
		return res
	}
	now := st.now()
	for _, ew := range doc.Workouts {
		ew.Gear = mapGear(ew.Gear, gearIDs)
		if ctx.Err() != nil {
			failed = append(failed, "the rest: the server stopped; import the archive again to finish")
			break
		}
		id, dup, err := im.restoreWorkout(ctx, ew, entries, now)
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("workout %s: %s", ew.Start.Format(time.RFC3339), errorMessage(err)))
		case dup:
			res.Duplicates++
		default:
			res.Workouts = append(res.Workouts, id)
		}
	}
	games := 0
	for _, g := range doc.Games {
		added, err := st.restoreGame(ctx, uid, g)
		if err != nil {
			failed = append(failed, fmt.Sprintf("game %s v %s: %s", g.Home, g.Away, errorMessage(err)))
		} else if added {
			games++
		}
	}
	res.Status = "imported"
	res.Reason = fmt.Sprintf("restored %d workouts (%d were here already) and %d games; goals, weigh-ins and templates not here yet from the archive's %d, %d and %d",
		len(res.Workouts), res.Duplicates, games, len(doc.Goals), len(doc.Weights), len(doc.Templates))
	if len(failed) > 0 {
		res.Status = "failed"
		res.Reason += "; not restored: " + strings.Join(failed, "; ")
	}
	return res
}

func readZipJSON(e *zip.File, max int64, v any) error {
	if e.UncompressedSize64 > uint64(max) {
		return fmt.Errorf("%s is larger than %d MB", e.Name, max>>20)
	}
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, max)).Decode(v); err != nil {
		return fmt.Errorf("%s: %v", e.Name, err)
	}
	return nil
}

// restoreWorkout restores one workout with its sets, samples and original
// file, under its own id unless another user's workout has it.
func (im *importer) restoreWorkout(ctx context.Context, ew exportWorkout, entries map[string]*zip.File, now time.Time) (string, bool, error) {
	a := activity{Format: "restore"}
	raw, _ := json.Marshal(ew.Workout)
	var in workoutInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return "", false, err
	}
	w, err := in.validate(now)
	if err != nil {
		return "", false, err
	}
	a.Workout = w
	a.ID, a.CreatedAt, a.UpdatedAt, a.ShareMap = ew.ID, ew.CreatedAt, ew.UpdatedAt, ew.ShareMap
	a.Gear = ew.Gear // mapped to this account's gear by restore; empty, not nil, for none
	if ew.SamplesFile != "" {
		e := entries[ew.SamplesFile]
		if e == nil {
			return "", false, fmt.Errorf("%s is missing from the archive", ew.SamplesFile)
		}
		var cols sampleColumns
		if err := readZipJSON(e, im.limits.MaxFile, &cols); err != nil {
			return "", false, err
		}
		if a.Samples, err = cols.samples(); err != nil {
			return "", false, err
		}
		if err := checkSamples(a.Samples, maxImportSamples); err != nil {
			return "", false, err
		}
	}
	var orig *importOriginal
	if ew.OriginalFile != "" {
		e := entries[ew.OriginalFile]
		if e == nil || e.UncompressedSize64 > uint64(im.limits.MaxFile) {
			return "", false, fmt.Errorf("%s is missing from the archive or too large", ew.OriginalFile)
		}
		rc, err := e.Open()
		if err != nil {
			return "", false, err
		}
		data, err := io.ReadAll(io.LimitReader(rc, im.limits.MaxFile))
		rc.Close()
		if err != nil {
			return "", false, err
		}
		orig = &importOriginal{Name: path.Base(ew.OriginalFile), Data: data}
	}
	return im.store.SaveActivity(ctx, im.user.ID, a, orig)
}

// downloadTrack serves a workout rendered by one of the writers.
func (s *server) downloadTrack(ext, contentType string, render func(Workout, []Sample) ([]byte, error)) userHandler {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		wo, err := s.store.Workout(r.Context(), p.User.ID, r.PathValue("id"))
		if err != nil {
			return err
		}
		samples, err := s.store.Samples(r.Context(), wo.ID)
		if err != nil {
			return err
		}
		data, err := render(wo, samples)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s-%s.%s", wo.Start.In(userLocation(p.User)).Format("2006-01-02-1504"), wo.Sport, ext)
		return writeDownload(w, name, contentType, data)
	}
}
