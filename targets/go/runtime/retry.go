package tcclient

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"time"
)

// RetryPolicy sets how often, and after what wait, a request is resent when it
// failed with a 5xx status or a network error. 4xx responses are never retried.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// InitialDelay is the wait before the first retry; each later wait doubles.
	InitialDelay time.Duration
	// MaxDelay caps each wait before jitter is applied.
	MaxDelay time.Duration
	// Jitter is the fraction (0 to 1) by which each wait is randomly shortened or lengthened.
	Jitter float64
}

// DefaultRetryPolicy returns 5 retries starting at 100 ms, capped at 30 s, with 25% jitter.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 5, InitialDelay: 100 * time.Millisecond, MaxDelay: 30 * time.Second, Jitter: 0.25}
}

// Delay returns the wait before retry number retry (0 for the first retry);
// random is a number in [0, 1) that picks the jitter.
func (p RetryPolicy) Delay(retry int, random float64) time.Duration {
	delay := float64(p.InitialDelay) * math.Pow(2, float64(retry))
	if p.MaxDelay > 0 && delay > float64(p.MaxDelay) {
		delay = float64(p.MaxDelay)
	}
	delay *= 1 + p.Jitter*(2*random-1)
	return time.Duration(delay)
}

// networkError is a failure to send a request or read its response.
type networkError struct {
	err error
}

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

// retryable reports whether a failed attempt may be sent again: a 5xx status
// or a network error, unless the caller's context has ended.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiError *APIError
	if errors.As(err, &apiError) {
		return apiError.StatusCode >= 500
	}
	var network *networkError
	return errors.As(err, &network)
}

func sleep(ctx context.Context, delay time.Duration) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func randomFraction() float64 {
	return rand.Float64()
}
