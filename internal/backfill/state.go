package backfill

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// StateFile is the name of the state file in the restore root.
const StateFile = "backfill-state.json"

// stateVersion is the format version of the state file.
const stateVersion = 1

// Entry is the last outcome of one (date, version), as kept in the state
// file.
type Entry struct {
	Date    string `json:"date"`
	Version string `json:"version"`
	Archive string `json:"archive"`
	// ArchiveSHA256 is the hex digest of the archive the run used; a run
	// that succeeded is only skipped for the same archive.
	ArchiveSHA256 string    `json:"archive_sha256"`
	Status        Status    `json:"status"`
	RunID         string    `json:"run_id,omitempty"`
	Records       int64     `json:"records"`
	FinishedAt    time.Time `json:"finished_at"`
	Error         string    `json:"error,omitempty"`
}

type stateDoc struct {
	Version int              `json:"version"`
	Runs    map[string]Entry `json:"runs"`
}

// State is the state file of a restore root: the outcome of every
// (date, version) run so far. It is safe for concurrent use within a
// process; each write re-reads the file and merges, so that two processes
// backfilling different dates into one restore root keep each other's
// entries.
type State struct {
	path string
	mu   sync.Mutex
	runs map[string]Entry
}

// OpenState reads the state file of restoreRoot; a missing file is an
// empty state.
func OpenState(restoreRoot string) (*State, error) {
	s := &State{path: filepath.Join(restoreRoot, StateFile)}
	runs, err := s.read()
	if err != nil {
		return nil, err
	}
	s.runs = runs
	return s, nil
}

func (s *State) read() (map[string]Entry, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read backfill state: %w", err)
	}
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("read backfill state %s: %w (delete the file to start over; every run will be redone)", s.path, err)
	}
	if doc.Version > stateVersion {
		return nil, fmt.Errorf("backfill state %s has format version %d; this hotpass reads up to %d", s.path, doc.Version, stateVersion)
	}
	if doc.Runs == nil {
		doc.Runs = map[string]Entry{}
	}
	return doc.Runs, nil
}

// Get returns the entry of key (Job.Key).
func (s *State) Get(key string) (Entry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[key]
	return e, ok
}

// Put records e under key and writes the state file atomically.
func (s *State) Put(key string, e Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	onDisk, err := s.read()
	if err != nil {
		return err
	}
	for k, v := range onDisk {
		if _, mine := s.runs[k]; !mine || v.FinishedAt.After(s.runs[k].FinishedAt) {
			s.runs[k] = v
		}
	}
	s.runs[key] = e
	data, err := json.MarshalIndent(stateDoc{Version: stateVersion, Runs: s.runs}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode backfill state: %w", err)
	}
	return atomicfile.WriteFile(s.path, append(data, '\n'))
}
