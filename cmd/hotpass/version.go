package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is stamped by `make build` with -ldflags "-X main.version=v1.2.3";
// binaries built otherwise describe themselves from their build info.
var version = ""

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from and the Go toolchain",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine())
			return nil
		},
	}
}

// versionLine is what `hotpass version` and `hotpass --version` print, e.g.
// "hotpass v1.2.0 (commit 0123456789ab, dirty, go1.26.8, linux/amd64)".
func versionLine() string {
	info, _ := debug.ReadBuildInfo()
	v, details := describeVersion(version, info)
	details = append(details, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("hotpass %s (%s)", v, strings.Join(details, ", "))
}

// buildVersion is the version alone, as telemetry reports service.version.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	v, _ := describeVersion(version, info)
	return v
}

// describeVersion names the build: the version stamped at link time when
// there is one, else the module version `go install module@version` records,
// else "devel". The details are the VCS revision and whether the tree had
// uncommitted changes, which Go records for builds inside a checkout.
func describeVersion(stamped string, info *debug.BuildInfo) (v string, details []string) {
	v = stamped
	if v == "" && info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "devel"
	}
	if info == nil {
		return v, nil
	}
	var revision string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if revision == "" {
		return v, nil
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	// A version from `git describe` or a pseudo-version already names the
	// commit and says whether the tree was dirty.
	if strings.Contains(v, revision[:min(7, len(revision))]) {
		return v, nil
	}
	details = append(details, "commit "+revision)
	if dirty {
		details = append(details, "dirty")
	}
	return v, details
}
