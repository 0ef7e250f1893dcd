// Package storetest gives tests a SQLite run-history store that is closed
// when the test ends, so that packages testing against a store share one
// setup instead of each writing their own.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
)

// File is the name Open gives the database in its temporary directory, the
// name the command uses in a state directory too.
const File = "hotpass.db"

// Open opens a new, empty SQLite store in a temporary directory of its own.
func Open(tb testing.TB) *store.SQLiteStore {
	tb.Helper()
	return OpenAt(tb, filepath.Join(tb.TempDir(), File))
}

// OpenAt opens the SQLite store at path, creating it with the current schema
// if it does not exist, with the default options. Any failure ends the test.
func OpenAt(tb testing.TB, path string) *store.SQLiteStore {
	tb.Helper()
	st, err := store.OpenSQLite(context.Background(), path, store.SQLiteOptions{})
	if err != nil {
		tb.Fatalf("open the test store: %v", err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Errorf("close the test store: %v", err)
		}
	})
	return st
}
