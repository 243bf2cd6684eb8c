package handler

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// The TLS settings the S3 client is built with, whatever AWS_DEFAULTS_MODE
// makes the S3 client do to its HTTP client. The expectations are literals
// (IANA's TLS cipher suite registry gives the numbers), so the test breaks
// if the explicit settings go, even on a Go whose defaults would still pass
// the handshake tests below.
func TestTLSConfigPinned(t *testing.T) {
	wantSuites := []uint16{
		0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
		0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
		0xcca9, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
		0xcca8, // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	}
	for _, mode := range []string{"", "standard", "in-region"} {
		t.Run(fmt.Sprintf("AWS_DEFAULTS_MODE=%q", mode), func(t *testing.T) {
			t.Setenv("AWS_DEFAULTS_MODE", mode)
			cfg := builtTLSConfig(t, clientFor(t, "https://s3.eu-west-1.amazonaws.com").Options().HTTPClient)
			if cfg.MinVersion != 0x0303 {
				t.Errorf("MinVersion = %#04x, want 0x0303 (TLS 1.2)", cfg.MinVersion)
			}
			if cfg.MaxVersion != 0 {
				t.Errorf("MaxVersion = %#04x, want 0 (TLS 1.3 allowed)", cfg.MaxVersion)
			}
			if !slices.Equal(cfg.CipherSuites, wantSuites) {
				t.Errorf("CipherSuites = %#04x, want %#04x", cfg.CipherSuites, wantSuites)
			}
			// The same property by name, from crypto/tls's own description
			// of each suite: ECDHE key exchange and an AEAD cipher.
			for _, id := range cfg.CipherSuites {
				name := tls.CipherSuiteName(id)
				if !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "_GCM_") || strings.Contains(name, "_CHACHA20_POLY1305")) {
					t.Errorf("cipher suite %s is not ECDHE with AEAD", name)
				}
			}
			if cfg.InsecureSkipVerify {
				t.Error("InsecureSkipVerify = true, want certificate verification")
			}
		})
	}
}

// builtTLSConfig returns the TLS configuration of the transport the S3
// client's HTTP client really uses.
func builtTLSConfig(t *testing.T, c any) *tls.Config {
	t.Helper()
	b, ok := c.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("HTTPClient is %T, want *awshttp.BuildableClient", c)
	}
	cfg := b.GetTransport().TLSClientConfig
	if cfg == nil {
		t.Fatal("transport has no TLSClientConfig")
	}
	return cfg
}

// The client's handshake against loopback servers that offer one thing
// each. Every server the client refuses is first shown to work for a client
// that accepts what it offers, so the refusal is the uploader's settings,
// not a broken server.
func TestTLSHandshake(t *testing.T) {
	tests := []struct {
		name        string
		server      *tls.Config
		accept      bool
		wantSuite   uint16 // when accepted
		wantVersion uint16 // when accepted
	}{
		{"RSA key exchange only, TLS 1.2", &tls.Config{
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
		}, false, 0, 0},
		{"TLS 1.1 only", &tls.Config{
			MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		}, false, 0, 0},
		{"ECDHE without AEAD (CBC), TLS 1.2", &tls.Config{
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		}, false, 0, 0},
		{"ECDHE with AES-GCM, TLS 1.2", &tls.Config{
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		}, true, 0xc02f, 0x0303},
		{"TLS 1.3 only", &tls.Config{MinVersion: tls.VersionTLS13}, true, 0, 0x0304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			srv.TLS = tt.server.Clone()
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
			srv.StartTLS()
			defer srv.Close()
			roots := x509.NewCertPool()
			roots.AddCert(srv.Certificate())

			if !tt.accept {
				permissive := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS10, CipherSuites: tt.server.CipherSuites}
				if _, err := get(srv.URL, &http.Client{Transport: &http.Transport{TLSClientConfig: permissive}}); err != nil {
					t.Fatalf("server does not work even for a permissive client: %v", err)
				}
			}

			b := clientFor(t, srv.URL).Options().HTTPClient.(*awshttp.BuildableClient)
			c := b.WithTransportOptions(func(tr *http.Transport) { tr.TLSClientConfig.RootCAs = roots })
			state, err := get(srv.URL, c)
			switch {
			case tt.accept && err != nil:
				t.Fatalf("uploader's client refused the server: %v", err)
			case !tt.accept && err == nil:
				t.Fatalf("uploader's client accepted the server (%s, %s)", tls.VersionName(state.Version), tls.CipherSuiteName(state.CipherSuite))
			case !tt.accept:
				// Go reports a version or suite mismatch as a handshake
				// failure, sent or received.
				if msg := err.Error(); !strings.Contains(msg, "tls:") {
					t.Errorf("error = %v, want a TLS handshake error", err)
				}
			default:
				if state.Version != tt.wantVersion {
					t.Errorf("negotiated %s, want %s", tls.VersionName(state.Version), tls.VersionName(tt.wantVersion))
				}
				if tt.wantSuite != 0 && state.CipherSuite != tt.wantSuite {
					t.Errorf("negotiated %s, want %s", tls.CipherSuiteName(state.CipherSuite), tls.CipherSuiteName(tt.wantSuite))
				}
			}
		})
	}
}

// get sends one GET through rt and returns the connection's TLS state.
func get(url string, rt interface {
	Do(*http.Request) (*http.Response, error)
}) (*tls.ConnectionState, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := rt.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.TLS == nil {
		return nil, fmt.Errorf("%s answered without TLS", url)
	}
	return resp.TLS, nil
}
