// Package tcclient is the runtime shared by the generated service packages:
// URL building, Hawk authentication, retries and errors.
package tcclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// DefaultTimeout is the time one attempt of a request may take.
const DefaultTimeout = 30 * time.Second

// Client sends the requests of one service. The generated service clients hold
// one; change its fields before making requests to configure them.
type Client struct {
	// RootURL is the deployment's root URL, such as "https://tc.example.com".
	RootURL string
	// ProxyURL, when set, is a taskcluster-proxy URL: requests go there unsigned
	// and the proxy signs them.
	ProxyURL    string
	Credentials *Credentials
	// Service and APIVersion name the service, such as "queue" and "v1".
	Service    string
	APIVersion string
	// HTTPClient sends the requests; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Timeout limits each attempt; zero means no limit besides the context's.
	Timeout time.Duration
	Retry   RetryPolicy
}

// New returns a client for one service of the deployment at rootURL.
// Pass nil credentials for unauthenticated requests.
func New(rootURL, service, apiVersion string, credentials *Credentials) *Client {
	return &Client{
		RootURL:     rootURL,
		Credentials: credentials,
		Service:     service,
		APIVersion:  apiVersion,
		Timeout:     DefaultTimeout,
		Retry:       DefaultRetryPolicy(),
	}
}

// NewFromEnv returns a client configured from TASKCLUSTER_ROOT_URL,
// TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN, TASKCLUSTER_CERTIFICATE and
// TASKCLUSTER_PROXY_URL.
func NewFromEnv(service, apiVersion string) *Client {
	client := New(os.Getenv(EnvRootURL), service, apiVersion, CredentialsFromEnv())
	client.ProxyURL = os.Getenv(EnvProxyURL)
	return client
}

// Call is one API request: verb, escaped path below the service's base URL,
// query, and a JSON body when HasPayload is true.
type Call struct {
	Verb       string
	Path       string
	Query      url.Values
	Payload    any
	HasPayload bool
}

// Do sends the call, retrying 5xx responses and network errors, and returns
// the response body of a 2xx or 3xx response.
func (c *Client) Do(ctx context.Context, call Call) ([]byte, error) {
	target, err := c.url(call)
	if err != nil {
		return nil, err
	}
	var body []byte
	if call.HasPayload {
		if body, err = json.Marshal(call.Payload); err != nil {
			return nil, fmt.Errorf("encoding the request body: %w", err)
		}
	}
	for retry := 0; ; retry++ {
		response, err := c.attempt(ctx, call.Verb, target, body, call.HasPayload)
		if err == nil || !retryable(ctx, err) || retry >= c.Retry.MaxRetries {
			return response, err
		}
		if err := sleep(ctx, c.Retry.Delay(retry, randomFraction())); err != nil {
			return nil, err
		}
	}
}

// DoJSON sends the call like Do and checks that the response body is JSON.
func (c *Client) DoJSON(ctx context.Context, call Call) (json.RawMessage, error) {
	body, err := c.Do(ctx, call)
	if err != nil {
		return nil, err
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("%s %s: the response body is not valid JSON", call.Verb, call.Path)
	}
	return json.RawMessage(body), nil
}

func (c *Client) url(call Call) (string, error) {
	base := c.ProxyURL
	if base == "" {
		base = c.RootURL
	}
	if base == "" {
		return "", errors.New("no root URL: pass one to New or set " + EnvRootURL)
	}
	target := ServiceURL(base, c.Service, c.APIVersion, call.Path)
	if encoded := call.Query.Encode(); encoded != "" {
		target += "?" + encoded
	}
	return target, nil
}

// attempt sends one request and reads the whole response within c.Timeout.
func (c *Client) attempt(ctx context.Context, verb, target string, body []byte, hasBody bool) ([]byte, error) {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	request, err := http.NewRequestWithContext(ctx, verb, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request %s %s: %w", verb, target, err)
	}
	if hasBody {
		request.Header.Set("Content-Type", "application/json")
	}
	request.Header.Set("Accept", "application/json")
	if err := c.sign(request, body, hasBody); err != nil {
		return nil, err
	}
	response, err := c.httpClient().Do(request)
	if err != nil {
		return nil, &networkError{err: err}
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, &networkError{err: err}
	}
	if response.StatusCode >= 400 {
		return nil, newAPIError(verb, target, response.StatusCode, data)
	}
	return data, nil
}

// sign adds a Hawk Authorization header unless the request goes to a proxy or
// there are no credentials.
func (c *Client) sign(request *http.Request, body []byte, hasBody bool) error {
	credentials := c.Credentials
	if c.ProxyURL != "" || credentials == nil || credentials.ClientID == "" {
		return nil
	}
	ext, err := credentials.ext()
	if err != nil {
		return err
	}
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	host, port := hostAndPort(request.URL)
	hawk := hawkRequest{
		Method:    request.Method,
		Resource:  request.URL.RequestURI(),
		Host:      host,
		Port:      port,
		Ext:       ext,
		Timestamp: time.Now().Unix(),
		Nonce:     nonce,
	}
	if hasBody {
		hawk.PayloadHash = hawkPayloadHash(request.Header.Get("Content-Type"), body)
	}
	request.Header.Set("Authorization", hawk.header(credentials.ClientID, credentials.AccessToken))
	return nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}
