// Package pgio reads PostgreSQL query results as table streams and writes
// table streams into PostgreSQL tables, with github.com/jackc/pgx/v5.
//
// Reading (Open, Query) streams the result in batches through one
// connection; column types come from the result's column types (see Open
// for the mapping and the precision of numeric). Writing (Write,
// WriteTable) loads rows with COPY inside one transaction, in append,
// replace or upsert mode, creating the table when it is missing: a failed
// or cancelled write leaves the table exactly as it was.
//
// Table and column names are always quoted, so they are used verbatim and
// are case-sensitive ("Order Date" is one column; see ParseTableName for
// schema-qualified table names).
//
// Every error is an *Error whose message names the operation, the database
// with its password masked (RedactDSN) and the table or query. Messages are
// scrubbed of the connection's password in any form, including where pgx or
// the server would quote the connection string. Server errors carry their
// SQLSTATE, detail, hint, context and position; a value the server rejects
// during a write names its row and column. IsRetryable tells transient
// failures (connection refused, too many connections, server starting or
// shutting down, serialization failures, deadlocks) from permanent ones.
package pgio
