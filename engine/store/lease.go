package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// newLeaseID returns a random lease id, unique across processes and
// machines without coordination.
func newLeaseID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// leaseLost explains that l can no longer be renewed.
func leaseLost(l Lease) error {
	return fmt.Errorf("%w: lease %s on slot key %s held by %s expired and was reclaimed; stop the work it guarded or acquire a new slot",
		ErrLeaseLost, l.ID, l.Key, l.Holder)
}
