package main

import "context"

// WatchedFiles reads the files of a watched folder already imported or
// refused, by their slash-separated path in the folder.
func (s *Store) WatchedFiles(ctx context.Context, userID int64, folder string) (map[string]fileStamp, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT path, size, mtime FROM watched_files WHERE user_id = ? AND folder = ?", userID, folder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	known := map[string]fileStamp{}
	for rows.Next() {
		var rel string
		var st fileStamp
		if err := rows.Scan(&rel, &st.size, &st.mtime); err != nil {
			return nil, err
		}
		known[rel] = st
	}
	return known, rows.Err()
}

// watchedRecord is what became of one file of a watched folder.
type watchedRecord struct {
	path   string // slash-separated, relative to the folder
	stamp  fileStamp
	status string
}

// RecordWatchedFiles remembers what became of files of a watched folder
// in the import importID, in one write.
func (s *Store) RecordWatchedFiles(ctx context.Context, userID int64, folder string, importID int64, files []watchedRecord) error {
	return s.Write(ctx, func(tx *Tx) error {
		for _, f := range files {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO watched_files (user_id, folder, path, size, mtime, status, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				userID, folder, f.path, f.stamp.size, f.stamp.mtime, f.status, importID); err != nil {
				return err
			}
		}
		return nil
	})
}
