package pgio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hotpass/hotpass/internal/table"
)

// DefaultBatchRows is the number of rows per batch when
// ReadOptions.BatchRows is zero.
const DefaultBatchRows = 64 * 1024

// ReadOptions says what to read. Exactly one of Query and Table is set.
type ReadOptions struct {
	// Query is a SQL statement returning rows; Args are its $1, $2, ...
	// parameters.
	Query string
	Args  []any
	// Table names a table or view to read whole: "contacts" or
	// "crm.contacts" (see ParseTableName).
	Table string
	// BatchRows is the number of rows per batch returned by Next; default
	// DefaultBatchRows. Only one batch is held in memory at a time.
	BatchRows int
}

// Reader streams the result of a query in batches. It holds one connection
// and an open result until Close.
type Reader struct {
	sess   *session
	rows   pgx.Rows
	schema table.Schema
	decs   []decoder
	batch  int
	target string
	query  string
	read   int  // rows decoded so far
	done   bool // the result has been read to its end
	err    error
}

// decoder appends one non-null raw value (in the format requested for its
// type) to a column builder. A returned error says why the value does not
// fit; the caller adds the row and column.
type decoder func(b *table.ColumnBuilder, raw []byte) error

// Query is Open with a query and its arguments and the default batch size.
func Query(ctx context.Context, dsn, sql string, args ...any) (*Reader, error) {
	return Open(ctx, dsn, ReadOptions{Query: sql, Args: args})
}

// Open connects to dsn and starts the query (or the read of the table) that
// opts describes. Rows are fetched as Next asks for them: the result is
// never loaded whole. ctx governs the connection and the whole read; when
// it ends, Next fails promptly.
//
// Columns are typed from the result's column types:
//
//	text, varchar, char, name, citext, uuid, json, jsonb → string (their text form)
//	smallint, integer, bigint                           → int64
//	real, double precision                              → float64
//	numeric                                             → float64
//	boolean                                             → bool
//	date                                                → date
//	timestamp, timestamptz                              → timestamp (UTC microseconds)
//	anything else (interval, inet, arrays, enums, ...)  → string (its text form)
//
// numeric becomes the nearest float64: about 15-17 significant digits
// survive, so very large or very precise values (money with more than 15
// digits, identifiers stored as numeric) are rounded; cast them to text in
// the query (amount::text) to keep every digit. numeric values beyond the
// float64 range are an error. timestamp without time zone is read as UTC.
// The infinite dates and timestamps have no table equivalent and are an
// error naming the row and column; filter them or cast them to text.
func Open(ctx context.Context, dsn string, opts ReadOptions) (*Reader, error) {
	query, target, err := readQuery(opts)
	if err != nil {
		return nil, newScrubber(dsn).newError("read", RedactDSN(dsn), target, "", err)
	}
	batch := opts.BatchRows
	if batch <= 0 {
		batch = DefaultBatchRows
	}
	sess, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	args := append([]any{pgx.QueryResultFormatsByOID(binaryOIDs)}, opts.Args...)
	rows, err := sess.conn.Query(ctx, query, args...)
	if err != nil {
		sess.close()
		return nil, sess.fail("read", target, query, err)
	}
	r := &Reader{sess: sess, rows: rows, batch: batch, target: target, query: query}
	fds := rows.FieldDescriptions()
	if len(fds) == 0 {
		// No description also means the query failed before it started.
		rows.Close()
		if err := rows.Err(); err != nil {
			sess.close()
			return nil, sess.fail("read", target, query, err)
		}
	}
	if err := r.describe(fds); err != nil {
		rows.Close()
		sess.close()
		return nil, sess.fail("read", target, query, err)
	}
	return r, nil
}

// readQuery returns the SQL to run and how to name it in messages.
func readQuery(opts ReadOptions) (query, target string, err error) {
	switch {
	case opts.Query != "" && opts.Table != "":
		return "", "", errors.New("both a query and a table are set: use one of them")
	case opts.Table != "":
		if len(opts.Args) > 0 {
			return "", "", errors.New("arguments are only used with a query, not with a table")
		}
		id, err := ParseTableName(opts.Table)
		if err != nil {
			return "", "", err
		}
		name := id.Sanitize()
		return "SELECT * FROM " + name, name, nil
	case strings.TrimSpace(opts.Query) != "":
		return opts.Query, "query " + strconv.Quote(abbreviate(opts.Query, 200)), nil
	}
	return "", "", errors.New("nothing to read: set a query or a table")
}

// abbreviate shortens s to about n bytes for messages.
func abbreviate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut-- // do not split a UTF-8 sequence
	}
	return s[:cut] + "..."
}

// binaryOIDs are the types read in binary format, where decoding is exact
// and cheap. Every other type is read as text: strings need no decoding,
// numeric and real text parse to the nearest float64 (binary real would
// widen 0.1 to 0.10000000149011612), and the text form is what unmapped
// types become.
var binaryOIDs = map[uint32]int16{
	pgtype.BoolOID:        pgx.BinaryFormatCode,
	pgtype.Int2OID:        pgx.BinaryFormatCode,
	pgtype.Int4OID:        pgx.BinaryFormatCode,
	pgtype.Int8OID:        pgx.BinaryFormatCode,
	pgtype.Float8OID:      pgx.BinaryFormatCode,
	pgtype.DateOID:        pgx.BinaryFormatCode,
	pgtype.TimestampOID:   pgx.BinaryFormatCode,
	pgtype.TimestamptzOID: pgx.BinaryFormatCode,
}

// describe derives the schema and decoders from the result columns.
func (r *Reader) describe(fds []pgconn.FieldDescription) error {
	if len(fds) == 0 {
		return errors.New("the statement returns no columns: read with a SELECT (or RETURNING) statement")
	}
	fields := make([]table.Field, len(fds))
	r.decs = make([]decoder, len(fds))
	for i, fd := range fds {
		t, dec := mapType(fd.DataTypeOID)
		if want := binaryOIDs[fd.DataTypeOID]; fd.Format != want {
			return fmt.Errorf("column %q: the server sent format %d instead of %d; use the extended query protocol", fd.Name, fd.Format, want)
		}
		fields[i] = table.Field{Name: fd.Name, Type: t}
		r.decs[i] = dec
	}
	s, err := table.NewSchema(fields...)
	if err != nil {
		return fmt.Errorf("%w (give each result column its own name with AS)", err)
	}
	r.schema = s
	return nil
}

// pgEpochMicros and pgEpochDays place PostgreSQL's epoch (2000-01-01) on
// the Unix one.
const (
	pgEpochMicros = 946_684_800_000_000
	pgEpochDays   = 10_957
)

// mapType chooses the column type and decoder for a PostgreSQL type.
func mapType(oid uint32) (table.Type, decoder) {
	switch oid {
	case pgtype.BoolOID:
		return table.Bool, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 1 {
				return errBadLength
			}
			b.AppendBool(raw[0] != 0)
			return nil
		}
	case pgtype.Int2OID:
		return table.Int64, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 2 {
				return errBadLength
			}
			b.AppendInt64(int64(int16(binary.BigEndian.Uint16(raw))))
			return nil
		}
	case pgtype.Int4OID:
		return table.Int64, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 4 {
				return errBadLength
			}
			b.AppendInt64(int64(int32(binary.BigEndian.Uint32(raw))))
			return nil
		}
	case pgtype.Int8OID:
		return table.Int64, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 8 {
				return errBadLength
			}
			b.AppendInt64(int64(binary.BigEndian.Uint64(raw)))
			return nil
		}
	case pgtype.Float8OID:
		return table.Float64, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 8 {
				return errBadLength
			}
			b.AppendFloat64(math.Float64frombits(binary.BigEndian.Uint64(raw)))
			return nil
		}
	case pgtype.Float4OID, pgtype.NumericOID:
		return table.Float64, func(b *table.ColumnBuilder, raw []byte) error {
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				if errors.Is(err, strconv.ErrRange) {
					return errors.New("the number is outside the float64 range; cast it to text in the query")
				}
				return err
			}
			b.AppendFloat64(f)
			return nil
		}
	case pgtype.DateOID:
		return table.Date, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 4 {
				return errBadLength
			}
			d := int32(binary.BigEndian.Uint32(raw))
			if d == math.MaxInt32 || d == math.MinInt32 {
				return errInfinite
			}
			if d > math.MaxInt32-pgEpochDays {
				return errors.New("the date is out of range")
			}
			b.AppendDate(d + pgEpochDays)
			return nil
		}
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		return table.Timestamp, func(b *table.ColumnBuilder, raw []byte) error {
			if len(raw) != 8 {
				return errBadLength
			}
			us := int64(binary.BigEndian.Uint64(raw))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return errInfinite
			}
			if us > math.MaxInt64-pgEpochMicros {
				return errors.New("the timestamp is out of range")
			}
			b.AppendTimestamp(us + pgEpochMicros)
			return nil
		}
	}
	return table.String, func(b *table.ColumnBuilder, raw []byte) error {
		b.AppendString(string(raw))
		return nil
	}
}

var (
	errBadLength = errors.New("the server sent a value of unexpected length")
	errInfinite  = errors.New("infinite dates and timestamps cannot be represented: filter them out or cast the column to text in the query")
)

// Schema returns the schema of the result.
func (r *Reader) Schema() table.Schema { return r.schema }

// Next returns the next batch of at most BatchRows rows, or io.EOF after
// the last one. A failing value is reported as a *table.ConversionError
// (wrapped in *Error) with its 1-based row and column.
func (r *Reader) Next() (*table.Table, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	b := table.NewBuilder(r.schema, min(r.batch, 4096))
	n := 0
	for n < r.batch && r.rows.Next() {
		raw := r.rows.RawValues()
		for j, dec := range r.decs {
			cb := b.Column(j)
			if raw[j] == nil {
				cb.AppendNull()
				continue
			}
			if err := dec(cb, raw[j]); err != nil {
				ce := &table.ConversionError{
					Row: r.read + n + 1, Column: r.schema.Field(j).Name,
					Value: r.text(j, raw[j]), From: table.String, To: cb.Type(), Err: err,
				}
				r.err = r.sess.fail("read", r.target, r.query, fmt.Errorf("%w: %w", ce, err))
				return nil, r.err
			}
		}
		n++
	}
	if n < r.batch {
		r.done = true
		r.rows.Close()
		if err := r.rows.Err(); err != nil {
			r.err = r.sess.fail("read", r.target, r.query, err)
			return nil, r.err
		}
		if n == 0 {
			return nil, io.EOF
		}
	}
	r.read += n
	t, err := b.Build()
	if err != nil {
		return nil, r.sess.fail("read", r.target, r.query, err)
	}
	return t, nil
}

// text renders a raw value for an error message.
func (r *Reader) text(j int, raw []byte) string {
	fd := r.rows.FieldDescriptions()[j]
	if fd.Format == pgx.TextFormatCode {
		return abbreviate(string(raw), 100)
	}
	switch fd.DataTypeOID {
	case pgtype.DateOID:
		if d := int32(binary.BigEndian.Uint32(raw)); d == math.MaxInt32 {
			return "infinity"
		} else if d == math.MinInt32 {
			return "-infinity"
		}
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		if us := int64(binary.BigEndian.Uint64(raw)); us == math.MaxInt64 {
			return "infinity"
		} else if us == math.MinInt64 {
			return "-infinity"
		}
	}
	var v any
	if err := r.rows.Conn().TypeMap().Scan(fd.DataTypeOID, fd.Format, raw, &v); err == nil {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%x", raw)
}

// Close ends the read and the connection. A read stopped before the end of
// the result closes the connection at once instead of draining the rest of
// the result.
func (r *Reader) Close() error {
	if !r.done {
		r.done = true
		// Closing the socket first makes rows.Close return immediately;
		// the server notices the closed connection and stops the query.
		_ = r.sess.conn.PgConn().Conn().Close()
	}
	r.rows.Close()
	r.sess.close()
	return nil
}
