package tcclient

import (
	"encoding/json"
	"fmt"
	"strings"
)

// APIError is a response with a 4xx or 5xx status, after any retries.
type APIError struct {
	// StatusCode is the HTTP status code of the last response.
	StatusCode int
	// Code is the Taskcluster error code from the body, such as "ResourceNotFound", if any.
	Code string
	// Message is the server's error message, or the response body when it is not
	// a Taskcluster error document.
	Message string
	Method  string
	URL     string
}

func (e *APIError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s %s: status %d (%s): %s", e.Method, e.URL, e.StatusCode, e.Code, e.Message)
	}
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.URL, e.StatusCode, e.Message)
}

// newAPIError reads the code and message from a Taskcluster error body.
func newAPIError(method, target string, status int, body []byte) *APIError {
	apiError := &APIError{StatusCode: status, Method: method, URL: target}
	var document struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &document) == nil && document.Message != "" {
		apiError.Code = document.Code
		apiError.Message = document.Message
		return apiError
	}
	apiError.Message = strings.TrimSpace(string(body))
	return apiError
}
