package tcclient

import "testing"

func TestRoutingKeyPattern(t *testing.T) {
	words := []RoutingKeyWord{
		{Constant: "primary"},
		{Value: "abc"},
		{},
		{Value: "x"},
		{MultipleWords: true},
	}
	if got, want := RoutingKeyPattern(words), "primary.abc.*.x.#"; got != want {
		t.Fatalf("RoutingKeyPattern = %q, want %q", got, want)
	}
}
