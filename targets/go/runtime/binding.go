package tcclient

import "strings"

// Binding is the exchange name, routing-key pattern and message schema id that
// a consumer needs to bind a queue to an exchange.
type Binding struct {
	// Exchange is the exchange name with its prefix, such as
	// "exchange/taskcluster-queue/v1/task-defined".
	Exchange string
	// RoutingKeyPattern is an AMQP topic pattern, such as "primary.abc.*.#".
	RoutingKeyPattern string
	// SchemaID is the root-relative id of the message schema, such as
	// "/schemas/queue/v1/task-defined-message.json".
	SchemaID string
}

// RoutingKeyWord is one part of a routing key: a constant, or the value a
// caller gave (empty when the caller matches any value).
type RoutingKeyWord struct {
	Constant      string
	Value         string
	MultipleWords bool
}

// RoutingKeyPattern joins the words with ".", using each constant, each given
// value, and "*" (one word) or "#" (any number of words) for missing values.
func RoutingKeyPattern(words []RoutingKeyWord) string {
	parts := make([]string, len(words))
	for i, word := range words {
		switch {
		case word.Constant != "":
			parts[i] = word.Constant
		case word.Value != "":
			parts[i] = word.Value
		case word.MultipleWords:
			parts[i] = "#"
		default:
			parts[i] = "*"
		}
	}
	return strings.Join(parts, ".")
}
