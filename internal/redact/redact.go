// Package redact hides secret values (such as those read from environment
// variables by spec templates) in logs, errors and run records.
package redact

import (
	"sort"
	"strings"
	"sync"
)

// Mask replaces a secret wherever it appears.
const Mask = "***"

// minLen keeps very short values (like "1" or "on") from being treated as
// secrets: masking them would garble unrelated text without protecting anything.
const minLen = 4

// Redactor holds a set of secret values. The zero value is ready to use and
// safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	secrets  map[string]struct{}
	replacer *strings.Replacer
}

// Add records secret values; short or empty values are ignored.
func (r *Redactor) Add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) < minLen {
			continue
		}
		if r.secrets == nil {
			r.secrets = make(map[string]struct{})
		}
		r.secrets[v] = struct{}{}
	}
	r.replacer = nil
}

// String replaces every secret in s with Mask.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	n := len(r.secrets)
	r.mu.RUnlock()
	if n == 0 {
		return s
	}
	if rep == nil {
		rep = r.build()
	}
	return rep.Replace(s)
}

func (r *Redactor) build() *strings.Replacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer != nil {
		return r.replacer
	}
	vals := make([]string, 0, len(r.secrets))
	for v := range r.secrets {
		vals = append(vals, v)
	}
	// Longest first so that a secret containing another is masked whole.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, Mask)
	}
	r.replacer = strings.NewReplacer(pairs...)
	return r.replacer
}

// Empty reports whether no secret has been recorded.
func (r *Redactor) Empty() bool {
	if r == nil {
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.secrets) == 0
}
