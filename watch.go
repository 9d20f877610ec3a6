package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultWatchInterval is how often watched folders are looked at. A file
// is imported once it has looked the same (size and modification time)
// twice in a row, so a file still being written waits. Folders are polled
// rather than watched with inotify: the folders people sync into are often
// network shares (NFS, SMB) where no change events arrive, and a look at
// even 10,000 files costs about 0.1 s of CPU (docs/benchmarks.md).
const DefaultWatchInterval = 10 * time.Second

// maxWatchEntries bounds the entries one look at a folder walks, so that
// a folder holding a whole disk cannot stall the server.
const maxWatchEntries = 100_000

// watchSpec is one -watch NAME=DIR: files that appear in Dir are imported
// into the account User.
type watchSpec struct {
	User string
	Dir  string
}

// parseWatch reads NAME=DIR.
func parseWatch(v string) (watchSpec, error) {
	name, dir, ok := strings.Cut(v, "=")
	if !ok || dir == "" {
		return watchSpec{}, fmt.Errorf("%q: want NAME=DIR, the account and the folder to import into it", v)
	}
	if !usernamePattern.MatchString(name) {
		return watchSpec{}, fmt.Errorf("%q: %q is not an account name", v, name)
	}
	return watchSpec{User: name, Dir: dir}, nil
}

// fileStamp is what tells a file's versions apart without reading it.
type fileStamp struct {
	size  int64
	mtime int64 // unix ms
}

// folderWatcher imports the new files of one watched folder.
type folderWatcher struct {
	s    *server
	spec watchSpec
	root string // the folder, absolute, with symlinks resolved

	mu      sync.Mutex           // one look at a time
	pending map[string]fileStamp // files seen once, waiting to look the same again
	warned  bool                 // the missing account has been logged
}

// newFolderWatcher checks that the folder exists and is a folder.
func newFolderWatcher(s *server, spec watchSpec) (*folderWatcher, error) {
	abs, err := filepath.Abs(spec.Dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("-watch %s=%s: %w", spec.User, spec.Dir, err)
	}
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("-watch %s=%s: not a folder", spec.User, spec.Dir)
	}
	return &folderWatcher{s: s, spec: spec, root: abs, pending: map[string]fileStamp{}}, nil
}

// startWatchers looks at every watched folder now and then every
// interval, until the server closes.
func (s *server) startWatchers() error {
	for _, spec := range s.cfg.Watch {
		w, err := newFolderWatcher(s, spec)
		if err != nil {
			return err
		}
		s.watchers = append(s.watchers, w)
	}
	if s.cfg.WatchInterval <= 0 {
		return nil // tests look when they choose
	}
	jobs := s.imports
	for _, w := range s.watchers {
		jobs.wg.Add(1)
		go func() {
			defer jobs.wg.Done()
			t := time.NewTicker(s.cfg.WatchInterval)
			defer t.Stop()
			for {
				if _, err := w.poll(jobs.ctx); err != nil && jobs.ctx.Err() == nil {
					s.log.Warn("watched folder", "dir", w.spec.Dir, "err", err)
				}
				select {
				case <-jobs.ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	return nil
}

// watchedFile is a file found in a look at the folder.
type watchedFile struct {
	rel    string // slash-separated, relative to the folder
	path   string // where to read it
	stamp  fileStamp
	refuse string
}

// poll looks at the folder once and imports the files that are new and
// have stopped changing, as one import listed on the account's import
// page. A file is imported or refused once: it is remembered by its path,
// size and modification time, and looked at again only when it changes.
// It answers with the import, or nil when there was nothing to import.
func (w *folderWatcher) poll(ctx context.Context) (*importSummary, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.s
	u, err := s.store.UserByName(ctx, w.spec.User)
	if errors.Is(err, errNotFound) {
		if !w.warned {
			s.log.Warn("watched folder waits for its account", "dir", w.spec.Dir, "user", w.spec.User)
			w.warned = true
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	found, err := w.scan()
	if err != nil {
		return nil, err
	}
	known, err := w.known(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var ready []watchedFile
	seen := map[string]bool{}
	for _, f := range found {
		seen[f.rel] = true
		if st, ok := known[f.rel]; ok && st == f.stamp {
			delete(w.pending, f.rel)
			continue
		}
		if f.refuse == "" && w.pending[f.rel] != f.stamp {
			w.pending[f.rel] = f.stamp // new or still changing: look again next time
			continue
		}
		delete(w.pending, f.rel)
		ready = append(ready, f)
	}
	for rel := range w.pending {
		if !seen[rel] {
			delete(w.pending, rel) // gone before it settled
		}
	}
	if len(ready) == 0 {
		return nil, nil
	}
	return w.importFiles(ctx, u, ready)
}

// scan walks the folder. Hidden files and folders, and the names that
// sync tools and browsers give files they are still writing, are skipped.
// Symlinks that lead outside the folder, and anything that is not a
// regular file (a device, a pipe, a socket), are refused unread.
func (w *folderWatcher) scan() ([]watchedFile, error) {
	var files []watchedFile
	entries := 0
	err := filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.root {
				return err
			}
			return nil // an unreadable subfolder; the rest still counts
		}
		if entries++; entries > maxWatchEntries {
			return fs.SkipAll
		}
		name := d.Name()
		if d.IsDir() {
			if p != w.root && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if partialName(name) {
			return nil
		}
		rel, err := filepath.Rel(w.root, p)
		if err != nil {
			return nil
		}
		f := watchedFile{rel: filepath.ToSlash(rel), path: p}
		info, err := os.Lstat(p)
		if err != nil {
			return nil // gone since the walk listed it
		}
		f.stamp = fileStamp{size: info.Size(), mtime: info.ModTime().UnixMilli()}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			switch {
			case err != nil:
				f.refuse = "a symlink that leads nowhere"
			case !insideFolder(w.root, target):
				f.refuse = "a symlink leading outside the watched folder"
			default:
				if info, err = os.Stat(target); err != nil {
					return nil
				}
				if info.IsDir() {
					return nil // links to folders are not followed
				}
				f.path = target
				f.stamp = fileStamp{size: info.Size(), mtime: info.ModTime().UnixMilli()}
			}
		}
		if f.refuse == "" && !info.Mode().IsRegular() {
			f.refuse = "not a regular file (a device, pipe or socket)"
		}
		files = append(files, f)
		return nil
	})
	return files, err
}

// partialName tells the files that are still being written by their
// names: hidden files (Syncthing's .syncthing.*.tmp), and the suffixes of
// downloads and editors.
func partialName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return true
	}
	for _, suffix := range []string{".tmp", ".part", ".partial", ".crdownload", ".download", ".syncthing", ".!sync"} {
		if strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	return false
}

// insideFolder reports whether path (with symlinks resolved) is inside
// root.
func insideFolder(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && filepath.IsLocal(rel)
}

// known reads the files of this folder already imported or refused.
func (w *folderWatcher) known(ctx context.Context, userID int64) (map[string]fileStamp, error) {
	return w.s.store.WatchedFiles(ctx, userID, w.root)
}

// importFiles imports ready files through the importer (which bounds
// each file, archive and decompression), as one import, and remembers
// each file. Refused files are listed as failed without being opened.
func (w *folderWatcher) importFiles(ctx context.Context, u User, files []watchedFile) (*importSummary, error) {
	s := w.s
	jobs := s.imports
	select { // one import at a time, with the uploads of the import page
	case jobs.slot <- struct{}{}:
		defer func() { <-jobs.slot }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	sum, err := s.newImport(ctx, u.ID, "running")
	if err != nil {
		return nil, err
	}
	var refused []importResult
	var sources []importSource
	for _, f := range files {
		if f.refuse != "" {
			refused = append(refused, importResult{Name: f.rel, Status: "failed", Reason: f.refuse})
			continue
		}
		sources = append(sources, importSource{Name: f.rel, Path: f.path})
	}
	// The importer counts the files it reads; the refused ones are added
	// to what it reports.
	withRefused := func(p importSummary) importSummary {
		p.Results = append(append([]importResult{}, refused...), p.Results...)
		p.Total += len(refused)
		p.Done += len(refused)
		p.Failed += len(refused)
		return p
	}
	im := &importer{store: s.store, user: u, limits: s.importLimits(), progress: func(p importSummary) {
		if err := s.store.saveImport(context.WithoutCancel(ctx), u.ID, withRefused(p)); err != nil {
			s.log.Warn("recording import progress", "import", p.ID, "err", err)
		}
	}}
	im.run(ctx, &sum, sources)
	sum = withRefused(sum)
	if sum.Status == "interrupted" {
		return &sum, nil // the files not read are looked at again next time
	}
	records := make([]watchedRecord, 0, len(files))
	for _, f := range files {
		records = append(records, watchedRecord{path: f.rel, stamp: f.stamp, status: watchedStatus(sum, f)})
	}
	err = s.store.RecordWatchedFiles(context.WithoutCancel(ctx), u.ID, w.root, sum.ID, records)
	s.log.Info("watched folder imported", "dir", w.spec.Dir, "user", u.Username, "import", sum.ID,
		"imported", sum.Imported, "duplicates", sum.Duplicates, "failed", sum.Failed)
	return &sum, err
}

// watchedStatus is what became of a file, for the record: its result, or
// "imported" for an archive, whose results are its entries'.
func watchedStatus(sum importSummary, f watchedFile) string {
	for _, r := range sum.Results {
		if r.Name == f.rel {
			return r.Status
		}
	}
	return "imported"
}
