package specs

import (
	"strings"
	"testing"
)

// TestFoldedPos maps positions in a folded scalar's value back to the file,
// across folded lines, blank lines and more-indented lines.
func TestFoldedPos(t *testing.T) {
	t.Parallel()
	src := strings.Join([]string{
		"command: >-",   //  1
		"  echo first",  // 2
		"  and {{ x }}", // 3: folded onto value line 1
		"",              //  4: a line break
		"  next para",   //  5: value line 2
		"    indented",  // 6: value line 3, more indented
		"  back",        //  7: value line 4
		"other: 1",      //  8: after the scalar
	}, "\n")
	lines := strings.Split(src, "\n")
	tests := []struct {
		name              string
		line, col         int
		wantLine, wantCol int
		wantOK            bool
	}{
		{"first character", 1, 1, 2, 3, true},
		{"on the folded line", 1, len("echo first and {{ ") + 1, 3, len("  and {{ ") + 1, true},
		{"after a blank line", 2, 6, 5, 8, true},
		{"more indented keeps its indentation", 3, 3, 6, 5, true},
		{"after a more-indented line", 4, 1, 7, 3, true},
		{"past the scalar", 9, 1, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, c, ok := foldedPos(lines, 1, tt.line, tt.col)
			if l != tt.wantLine || c != tt.wantCol || ok != tt.wantOK {
				t.Errorf("foldedPos(%d, %d) = %d, %d, %v; want %d, %d, %v", tt.line, tt.col, l, c, ok, tt.wantLine, tt.wantCol, tt.wantOK)
			}
		})
	}
}
