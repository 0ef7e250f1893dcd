package datasource

import (
	"context"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/pgio"
)

func readPostgres(ctx context.Context, c Config) (*table.Table, error) {
	r, err := pgio.Open(ctx, c.DSN, pgio.ReadOptions{Query: c.Query, Table: c.Table})
	if err != nil {
		return nil, err
	}
	t, err := table.ReadAll(r)
	cerr := r.Close()
	if err != nil {
		return nil, err
	}
	return t, cerr
}

func writePostgres(ctx context.Context, c Config, t *table.Table) error {
	mode := pgio.Mode(c.Mode)
	if mode == "" {
		mode = pgio.Append
	}
	_, err := pgio.WriteTable(ctx, c.DSN, c.Table, t, pgio.WriteOptions{Mode: mode, Key: c.Key})
	return err
}

// IsRetryable reports whether a failed read or write may succeed if tried
// again (connection refused, server starting or overloaded, serialization
// failures).
func IsRetryable(err error) bool { return pgio.IsRetryable(err) }
