package engine

import "path/filepath"

// ResolvePath reads a path written in a spec, or in a file a spec points
// to, the way every such path is read: relative to dir (the spec's
// directory) unless it is absolute. An empty path stays empty, so that an
// unset option is not mistaken for the directory itself, and an empty dir
// leaves p as written, relative to the working directory.
func ResolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
