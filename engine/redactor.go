package engine

// Redactor masks secret values. The engine passes every string it writes
// to disk or hands to observers through it: task logs, errors, params and
// attrs. It must be safe for concurrent use.
type Redactor interface {
	// String returns s with every secret replaced by a mask.
	String(s string) string
	// Empty reports whether there is no secret to mask, so that hot paths
	// can skip String altogether.
	Empty() bool
}

// noSecrets is the Redactor of a run given none: it masks nothing.
type noSecrets struct{}

func (noSecrets) String(s string) string { return s }
func (noSecrets) Empty() bool            { return true }
