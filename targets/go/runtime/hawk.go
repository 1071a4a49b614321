package tcclient

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// hawkRequest is the part of a request that a Hawk (SHA-256) MAC covers.
type hawkRequest struct {
	Method string
	// Resource is the request URI as sent: escaped path and query.
	Resource string
	Host     string
	Port     string
	// PayloadHash is the base64 payload hash, or "" for a request without a body.
	PayloadHash string
	Ext         string
	Timestamp   int64
	Nonce       string
}

func base64Std(data []byte) string {
	return base64.StdEncoding.EncodeToString(data)
}

// hawkPayloadHash hashes a request body with its content type (parameters dropped).
func hawkPayloadHash(contentType string, payload []byte) string {
	mediaType, _, _ := strings.Cut(contentType, ";")
	hash := sha256.New()
	hash.Write([]byte("hawk.1.payload\n"))
	hash.Write([]byte(strings.ToLower(strings.TrimSpace(mediaType)) + "\n"))
	hash.Write(payload)
	hash.Write([]byte("\n"))
	return base64Std(hash.Sum(nil))
}

// mac computes the request MAC over Hawk's normalized header string.
func (r hawkRequest) mac(key string) string {
	normalized := fmt.Sprintf("hawk.1.header\n%d\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n",
		r.Timestamp, r.Nonce, strings.ToUpper(r.Method), r.Resource,
		strings.ToLower(r.Host), r.Port, r.PayloadHash, r.Ext)
	signer := hmac.New(sha256.New, []byte(key))
	signer.Write([]byte(normalized))
	return base64Std(signer.Sum(nil))
}

// header returns the Authorization header value for the request.
func (r hawkRequest) header(id, key string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `Hawk id="%s", ts="%d", nonce="%s"`, id, r.Timestamp, r.Nonce)
	if r.PayloadHash != "" {
		fmt.Fprintf(&b, `, hash="%s"`, r.PayloadHash)
	}
	if r.Ext != "" {
		fmt.Fprintf(&b, `, ext="%s"`, r.Ext)
	}
	fmt.Fprintf(&b, `, mac="%s"`, r.mac(key))
	return b.String()
}

// hostAndPort splits a URL's host, filling in the scheme's default port.
func hostAndPort(u *url.URL) (string, string) {
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host = u.Host
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return host, port
}

// newNonce returns a random nonce of 8 URL-safe characters.
func newNonce() (string, error) {
	buffer := make([]byte, 6)
	if _, err := rand.Read(buffer); err != nil {
		return "", fmt.Errorf("generating Hawk nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buffer), nil
}
