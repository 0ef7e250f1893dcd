package pgio

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// closeTimeout bounds the goodbye to the server when closing a connection,
// which must not hang on a dead network after the caller's context ended.
const closeTimeout = 5 * time.Second

// session is one connection with what is needed to report its errors
// without leaking its password.
type session struct {
	conn  *pgx.Conn
	scrub *scrubber
	dsn   string // redacted
}

// connect opens a connection for one read or write. Connection errors are
// returned as *Error with the password scrubbed.
func connect(ctx context.Context, dsn string) (*session, error) {
	s := &session{scrub: newScrubber(dsn), dsn: RedactDSN(dsn)}
	if dsn == "" {
		return nil, s.fail("connect", "", "", errors.New("the connection string is empty: set the datasource's dsn (for example postgres://user@host:5432/db, with the password in the URL or in PGPASSWORD)"))
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, s.fail("connect", "", "", err)
	}
	// The password may come from PGPASSWORD or a passfile rather than the
	// DSN; it must be masked all the same.
	s.scrub.addPassword(cfg.Password)
	switch cfg.DefaultQueryExecMode {
	case pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec:
		// Binary results need a described statement; an unnamed one still
		// works behind transaction-pooling proxies such as PgBouncer.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "hotpass"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, s.fail("connect", "", "", err)
	}
	s.conn = conn
	return s, nil
}

// fail wraps err as an *Error for this session; query is the SQL whose
// error position the server may report.
func (s *session) fail(op, target, query string, err error) error {
	return s.scrub.newError(op, s.dsn, target, query, err)
}

// close ends the connection; it is safe to call on a broken connection.
func (s *session) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = s.conn.Close(ctx)
}
