package store

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds one directory of numbered SQL files per dialect:
// migrations/<dialect>/<version>_<name>.sql. A file, once released, is never
// edited: schema changes go in a new file with the next version.
//
//go:embed migrations
var migrationFS embed.FS

// migration is one embedded schema step.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// loadMigrations returns the dialect's migrations in version order.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations %s: %w", dir, err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("embedded migration %s/%s: name must be <version>_<name>.sql with version ≥ 1", dir, name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read embedded migration %s/%s: %w", dir, name, err)
		}
		ms = append(ms, migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := range ms {
		if ms[i].Version != i+1 {
			return nil, fmt.Errorf("embedded migrations %s: version %d follows %d; versions must run 1, 2, 3, … without gaps", dir, ms[i].Version, i)
		}
	}
	return ms, nil
}

// latestVersion is the schema version the migrations lead to.
func latestVersion(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// newerSchemaError explains that db was migrated by a newer hotpass.
func newerSchemaError(db string, have, known int) error {
	return fmt.Errorf("%w: %s is at schema version %d but this hotpass knows versions up to %d; upgrade hotpass to use this database",
		ErrNewerSchema, db, have, known)
}
