package pgio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hotpass/hotpass/internal/table"
)

// Mode says what a write does with the rows already in the table.
type Mode string

// The write modes.
const (
	// Append adds the rows to the table.
	Append Mode = "append"
	// Replace removes every row of the table (TRUNCATE) and loads the new
	// ones, in one transaction: readers see the old rows or the new ones.
	Replace Mode = "replace"
	// Upsert updates the rows whose key is already in the table and inserts
	// the others. It needs WriteOptions.Key and a unique index or
	// constraint on exactly those columns.
	Upsert Mode = "upsert"
)

// WriteOptions configures Write. The zero value appends, creating the table
// if it does not exist.
type WriteOptions struct {
	// Mode is Append (default), Replace or Upsert.
	Mode Mode
	// Key names the columns that identify a row. Upsert requires it; with
	// any mode, a table created by the write gets a primary key on it.
	Key []string
	// NoCreate makes a missing table an error instead of creating it (a
	// spec's create_table: false). A created table has the data's columns
	// in order, typed string → text, int64 → bigint, float64 → double
	// precision, bool → boolean, date → date, timestamp → timestamptz.
	NoCreate bool
}

// copyRowsPerBatch is the batch size WriteTable slices a table into; it
// only bounds how much text is encoded ahead of the server.
const copyRowsPerBatch = 64 * 1024

// WriteTable is Write for an in-memory table.
func WriteTable(ctx context.Context, dsn, tableName string, t *table.Table, opts WriteOptions) (int64, error) {
	return Write(ctx, dsn, tableName, table.NewTableReader(t, copyRowsPerBatch), opts)
}

// Write loads every batch of r into the table tableName ("contacts" or
// "crm.contacts", see ParseTableName) and returns the number of rows
// loaded. It does not close r.
//
// The whole write is one transaction: if anything fails (a value the
// column rejects, a constraint, r returning an error, ctx ending) the table
// is left exactly as it was, including not being created. Rows are loaded
// with COPY in text format, so an existing table's columns may be of any
// type that accepts the values' text (integer, numeric, varchar, uuid,
// jsonb, ...); each data column must exist in the table by its exact name,
// and table columns absent from the data get their default. A value the
// server rejects is reported with its row (1-based, counted over the whole
// stream), its column and the value itself.
//
// Upsert copies the rows into a temporary table, then runs
// INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE SET for the non-key
// columns. Several input rows with the same key are an error.
func Write(ctx context.Context, dsn, tableName string, r table.Reader, opts WriteOptions) (int64, error) {
	schema := r.Schema()
	id, err := ParseTableName(tableName)
	target := tableName
	if err == nil {
		target = id.Sanitize()
		opts, err = checkWrite(schema, opts)
	}
	if err != nil {
		return 0, newScrubber(dsn).newError("write", RedactDSN(dsn), target, "", err)
	}
	sess, err := connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer sess.close()
	w := &write{ctx: ctx, sess: sess, id: id, schema: schema, opts: opts}
	n, err := w.run(r)
	if err != nil {
		return 0, sess.fail("write", target, "", err)
	}
	return n, nil
}

// checkWrite validates opts against the data before anything is sent.
func checkWrite(schema table.Schema, opts WriteOptions) (WriteOptions, error) {
	switch opts.Mode {
	case "":
		opts.Mode = Append
	case Append, Replace, Upsert:
	default:
		return opts, fmt.Errorf("unknown write mode %q: use append, replace or upsert", opts.Mode)
	}
	if schema.Len() == 0 {
		return opts, errors.New("the data has no columns")
	}
	for _, name := range schema.Names() {
		if strings.IndexByte(name, 0) >= 0 {
			return opts, fmt.Errorf("column %q contains a NUL byte, which PostgreSQL names cannot hold: rename it", name)
		}
	}
	if opts.Mode == Upsert && len(opts.Key) == 0 {
		return opts, errors.New("upsert needs key: name the column(s) that identify a row, for example key: [id]")
	}
	seen := make(map[string]bool, len(opts.Key))
	for _, k := range opts.Key {
		if _, ok := schema.Index(k); !ok {
			return opts, fmt.Errorf("key column %q is not in the data (columns: %s)", k, strings.Join(schema.Names(), ", "))
		}
		if seen[k] {
			return opts, fmt.Errorf("key column %q is listed twice", k)
		}
		seen[k] = true
	}
	return opts, nil
}

// write is the state of one Write.
type write struct {
	ctx    context.Context
	sess   *session
	id     pgx.Identifier
	schema table.Schema
	opts   WriteOptions
}

// stageTable receives the rows of an upsert before they are merged. It is
// a temporary table of this connection, dropped at commit.
var stageTable = pgx.Identifier{"pg_temp", "hotpass_upsert_stage"}

func (w *write) run(r table.Reader) (int64, error) {
	tx, err := w.sess.conn.Begin(w.ctx)
	if err != nil {
		return 0, fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		// After a failure, or if ctx ended, the transaction is still open
		// or the connection is gone; either way nothing is kept.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = tx.Rollback(ctx)
	}()
	name := w.id.Sanitize()
	oid, err := w.lookup(tx)
	if err != nil {
		return 0, err
	}
	binaryOK := true // a created table has exactly the binary types
	if oid == 0 {
		if w.opts.NoCreate {
			return 0, fmt.Errorf("table %s does not exist: create it first, or allow the write to create it (create_table: true)", name)
		}
		if err := w.create(tx); err != nil {
			return 0, err
		}
	} else if binaryOK, err = w.checkTable(tx, oid); err != nil {
		return 0, err
	}
	if w.opts.Mode == Replace {
		if _, err := tx.Exec(w.ctx, "TRUNCATE TABLE "+name); err != nil {
			return 0, fmt.Errorf("empty the table for replace: %w", err)
		}
	}
	cols := strings.Join(quoteNames(w.schema.Names()), ", ")
	into := name
	if w.opts.Mode == Upsert {
		into = stageTable.Sanitize()
		stage := "CREATE TEMPORARY TABLE " + into + " ON COMMIT DROP AS SELECT " + cols + " FROM " + name + " WITH NO DATA"
		if _, err := tx.Exec(w.ctx, stage); err != nil {
			return 0, fmt.Errorf("create the staging table for upsert: %w", err)
		}
	}
	src := &copySource{ctx: w.ctx, src: r, schema: w.schema, binary: binaryOK}
	copySQL := "COPY " + into + " (" + cols + ") FROM STDIN"
	if binaryOK {
		copySQL += " WITH (FORMAT binary)"
	}
	_, err = tx.Conn().PgConn().CopyFrom(w.ctx, src, copySQL)
	if err != nil {
		return 0, copyError(w.ctx, src, err)
	}
	if w.opts.Mode == Upsert {
		if err := w.merge(tx, cols); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(w.ctx); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	rows, _ := src.outcome()
	return rows, nil
}

// copyError picks the most useful of the errors a failed COPY produces.
func copyError(ctx context.Context, src *copySource, err error) error {
	if rows, srcErr := src.outcome(); srcErr != nil {
		// The source failed and pgconn aborted the COPY; the server's
		// "COPY from stdin failed" only echoes this error.
		if cerr := ctx.Err(); cerr != nil && errors.Is(srcErr, cerr) {
			return fmt.Errorf("cancelled after %d rows: %w", rows, srcErr)
		}
		return fmt.Errorf("reading the data after %d rows: %w", rows, srcErr)
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("cancelled during COPY: %w (%w)", cerr, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if line, col, ok := copyWhere(pe.Where); ok {
			if col != "" {
				return fmt.Errorf("row %d, column %q: %w", line, col, err)
			}
			return fmt.Errorf("row %d: %w", line, err)
		}
	}
	return fmt.Errorf("copy: %w", err)
}

// lookup returns the table's oid, or 0 if it does not exist.
func (w *write) lookup(tx pgx.Tx) (uint32, error) {
	var oid *uint32
	err := tx.QueryRow(w.ctx, "SELECT to_regclass($1)::oid", w.id.Sanitize()).Scan(&oid)
	if err != nil {
		return 0, fmt.Errorf("look up the table: %w", err)
	}
	if oid == nil {
		return 0, nil
	}
	return *oid, nil
}

// sqlTypes are the column types of a created table.
var sqlTypes = map[table.Type]string{
	table.String:    "text",
	table.Int64:     "bigint",
	table.Float64:   "double precision",
	table.Bool:      "boolean",
	table.Date:      "date",
	table.Timestamp: "timestamptz",
}

// createSQL is the CREATE TABLE statement for the data's schema.
func createSQL(id pgx.Identifier, schema table.Schema, key []string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(id.Sanitize())
	b.WriteString(" (")
	for i, f := range schema.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pgx.Identifier{f.Name}.Sanitize())
		b.WriteByte(' ')
		b.WriteString(sqlTypes[f.Type])
	}
	if len(key) > 0 {
		b.WriteString(", PRIMARY KEY (")
		b.WriteString(strings.Join(quoteNames(key), ", "))
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return b.String()
}

func (w *write) create(tx pgx.Tx) error {
	if _, err := tx.Exec(w.ctx, createSQL(w.id, w.schema, w.opts.Key)); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	return nil
}

// binaryTypes lists, for each column type, the PostgreSQL types whose
// binary form is exactly what the binary COPY encoder writes for it.
var binaryTypes = map[table.Type][]uint32{
	table.String:    {pgtype.TextOID, pgtype.VarcharOID},
	table.Int64:     {pgtype.Int8OID},
	table.Float64:   {pgtype.Float8OID},
	table.Bool:      {pgtype.BoolOID},
	table.Date:      {pgtype.DateOID},
	table.Timestamp: {pgtype.TimestamptzOID, pgtype.TimestampOID},
}

// checkTable makes sure every data column exists in the table and, for an
// upsert, that the key has the unique index ON CONFLICT needs. It reports
// whether every data column can be loaded in binary format.
func (w *write) checkTable(tx pgx.Tx, oid uint32) (bool, error) {
	rows, err := tx.Query(w.ctx, "SELECT attname::text, atttypid FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum", oid)
	if err != nil {
		return false, fmt.Errorf("list the table's columns: %w", err)
	}
	var have []string
	types := map[string]uint32{}
	var name string
	var typ uint32
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error {
		have = append(have, name)
		types[name] = typ
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("list the table's columns: %w", err)
	}
	var missing []string
	binaryOK := true
	for _, f := range w.schema.Fields() {
		typ, ok := types[f.Name]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", f.Name))
		}
		binaryOK = binaryOK && slices.Contains(binaryTypes[f.Type], typ)
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("table %s has no column %s (it has %s): add the column to the table or drop it from the data; names are case-sensitive",
			w.id.Sanitize(), strings.Join(missing, ", "), strings.Join(have, ", "))
	}
	if w.opts.Mode != Upsert {
		return binaryOK, nil
	}
	ok, err := w.hasUniqueKey(tx, oid)
	if err != nil {
		return false, err
	}
	if !ok {
		key := strings.Join(quoteNames(w.opts.Key), ", ")
		return false, fmt.Errorf("upsert needs a unique index or constraint on exactly (%s) in table %s, and there is none: add one (ALTER TABLE %s ADD UNIQUE (%s)) or change key",
			key, w.id.Sanitize(), w.id.Sanitize(), key)
	}
	return binaryOK, nil
}

// hasUniqueKey reports whether a unique, non-partial, non-deferrable index
// covers exactly the key columns: the indexes ON CONFLICT can use.
func (w *write) hasUniqueKey(tx pgx.Tx, oid uint32) (bool, error) {
	const q = `SELECT array_agg(a.attname::text)
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indimmediate AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
GROUP BY i.indexrelid`
	rows, err := tx.Query(w.ctx, q, oid)
	if err != nil {
		return false, fmt.Errorf("list the table's unique indexes: %w", err)
	}
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
	if err != nil {
		return false, fmt.Errorf("list the table's unique indexes: %w", err)
	}
	want := slices.Sorted(slices.Values(w.opts.Key))
	for _, cols := range indexes {
		slices.Sort(cols)
		if slices.Equal(cols, want) {
			return true, nil
		}
	}
	return false, nil
}

// merge moves the staged rows into the table, updating rows whose key
// exists.
func (w *write) merge(tx pgx.Tx, cols string) error {
	var set []string
	for _, n := range w.schema.Names() {
		if !slices.Contains(w.opts.Key, n) {
			q := pgx.Identifier{n}.Sanitize()
			set = append(set, q+" = EXCLUDED."+q)
		}
	}
	action := "DO NOTHING"
	if len(set) > 0 {
		action = "DO UPDATE SET " + strings.Join(set, ", ")
	}
	q := "INSERT INTO " + w.id.Sanitize() + " (" + cols + ") SELECT " + cols + " FROM " + stageTable.Sanitize() +
		" ON CONFLICT (" + strings.Join(quoteNames(w.opts.Key), ", ") + ") " + action
	if _, err := tx.Exec(w.ctx, q); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "21000" {
			return fmt.Errorf("the data has several rows with the same key (%s): deduplicate them before the upsert: %w",
				strings.Join(w.opts.Key, ", "), err)
		}
		return fmt.Errorf("merge the rows into the table: %w", err)
	}
	return nil
}
