// Package runstate owns the layout of the directory where hotpass keeps its
// state, so that the engine, the run history and every command agree on
// where a run's files are:
//
//	<home>/                  $HOTPASS_HOME, else .hotpass in the working directory
//	  hotpass.db             SQLite run history (unless $HOTPASS_DATABASE_URL is set)
//	  review.key             the review desk's secret for pair ids (mode 0600)
//	  runs/<run-id>/         one directory per run
//	    run.json             the run record
//	    resume.json          what a later run needs to resume this one
//	    logs/<task>.log      each task's log
//	    <task>.parquet       a task's output table, kept for resuming
//
// Files in it are written with the project's one atomic writer,
// [atomicfile.WriteFile]: committed files get [FileMode] less the process's
// umask (0644 under the usual umask 022), directories 0755 less umask.
package runstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

const (
	// EnvHome names the environment variable that moves the state
	// directory.
	EnvHome = "HOTPASS_HOME"
	// EnvDatabaseURL names the environment variable that points hotpass at
	// a PostgreSQL database instead of the SQLite file in the state
	// directory.
	EnvDatabaseURL = "HOTPASS_DATABASE_URL"
	// DefaultHome is the state directory when none is configured, relative
	// to the working directory.
	DefaultHome = ".hotpass"
	// DatabaseFile is the SQLite run history inside the state directory.
	DatabaseFile = "hotpass.db"
	// ReviewKeyFile holds the review desk's secret for pair ids inside
	// the state directory; unlike the other files it is mode 0600.
	ReviewKeyFile = "review.key"
	// RunsDir holds one directory per run inside the state directory.
	RunsDir = "runs"
	// RecordFile is the run record inside a run directory.
	RecordFile = "run.json"
	// ResumeFile is the resume information inside a run directory.
	ResumeFile = "resume.json"
	// LogsDir holds the task logs inside a run directory.
	LogsDir = "logs"
	// DefaultDatabase is the SQLite run history of the default state
	// directory.
	DefaultDatabase = DefaultHome + "/" + DatabaseFile
)

// FileMode is the permission of every file written into the state
// directory, less the process's umask.
const FileMode = atomicfile.Mode

// dirMode is the permission of the directories runstate creates, less the
// process's umask.
const dirMode os.FileMode = 0o755

// Home returns the state directory the user configured: $HOTPASS_HOME when
// set, else DefaultHome.
func Home() string {
	if h := os.Getenv(EnvHome); h != "" {
		return h
	}
	return DefaultHome
}

// DatabaseTarget returns where the run history of the state directory home
// lives: $HOTPASS_DATABASE_URL when set, else the SQLite file in home
// (DefaultHome when home is empty).
func DatabaseTarget(home string) string {
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		return u
	}
	return New(home).Database()
}

// Layout names the paths inside one state directory. The zero value is the
// default state directory.
type Layout struct {
	home string
}

// New returns the layout of the state directory home; an empty home means
// DefaultHome (not $HOTPASS_HOME: callers that honour the environment pass
// Home()).
func New(home string) Layout {
	if home == "" {
		home = DefaultHome
	}
	return Layout{home: home}
}

// OfRun returns the layout of the state directory that holds the run
// directory runDir.
func OfRun(runDir string) Layout {
	return New(filepath.Dir(filepath.Dir(runDir)))
}

// Home returns the state directory.
func (l Layout) Home() string {
	if l.home == "" {
		return DefaultHome
	}
	return l.home
}

// Database returns the path of the SQLite run history.
func (l Layout) Database() string { return filepath.Join(l.Home(), DatabaseFile) }

// ReviewKey returns the path of the review desk's pair id secret.
func (l Layout) ReviewKey() string { return filepath.Join(l.Home(), ReviewKeyFile) }

// Runs returns the directory that holds the run directories.
func (l Layout) Runs() string { return filepath.Join(l.Home(), RunsDir) }

// Run returns the directory of run id.
func (l Layout) Run(id string) string { return filepath.Join(l.Home(), RunsDir, id) }

// Record returns the path of run id's record.
func (l Layout) Record(id string) string { return RecordPath(l.Run(id)) }

// RecordPath returns the path of the run record in the run directory runDir.
func RecordPath(runDir string) string { return filepath.Join(runDir, RecordFile) }

// ResumePath returns the path of the resume information in runDir.
func ResumePath(runDir string) string { return filepath.Join(runDir, ResumeFile) }

// LogsPath returns the directory of the task logs in runDir.
func LogsPath(runDir string) string { return filepath.Join(runDir, LogsDir) }

// LogFileName maps a task id to its log file name. Ids are plain in
// practice; anything that could escape the logs directory or trouble a
// file system is replaced by '_'.
func LogFileName(id string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, id)
	if clean == "" || strings.Trim(clean, ".") == "" {
		clean = "_" + clean
	}
	return clean + ".log"
}

// TaskLog returns the log file of task id relative to its run directory,
// the form run.json records.
func TaskLog(id string) string { return filepath.Join(LogsDir, LogFileName(id)) }

// TaskOutput returns where task id keeps its output table in runDir, so
// that a resumed run can reload it.
func TaskOutput(runDir, id string) string { return filepath.Join(runDir, id+".parquet") }

// OpenInRun opens the file rel names inside the run directory runDir for
// reading. It goes through an os.Root, so neither rel nor a symlink on its
// way may lead out of the run directory: whoever can write a run directory
// could otherwise plant logs/x.log -> /etc/passwd and have it printed. A
// file that does not exist gives an error wrapping fs.ErrNotExist.
func OpenInRun(runDir, rel string) (*os.File, error) {
	root, err := os.OpenRoot(runDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%s: %w (a run's files are read only from inside its run directory %s: replace the symlink that leads out of it with the file itself)",
			filepath.Join(runDir, rel), err, runDir)
	}
	return f, err
}

// MakeHome creates the state directory if it does not exist.
func (l Layout) MakeHome() error {
	if err := os.MkdirAll(l.Home(), dirMode); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	return nil
}

// MakeRun creates the directory of a new run id with its logs directory
// and returns the run directory. A run directory that exists already is an
// error: run ids are never reused.
func (l Layout) MakeRun(id string) (string, error) {
	runs := l.Runs()
	if err := os.MkdirAll(runs, dirMode); err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	dir := filepath.Join(runs, id)
	if err := os.Mkdir(dir, dirMode); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("run %s already exists in %s: choose another run id", id, runs)
		}
		return "", fmt.Errorf("create run directory: %w", err)
	}
	if err := os.Mkdir(LogsPath(dir), dirMode); err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	return dir, nil
}

// RunExists reports whether run id has a directory (or anything else at
// its path).
func (l Layout) RunExists(id string) bool {
	_, err := os.Lstat(l.Run(id))
	return !errors.Is(err, os.ErrNotExist)
}
