package specs

import (
	"context"
	"io"
	"os"
	"syscall"

	"gopkg.in/yaml.v3"
)

// Limits on the shape of a spec. Real specs are a handful of levels deep and
// their widest mapping is the task list; anything past these limits was
// generated or written to hurt, and would only cost memory and time: yaml.v3
// compares every pair of keys of a mapping it decodes into Go values, so a
// mapping's cost grows with the square of its key count.
const (
	// MaxDepth bounds how deeply mappings and lists may nest.
	MaxDepth = 64
	// MaxMappingKeys bounds the keys of any one mapping (tasks included).
	MaxMappingKeys = 10_000
)

// cancelCheckEvery is how many nodes a walk visits between looks at its
// context: often enough to stop within milliseconds, rarely enough to cost
// nothing.
const cancelCheckEvery = 4096

// ReadFile reads a spec file through a reader that stops past MaxFileSize.
// Only regular files are read: a FIFO would block until a writer appears,
// and a device such as /dev/zero never ends. The file is opened without
// blocking so that a FIFO is refused, not waited on. Errors are Diagnostics
// naming path.
func ReadFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, Diagnostics{Errorf(Pos{File: path}, "cannot read spec: %s", describeFSError(err))}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, Diagnostics{Errorf(Pos{File: path}, "cannot read spec: %s", describeFSError(err))}
	}
	if fi.IsDir() {
		return nil, Diagnostics{Errorf(Pos{File: path}, "is a directory, not a spec file")}
	}
	if !fi.Mode().IsRegular() {
		return nil, Diagnostics{Errorf(Pos{File: path}, "is not a regular file (%s), not a spec file", fileKind(fi.Mode())).
			WithHint("a spec must be a regular YAML file; pipes and devices are not read")}
	}
	if fi.Size() > MaxFileSize {
		return nil, Diagnostics{tooLarge(path, fi.Size())}
	}
	// The file may grow after Stat: the reader stops one byte past the limit
	// so that growth is still caught.
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, Diagnostics{Errorf(Pos{File: path}, "cannot read spec: %s", describeFSError(err))}
	}
	if len(src) > MaxFileSize {
		return nil, Diagnostics{tooLarge(path, int64(len(src)))}
	}
	return src, nil
}

func tooLarge(path string, size int64) Diagnostic {
	// Exact byte counts: rounded sizes would print a file just over the
	// limit as the same size as the limit.
	return Errorf(Pos{File: path}, "spec file is %d bytes; the limit is %d bytes (%s)", size, MaxFileSize, humanBytes(MaxFileSize)).
		WithHint("is this the right file? specs are small YAML files")
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// checkShape walks the node tree once, without recursion, and reports the
// first mapping or list nested deeper than MaxDepth and every mapping with
// more than MaxMappingKeys keys. It runs before any other check, so that
// those can assume a tree of bounded shape. Aliases are not followed: their
// expansion is bounded where it happens.
func checkShape(ctx context.Context, path string, root *yaml.Node) (Diagnostics, error) {
	type item struct {
		n     *yaml.Node
		depth int
	}
	var diags Diagnostics
	stack := []item{{root, 0}}
	for visited := 0; len(stack) > 0; visited++ {
		if visited%cancelCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
			continue
		}
		if it.depth >= MaxDepth {
			return append(diags, Errorf(PosOf(path, n), "spec is nested deeper than the limit of %d levels", MaxDepth).
				WithHint("specs are a few levels deep; flatten this value or move the data to a file the task reads")), nil
		}
		if n.Kind == yaml.MappingNode && len(n.Content)/2 > MaxMappingKeys {
			diags = append(diags, Errorf(PosOf(path, n), "mapping has %d keys, over the limit of %d keys", len(n.Content)/2, MaxMappingKeys).
				WithHint("split it, or move the data to a file the task reads"))
			continue
		}
		// Pushed in reverse so that the tree is walked in file order and the
		// first problem reported is the first in the file.
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, item{n.Content[i], it.depth + 1})
		}
	}
	return diags, nil
}
