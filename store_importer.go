package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
)

// importOriginal is the file an activity came from, kept so the user can
// download exactly what they uploaded.
type importOriginal struct {
	Name string
	Data []byte // as uploaded: gzipped or not
}

// importFileKey names the file of a background import that an activity
// comes from. The importer puts it in the context it saves with (see
// withImportFile), so that SaveActivity records the file's result in the
// same transaction as its workout.
type importFileKey struct{}

type importFileRef struct {
	importID int64
	seq      int
	name     string
}

// withImportFile marks ctx as importing file seq (named name) of import
// importID. Without it (the import command, a restore) nothing is
// recorded per file.
func withImportFile(ctx context.Context, importID int64, seq int, name string) context.Context {
	if importID == 0 {
		return ctx
	}
	return context.WithValue(ctx, importFileKey{}, importFileRef{importID, seq, name})
}

// recordImportFile adds a stored workout (or, with dup, a duplicate) to
// its file's row in import_files, inside the transaction that stores it.
func recordImportFile(ctx context.Context, tx *Tx, id string, dup bool) error {
	ref, ok := ctx.Value(importFileKey{}).(importFileRef)
	if !ok {
		return nil
	}
	if dup {
		_, err := tx.Exec(`INSERT INTO import_files (import_id, seq, name, duplicates) VALUES (?, ?, ?, 1)
			ON CONFLICT (import_id, seq) DO UPDATE SET duplicates = duplicates + 1`, ref.importID, ref.seq, ref.name)
		return err
	}
	_, err := tx.Exec(`INSERT INTO import_files (import_id, seq, name, workouts) VALUES (?, ?, ?, json_array(?))
		ON CONFLICT (import_id, seq) DO UPDATE SET workouts = json_insert(workouts, '$[#]', ?)`, ref.importID, ref.seq, ref.name, id, id)
	return err
}

// recoverImportResults completes the results of imports a crash left
// unfinished: files whose workouts committed after the import's last
// saved progress are added from import_files, and the counts follow.
// It runs at start, before those imports are marked interrupted.
func recoverImportResults(tx *Tx) error {
	rows, err := tx.Query("SELECT id, results FROM imports WHERE status IN ('queued', 'running')")
	if err != nil {
		return err
	}
	type unfinished struct {
		id      int64
		results []importResult
	}
	var list []unfinished
	for rows.Next() {
		var u unfinished
		var raw string
		if err := rows.Scan(&u.id, &raw); err != nil {
			rows.Close()
			return err
		}
		json.Unmarshal([]byte(raw), &u.results)
		list = append(list, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range list {
		files, err := tx.Query("SELECT seq, name, workouts, duplicates FROM import_files WHERE import_id = ? AND seq >= ? ORDER BY seq", u.id, len(u.results))
		if err != nil {
			return err
		}
		added := false
		for files.Next() {
			var seq, dups int
			var name, workouts string
			if err := files.Scan(&seq, &name, &workouts, &dups); err != nil {
				files.Close()
				return err
			}
			res := importResult{Name: name, Status: "imported", Duplicates: dups,
				Reason: "the server stopped during this file; what it had stored is kept"}
			json.Unmarshal([]byte(workouts), &res.Workouts)
			if len(res.Workouts) == 0 {
				res.Status = "duplicate"
			}
			u.results = append(u.results, res)
			added = true
		}
		files.Close()
		if !added {
			continue
		}
		var imported, duplicates, failed int
		for _, r := range u.results {
			imported += len(r.Workouts)
			duplicates += r.Duplicates
			if r.Status == "failed" {
				failed++
			}
		}
		raw, _ := json.Marshal(u.results)
		if _, err := tx.Exec("UPDATE imports SET done = ?, imported = ?, duplicates = ?, failed = ?, results = ? WHERE id = ?",
			len(u.results), imported, duplicates, failed, string(raw), u.id); err != nil {
			return err
		}
	}
	return nil
}

// SaveActivity stores an imported activity as a new workout with its sets,
// samples and original file, all in one transaction. A workout of the same
// sport starting within a second of it is taken for the same activity
// imported before: nothing is written and dup is true. A restored workout
// brings its id (kept unless another workout has it), its creation and
// update times and its map-sharing choice.
func (s *Store) SaveActivity(ctx context.Context, userID int64, a activity, orig *importOriginal) (id string, dup bool, err error) {
	var stored []byte
	if orig != nil {
		if stored, err = gzipped(orig.Data); err != nil {
			return "", false, err
		}
	}
	err = s.Write(ctx, func(tx *Tx) error {
		dup = false
		id = a.ID
		var taken int
		if id != "" {
			tx.QueryRow("SELECT count(*) FROM workouts WHERE id = ?", id).Scan(&taken)
		}
		if id == "" || taken > 0 {
			id = uuid.NewString()
		}
		var n int
		start := ms(a.Start)
		if err := tx.QueryRow("SELECT count(*) FROM workouts WHERE user_id = ? AND sport = ? AND start_at BETWEEN ? AND ?",
			userID, a.Sport, start-999, start+999).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			dup = true
			return recordImportFile(ctx, tx, "", true)
		}
		for i := range a.Sets {
			key, err := s.resolveExercise(ctx, tx, userID, a.Sets[i].Exercise)
			if err != nil {
				return err
			}
			a.Sets[i].Exercise = key
		}
		a.ID = id
		if err := s.checkCatalog(ctx, tx, userID, a.Workout); err != nil {
			return err
		}
		if err := insertWorkout(tx, userID, a.Workout, ms(s.now())); err != nil {
			return err
		}
		if !a.CreatedAt.IsZero() {
			if _, err := tx.Exec("UPDATE workouts SET created_at = ?, updated_at = ?, share_map = ? WHERE id = ?",
				ms(a.CreatedAt), ms(a.UpdatedAt), a.ShareMap, id); err != nil {
				return err
			}
		}
		if err := insertSets(tx, userID, id, a.Sets); err != nil {
			return err
		}
		if len(a.Samples) > 0 {
			if err := insertSamples(tx, id, a.Samples); err != nil {
				return err
			}
			if err := s.refreshEfforts(tx, userID, id, a.Sport); err != nil {
				return err
			}
		}
		if err := setWorkoutGear(tx, userID, id, a.Sport, a.Start, a.Gear); err != nil {
			return err
		}
		if err := s.refreshTraining(tx, userID, id); err != nil {
			return err
		}
		if orig != nil {
			if err := insertOriginal(tx, id, orig.Name, stored); err != nil {
				return err
			}
		}
		return recordImportFile(ctx, tx, id, false)
	})
	return id, dup, err
}

// gzipped compresses data for storage, unless it is gzipped already.
func gzipped(data []byte) ([]byte, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		return data, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	err := zw.Close()
	return buf.Bytes(), err
}

// insertOriginal keeps a workout's original file. data is gzipped: a name
// ending in .gz was uploaded that way and is served as stored, any other
// is served decompressed.
func insertOriginal(tx *Tx, workoutID, name string, data []byte) error {
	_, err := tx.Exec("INSERT OR REPLACE INTO workout_files (workout_id, name, data) VALUES (?, ?, ?)", workoutID, name, data)
	return err
}

// originalBytes is a stored original as it was uploaded (see
// insertOriginal).
func originalBytes(name string, data []byte) ([]byte, error) {
	if strings.HasSuffix(strings.ToLower(name), ".gz") {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Original reads a workout's original file as it was uploaded.
func (s *Store) Original(ctx context.Context, userID int64, workoutID string) (name string, data []byte, err error) {
	err = s.reader.QueryRowContext(ctx, `SELECT f.name, f.data FROM workout_files f JOIN workouts w ON w.id = f.workout_id
		WHERE f.workout_id = ? AND w.user_id = ?`, workoutID, userID).Scan(&name, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, errNotFound
	}
	if err != nil {
		return "", nil, err
	}
	data, err = originalBytes(name, data)
	return name, data, err
}

// resolveExercise finds the user's exercise for a name another app used
// ("Bench Press (Barbell)", "Lateral raise"): a key or name already known,
// the name without its parenthesised equipment, or else a new exercise of
// the user's with that name.
func (s *Store) resolveExercise(ctx context.Context, tx *Tx, userID int64, name string) (string, error) {
	name = strings.TrimSpace(name)
	candidates := []string{name, keyFromName(name)}
	if i := strings.Index(name, "("); i > 0 {
		candidates = append(candidates, keyFromName(name[:i]))
	}
	for _, c := range candidates {
		if !keyPattern.MatchString(c) {
			continue
		}
		if ok, err := exerciseKnown(ctx, tx, userID, c); err != nil || ok {
			return c, err
		}
	}
	var key string
	err := tx.QueryRow(`SELECT key FROM custom_exercises WHERE user_id = ? AND name = ? COLLATE NOCASE`, userID, name).Scan(&key)
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	for _, ex := range builtinExercises {
		if strings.EqualFold(ex.Name, name) {
			return ex.Key, nil
		}
	}
	label, err := validateLabel("exercise", name)
	if err != nil {
		return "", err
	}
	key = keyFromName(label)
	if !keyPattern.MatchString(key) {
		return "", invalidField("exercise", "%q needs at least one letter or digit", name)
	}
	_, err = tx.Exec("INSERT INTO custom_exercises (user_id, key, name) VALUES (?, ?, ?)", userID, key, label)
	return key, err
}

func scanImport(row rowScanner) (importSummary, error) {
	var sum importSummary
	var results string
	var created int64
	var finished *int64
	err := row.Scan(&sum.ID, &sum.Status, &sum.Total, &sum.Done, &sum.Imported, &sum.Duplicates, &sum.Failed, &results, &created, &finished)
	if err != nil {
		return sum, err
	}
	sum.CreatedAt = fromMS(created)
	if finished != nil {
		t := fromMS(*finished)
		sum.FinishedAt = &t
	}
	err = json.Unmarshal([]byte(results), &sum.Results)
	return sum, err
}

const importColumns = "id, status, total, done, imported, duplicates, failed, results, created_at, finished_at"

// saveImport records an import's progress and tells the user's screens,
// in one write.
func (s *Store) saveImport(ctx context.Context, userID int64, sum importSummary) error {
	results, _ := json.Marshal(sum.Results)
	var finished any
	if sum.FinishedAt != nil {
		finished = ms(*sum.FinishedAt)
	}
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`UPDATE imports SET status = ?, total = ?, done = ?, imported = ?, duplicates = ?, failed = ?, results = ?, finished_at = ?
			WHERE id = ? AND user_id = ?`, sum.Status, sum.Total, sum.Done, sum.Imported, sum.Duplicates, sum.Failed, string(results), finished,
			sum.ID, userID); err != nil {
			return err
		}
		event := map[string]any{"type": EventImportProgress, "id": sum.ID, "status": sum.Status, "total": sum.Total, "done": sum.Done,
			"imported": sum.Imported, "duplicates": sum.Duplicates, "failed": sum.Failed}
		return s.PublishEvent(tx, userTopic(userID), event)
	})
}

// interruptImports marks imports a previous run left unfinished, and
// removes the uploads it left behind.
func (s *Store) interruptImports() error {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(s.path), ".fitcast-import-*"))
	for _, dir := range stale {
		os.RemoveAll(dir)
	}
	return s.Write(context.Background(), func(tx *Tx) error {
		if err := recoverImportResults(tx); err != nil {
			return err
		}
		_, err := tx.Exec("UPDATE imports SET status = 'interrupted' WHERE status IN ('queued', 'running')")
		return err
	})
}

// CreateImport records an import that is about to run and returns its id.
func (s *Store) CreateImport(ctx context.Context, userID int64, status string, createdAt time.Time) (int64, error) {
	var id int64
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("INSERT INTO imports (user_id, status, created_at) VALUES (?, ?, ?)", userID, status, ms(createdAt))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	return id, err
}

// Imports lists the user's last 20 imports, newest first.
func (s *Store) Imports(ctx context.Context, userID int64) ([]importSummary, error) {
	return queryList(ctx, s.reader, "SELECT "+importColumns+" FROM imports WHERE user_id = ? ORDER BY id DESC LIMIT 20", []any{userID}, scanImport)
}

// Import reads one of the user's imports.
func (s *Store) Import(ctx context.Context, userID int64, id string) (importSummary, error) {
	sum, err := scanImport(s.reader.QueryRowContext(ctx, "SELECT "+importColumns+" FROM imports WHERE id = ? AND user_id = ?", id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return sum, errNotFound
	}
	return sum, err
}
