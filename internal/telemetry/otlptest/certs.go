package otlptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a throwaway certificate authority with one server certificate
// (for 127.0.0.1 and localhost) and one client certificate, written as PEM
// files the OTEL_EXPORTER_OTLP_*CERTIFICATE variables can name.
type PKI struct {
	// CAFile holds the CA certificate; ClientCertFile and ClientKeyFile
	// the client's certificate and private key; ServerCertFile and
	// ServerKeyFile the server's, for a collector run as a process.
	CAFile, ClientCertFile, ClientKeyFile string
	ServerCertFile, ServerKeyFile         string
	// ServerTLS serves the server certificate and requires a client
	// certificate signed by the CA.
	ServerTLS *tls.Config
	// ClientTLS trusts the CA and presents the client certificate.
	ClientTLS *tls.Config
}

// NewPKI creates a PKI whose files live in a temporary directory of tb.
func NewPKI(tb testing.TB) *PKI {
	tb.Helper()
	dir := tb.TempDir()
	now := time.Now()
	caKey := newKey(tb)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "otlptest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatalf("otlptest: CA certificate: %v", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatalf("otlptest: CA certificate: %v", err)
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage) (tls.Certificate, []byte, []byte) {
		key := newKey(tb)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			DNSNames:     []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			tb.Fatalf("otlptest: %s certificate: %v", name, err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			tb.Fatalf("otlptest: %s key: %v", name, err)
		}
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			tb.Fatalf("otlptest: %s key pair: %v", name, err)
		}
		return pair, certPEM, keyPEM
	}
	serverPair, serverPEM, serverKeyPEM := issue(2, "otlptest server", x509.ExtKeyUsageServerAuth)
	clientPair, clientPEM, clientKeyPEM := issue(3, "otlptest client", x509.ExtKeyUsageClientAuth)

	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	p := &PKI{
		CAFile:         filepath.Join(dir, "ca.pem"),
		ClientCertFile: filepath.Join(dir, "client.pem"),
		ClientKeyFile:  filepath.Join(dir, "client-key.pem"),
		ServerCertFile: filepath.Join(dir, "server.pem"),
		ServerKeyFile:  filepath.Join(dir, "server-key.pem"),
		ServerTLS: &tls.Config{
			Certificates: []tls.Certificate{serverPair},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool,
			MinVersion:   tls.VersionTLS12,
		},
		ClientTLS: &tls.Config{
			RootCAs:      pool,
			Certificates: []tls.Certificate{clientPair},
			MinVersion:   tls.VersionTLS12,
		},
	}
	for file, data := range map[string][]byte{
		p.CAFile:         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		p.ClientCertFile: clientPEM,
		p.ClientKeyFile:  clientKeyPEM,
		p.ServerCertFile: serverPEM,
		p.ServerKeyFile:  serverKeyPEM,
	} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			tb.Fatalf("otlptest: %v", err)
		}
	}
	return p
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("otlptest: key: %v", err)
	}
	return key
}
