package temporal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/hotpass/hotpass/exitcode"
)

// Environment variables the connection settings fall back to.
const (
	EnvAddress   = "HOTPASS_TEMPORAL_ADDRESS"
	EnvNamespace = "HOTPASS_TEMPORAL_NAMESPACE"
	EnvAPIKey    = "HOTPASS_TEMPORAL_API_KEY"
	// DefaultTaskQueue is the queue workers poll when none is named.
	DefaultTaskQueue = "hotpass"
	// dialTimeout bounds connecting and checking the namespace.
	dialTimeout = 10 * time.Second
)

var (
	// ErrUnreachable is wrapped when the Temporal frontend cannot be
	// reached; exit status 2, nothing was started.
	ErrUnreachable = exitcode.New(exitcode.Invalid, "temporal unreachable")
	// ErrNamespace is wrapped when the namespace does not exist.
	ErrNamespace = exitcode.New(exitcode.Invalid, "temporal namespace not found")
)

// Conn says how to reach a Temporal cluster.
type Conn struct {
	// Address is host:port of the frontend; empty means EnvAddress, then
	// the SDK's default (localhost:7233).
	Address string
	// Namespace; empty means EnvNamespace, then "default".
	Namespace string
	// TLSCert and TLSKey are a client certificate for mTLS; TLSCA verifies
	// the server; TLSServerName overrides the name checked. Setting any of
	// them, or APIKey, turns TLS on.
	TLSCert, TLSKey, TLSCA, TLSServerName string
	// APIKey authenticates to Temporal Cloud; empty means EnvAPIKey. It is
	// never logged.
	APIKey string
}

// resolved fills empty fields from the environment.
func (c Conn) resolved() Conn {
	if c.Address == "" {
		c.Address = os.Getenv(EnvAddress)
	}
	if c.Address == "" {
		c.Address = client.DefaultHostPort
	}
	if c.Namespace == "" {
		c.Namespace = os.Getenv(EnvNamespace)
	}
	if c.Namespace == "" {
		c.Namespace = client.DefaultNamespace
	}
	if c.APIKey == "" {
		c.APIKey = os.Getenv(EnvAPIKey)
	}
	return c
}

func (c Conn) tlsConfig() (*tls.Config, error) {
	if c.TLSCert == "" && c.TLSKey == "" && c.TLSCA == "" && c.TLSServerName == "" && c.APIKey == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, errors.New("temporal TLS: pass both --tls-cert and --tls-key, or neither")
	}
	if c.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("temporal TLS: load %s and %s: %w", c.TLSCert, c.TLSKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("temporal TLS: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("temporal TLS: %s holds no PEM certificate", c.TLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Dial connects to the cluster and checks the namespace, within 10 s.
// logger receives the SDK's own logs; nil discards them.
func (c Conn) Dial(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	c = c.resolved()
	tlsCfg, err := c.tlsConfig()
	if err != nil {
		return nil, exitcode.Wrap(exitcode.Invalid, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
		Logger:    tlog.NewStructuredLogger(logger),
		ConnectionOptions: client.ConnectionOptions{
			TLS: tlsCfg,
		},
	}
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	cl, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach Temporal at %s within %s: %w; start it or pass --temporal-address (or set %s)",
			ErrUnreachable, c.Address, dialTimeout, err, EnvAddress)
	}
	_, err = cl.WorkflowService().DescribeNamespace(dctx, &workflowservice.DescribeNamespaceRequest{Namespace: c.Namespace})
	var nf *serviceerror.NamespaceNotFound
	if errors.As(err, &nf) {
		cl.Close()
		return nil, fmt.Errorf("%w: namespace %q does not exist on %s; create it (temporal operator namespace create %s) or pass --namespace",
			ErrNamespace, c.Namespace, c.Address, c.Namespace)
	}
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("%w: Temporal at %s: describe namespace %q: %w", ErrUnreachable, c.Address, c.Namespace, err)
	}
	return cl, nil
}
