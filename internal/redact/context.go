package redact

import "context"

type ctxKey struct{}

// NewContext returns ctx carrying r, so that tasks which learn of values to
// keep out of logs while they run (the personal data a compliance policy
// masks) can add them to the run's Redactor.
func NewContext(ctx context.Context, r *Redactor) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the Redactor ctx carries, or nil (on which String
// and Empty work, masking nothing; Add must not be called on it).
func FromContext(ctx context.Context) *Redactor {
	r, _ := ctx.Value(ctxKey{}).(*Redactor)
	return r
}
