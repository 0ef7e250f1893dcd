package webui

import (
	"os"
	"strconv"
	"sync"
)

// maxCachedFiles bounds a fileCache; past it the cache starts again.
const maxCachedFiles = 64

// fileCache keeps what was derived from a file, keyed by its path, size
// and modification time, so that a file is read again only after it
// changed. Specs and review queues are costly to parse and rarely change.
type fileCache[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// get returns the value for path, computing it with load when the file is
// new or changed. Errors are not cached.
func (c *fileCache[T]) get(path string, load func(string) (T, error)) (T, error) {
	var zero T
	info, err := os.Stat(path)
	if err != nil {
		return zero, err
	}
	key := path + "|" + strconv.FormatInt(info.Size(), 10) + "|" + strconv.FormatInt(info.ModTime().UnixNano(), 10)
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err = load(path)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedFiles {
		c.m = map[string]T{}
	}
	c.m[key] = v
	c.mu.Unlock()
	return v, nil
}
