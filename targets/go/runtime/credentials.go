package tcclient

import (
	"encoding/json"
	"fmt"
	"os"
)

// Credentials are Taskcluster credentials: a client id and access token, and for
// temporary credentials the certificate that the issuer signed.
type Credentials struct {
	ClientID    string
	AccessToken string
	// Certificate is the JSON text of a temporary credential's certificate, or empty.
	Certificate string
	// AuthorizedScopes, when not nil, limits the request to these scopes.
	AuthorizedScopes []string
}

// Environment variables read by NewFromEnv, as Taskcluster's RFC 0135 names them.
const (
	EnvRootURL     = "TASKCLUSTER_ROOT_URL"
	EnvClientID    = "TASKCLUSTER_CLIENT_ID"
	EnvAccessToken = "TASKCLUSTER_ACCESS_TOKEN"
	EnvCertificate = "TASKCLUSTER_CERTIFICATE"
	EnvProxyURL    = "TASKCLUSTER_PROXY_URL"
)

// CredentialsFromEnv returns the credentials in the environment, or nil when
// TASKCLUSTER_CLIENT_ID is not set.
func CredentialsFromEnv() *Credentials {
	clientID := os.Getenv(EnvClientID)
	if clientID == "" {
		return nil
	}
	return &Credentials{
		ClientID:    clientID,
		AccessToken: os.Getenv(EnvAccessToken),
		Certificate: os.Getenv(EnvCertificate),
	}
}

// ext returns the Hawk ext value: base64 JSON with the certificate and the
// authorized scopes, or "" when there is neither.
func (c *Credentials) ext() (string, error) {
	fields := map[string]any{}
	if c.Certificate != "" {
		var certificate map[string]any
		if err := json.Unmarshal([]byte(c.Certificate), &certificate); err != nil {
			return "", fmt.Errorf("invalid certificate for client %q: %w", c.ClientID, err)
		}
		fields["certificate"] = certificate
	}
	if c.AuthorizedScopes != nil {
		fields["authorizedScopes"] = c.AuthorizedScopes
	}
	if len(fields) == 0 {
		return "", nil
	}
	text, err := json.Marshal(fields)
	if err != nil {
		return "", err
	}
	return base64Std(text), nil
}
