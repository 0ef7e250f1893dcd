package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/profiles"
)

// demoInputDir holds the workbooks `make demo` refines with the aviation
// profile: a folder laid out the way a profile expects.
const demoInputDir = "examples/aviation/data"

// unknownProfileError is the usage error for a --profile naming no profile:
// err, which wraps profiles.ErrUnknown, lists the built-in ones, and the
// closest is suggested.
func unknownProfileError(profile string, err error) error {
	if s := suggest.Closest(profile, profiles.Names()); s != "" {
		return fmt.Errorf("%w: --profile: %v; did you mean %q?", errUsage, err, s)
	}
	return fmt.Errorf("%w: --profile: %v", errUsage, err)
}

// checkProfileInputs refuses an unknown profile, and an --input-dir that is
// not a directory with a message saying where the profile looks, how to point
// it elsewhere and which files it expects to find there. A first run in an
// empty directory lands here, since the default is ./data.
func checkProfileInputs(profile, dir string) error {
	p, err := profiles.Builtin(profile)
	if errors.Is(err, profiles.ErrUnknown) {
		return unknownProfileError(profile, err)
	}
	fi, err := os.Stat(dir)
	if err == nil && fi.IsDir() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--input-dir %s is not a directory", dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		abs, aerr := filepath.Abs(dir)
		if aerr != nil {
			abs = dir
		}
		fmt.Fprintf(&b, ": %s does not exist", abs)
	case err != nil:
		fmt.Fprintf(&b, ": %v", err)
	default:
		b.WriteString(" but a file")
	}
	fmt.Fprintf(&b, "\nThe %s profile reads its source files from --input-dir, ./data by default; "+
		"pass the folder that holds them:\n  hotpass orchestrate --profile %s --input-dir DIR\n", profile, profile)
	if p != nil && len(p.Sources) > 0 {
		fmt.Fprintf(&b, "It expects, in that folder:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, s := range p.Sources {
			var sheets []string
			for _, sh := range s.Sheets {
				if sh.Sheet != "" && sh.Sheet != "*" {
					sheets = append(sheets, sh.Sheet)
				}
			}
			line := "  " + s.Name + "\t" + strings.Join(s.Files, ", ")
			if len(sheets) > 0 {
				line += "\tsheets: " + strings.Join(sheets, ", ")
			}
			fmt.Fprintln(tw, line)
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(&b, "For an example, `make demo` runs the aviation profile on the workbooks in %s:\n"+
		"  hotpass orchestrate --profile aviation --input-dir %s", demoInputDir, demoInputDir)
	return fmt.Errorf("%w: %s", errUsage, b.String())
}
