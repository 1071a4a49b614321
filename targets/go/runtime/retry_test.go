package tcclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackoffDoublesAndCaps(t *testing.T) {
	policy := RetryPolicy{MaxRetries: 5, InitialDelay: 100 * time.Millisecond, MaxDelay: time.Second, Jitter: 0.25}
	cases := []struct {
		retry  int
		random float64
		want   time.Duration
	}{
		{0, 0.5, 100 * time.Millisecond},
		{1, 0.5, 200 * time.Millisecond},
		{3, 0.5, 800 * time.Millisecond},
		{4, 0.5, time.Second},
		{9, 0.5, time.Second},
		{0, 0, 75 * time.Millisecond},
		{0, 1, 125 * time.Millisecond},
	}
	for _, c := range cases {
		if got := policy.Delay(c.retry, c.random); got != c.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", c.retry, c.random, got, c.want)
		}
	}
}

// countingServer responds to each request with the next status in statuses, then 200.
func countingServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	var count atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		index := int(count.Add(1)) - 1
		if index < len(statuses) {
			w.WriteHeader(statuses[index])
			w.Write([]byte(`{"code":"Failure","message":"failed on purpose"}`))
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(server.Close)
	return server, &count
}

func fastClient(rootURL string) *Client {
	client := New(rootURL, "queue", "v1", nil)
	client.Retry = RetryPolicy{MaxRetries: 3, InitialDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	return client
}

func TestDoRetriesServerErrors(t *testing.T) {
	server, count := countingServer(t, 500, 503)
	body, err := fastClient(server.URL).DoJSON(context.Background(), Call{Verb: "GET", Path: "/ping"})
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"ok":true}` || count.Load() != 3 {
		t.Fatalf("body %s after %d requests, want success after 3", body, count.Load())
	}
}

func TestDoGivesUpAfterMaxRetries(t *testing.T) {
	server, count := countingServer(t, 500, 500, 500, 500, 500)
	_, err := fastClient(server.URL).Do(context.Background(), Call{Verb: "GET", Path: "/ping"})
	var apiError *APIError
	if !errors.As(err, &apiError) || apiError.StatusCode != 500 || apiError.Message != "failed on purpose" {
		t.Fatalf("err = %v, want an APIError with status 500", err)
	}
	if count.Load() != 4 {
		t.Fatalf("%d requests, want 4 (1 attempt and 3 retries)", count.Load())
	}
}

func TestDoDoesNotRetryClientErrors(t *testing.T) {
	server, count := countingServer(t, 404)
	_, err := fastClient(server.URL).Do(context.Background(), Call{Verb: "GET", Path: "/ping"})
	var apiError *APIError
	if !errors.As(err, &apiError) || apiError.StatusCode != 404 || apiError.Code != "Failure" {
		t.Fatalf("err = %v, want an APIError with status 404", err)
	}
	if count.Load() != 1 {
		t.Fatalf("%d requests, want 1", count.Load())
	}
}

func TestDoTimesOutEachAttempt(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	t.Cleanup(server.Close)
	client := fastClient(server.URL)
	client.Timeout = 20 * time.Millisecond
	client.Retry.MaxRetries = 1
	started := time.Now()
	_, err := client.Do(context.Background(), Call{Verb: "GET", Path: "/ping"})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if elapsed := time.Since(started); elapsed > time.Second {
		t.Fatalf("took %v, want the timeout to end each attempt", elapsed)
	}
}
