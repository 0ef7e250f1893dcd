// Package retryafter reads HTTP Retry-After headers (RFC 9110 §10.2.3).
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max is the longest wait Parse returns: a server asking for more is
// treated as asking for this much, and a huge delay-seconds value cannot
// overflow a time.Duration.
const Max = 24 * time.Hour

// Parse returns the wait a Retry-After value asks for: delay-seconds or
// an HTTP date. An empty, malformed or past value means no wait.
func Parse(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(Max/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), Max)
	}
	return 0
}
