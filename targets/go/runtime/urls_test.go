package tcclient

import (
	"net/url"
	"testing"
)

func TestEscapePathSegment(t *testing.T) {
	cases := map[string]string{
		"abc-XYZ_0.9":   "abc-XYZ_0.9",
		"x/y z":         "x%2Fy%20z",
		"ü":             "%C3%BC",
		"(a*b)!~'":      "(a*b)!~'",
		"+@:$&=,;?#%[]": "%2B%40%3A%24%26%3D%2C%3B%3F%23%25%5B%5D",
		"":              "",
	}
	for input, want := range cases {
		if got := EscapePathSegment(input); got != want {
			t.Errorf("EscapePathSegment(%q) = %q, want %q", input, got, want)
		}
	}
}

func TestQueryLeavesOutEmptyValues(t *testing.T) {
	query := url.Values{}
	SetQuery(query, "limit", "10")
	SetQuery(query, "continuationToken", "")
	SetQuery(query, "prefix", "a b&c")
	got := query.Encode()
	if want := "limit=10&prefix=a+b%26c"; got != want {
		t.Fatalf("Query = %q, want %q", got, want)
	}
}

func TestServiceURL(t *testing.T) {
	got := ServiceURL("https://tc.example.com/", "queue", "v1", "/task/"+EscapePathSegment("a/b"))
	if want := "https://tc.example.com/api/queue/v1/task/a%2Fb"; got != want {
		t.Fatalf("ServiceURL = %q, want %q", got, want)
	}
	if _, err := url.Parse(got); err != nil {
		t.Fatal(err)
	}
}
