package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// pairKeySize is the length of a generated pair key, in bytes.
const pairKeySize = 32

// LoadPairKey returns the secret the review desk keys its pair ids with,
// kept in the state directory (runstate.ReviewKeyFile). The first call
// creates it: random, mode 0600, placed so that of two serve processes
// starting together both end up with the one that won. Keeping it makes
// links to review pairs survive restarts and work across serve processes
// sharing the state directory.
func LoadPairKey(stateDir string) ([]byte, error) {
	l := runstate.New(stateDir)
	path := l.ReviewKey()
	key, err := readPairKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := l.MakeHome(); err != nil {
		return nil, err
	}
	key = make([]byte, pairKeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	if err := writePairKey(path, key); errors.Is(err, fs.ErrExist) {
		return readPairKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("create the review desk's pair key %s: %w (make the state directory writable, or give serve another --state-dir)", path, err)
	}
	return key, nil
}

// writePairKey writes key hex-encoded to path unless the file exists.
func writePairKey(path string, key []byte) error {
	// Private from creation: the key is never readable by others.
	f, err := atomicfile.Create(path, atomicfile.NoReplace(), atomicfile.Private())
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}

// readPairKey reads a key writePairKey wrote, refusing one others can read.
func readPairKey(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("the review desk's pair key %s is readable by others (mode %s): run chmod 600 %s", path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) < pairKeySize {
		return nil, fmt.Errorf("%s does not hold a review desk pair key (%d hex-encoded bytes): delete it and serve makes a new one, which changes the links to review pairs", path, pairKeySize)
	}
	return key, nil
}

// keyedPairID names the pair of a and b on pages and in links: an
// HMAC-SHA-256 under key of the pair's labelstudio.PairID. That id is a
// plain hash of the records' ids, so anyone holding a list of candidate
// ids (emails as a CRM's key) could tell which pair a link is about; the
// keyed id tells nothing without the key.
func keyedPairID(key []byte, a, b labelstudio.RecordRef) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(labelstudio.PairID(a, b)))
	return "pair-" + hex.EncodeToString(mac.Sum(nil)[:16])
}
