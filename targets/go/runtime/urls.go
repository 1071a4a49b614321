package tcclient

import (
	"net/url"
	"strings"
)

// EscapePathSegment percent-encodes a path argument like JavaScript's
// encodeURIComponent: A-Z a-z 0-9 - _ . ! ~ * ' ( ) stay as they are, every
// other byte of the UTF-8 text (including "/") becomes %XX with uppercase hex.
func EscapePathSegment(value string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if isURIComponentSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}

func isURIComponentSafe(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.!~*'()", c) >= 0
}

// SetQuery sets the query parameter name to value, unless value is empty:
// an empty optional parameter is left out of the URL.
func SetQuery(query url.Values, name, value string) {
	if value != "" {
		query.Set(name, value)
	}
}

// ServiceURL returns <base>/api/<service>/<apiVersion><path>, where base is a
// root URL or a taskcluster-proxy URL and path is already escaped.
func ServiceURL(base, service, apiVersion, path string) string {
	return strings.TrimRight(base, "/") + "/api/" + service + "/" + apiVersion + path
}
