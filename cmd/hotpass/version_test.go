package main

import (
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	t.Parallel()
	checkout := func(mainVersion, revision, modified string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/hotpass/hotpass", Version: mainVersion}}
		if revision != "" {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: "vcs.revision", Value: revision})
		}
		if modified != "" {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: "vcs.modified", Value: modified})
		}
		return info
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name        string
		stamped     string
		info        *debug.BuildInfo
		wantVersion string
		wantDetails string
	}{
		{"stamped wins over build info", "v1.2.0", checkout("v1.1.0", "", ""), "v1.2.0", ""},
		{"stamped tag with the commit", "v1.2.0", checkout("(devel)", rev, "false"), "v1.2.0", "commit 0123456789ab"},
		{"git describe already names the commit", "v1.2.0-3-g0123456-dirty", checkout("(devel)", rev, "true"), "v1.2.0-3-g0123456-dirty", ""},
		{"go install module@version", "", checkout("v1.1.0", "", ""), "v1.1.0", ""},
		{"checkout build, clean", "", checkout("(devel)", rev, "false"), "devel", "commit 0123456789ab"},
		{"checkout build, dirty", "", checkout("(devel)", rev, "true"), "devel", "commit 0123456789ab, dirty"},
		{"pseudo-version names the commit", "", checkout("v0.0.0-20261207171819-0123456789ab+dirty", rev, "true"), "v0.0.0-20261207171819-0123456789ab+dirty", ""},
		{"no build info", "", nil, "devel", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, details := describeVersion(tt.stamped, tt.info)
			if v != tt.wantVersion || strings.Join(details, ", ") != tt.wantDetails {
				t.Errorf("describeVersion = %q, %q; want %q, %q", v, details, tt.wantVersion, tt.wantDetails)
			}
		})
	}
}

// TestVersionStamped checks that the link-time version reaches both
// `hotpass version` and `hotpass --version`. Not parallel: it sets the
// package variable -ldflags -X would set.
func TestVersionStamped(t *testing.T) {
	saved := version
	version = "v9.8.7"
	t.Cleanup(func() { version = saved })
	want := regexp.MustCompile(`^hotpass v9\.8\.7 \((.+, )?go1\.[0-9.]+\S*, \w+/\w+\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		stdout, stderr, code := cli(t, args...)
		if code != exitOK || stderr != "" || !want.MatchString(stdout) {
			t.Errorf("hotpass %s: exit %d, stdout %q, stderr %q; want %s", args[0], code, stdout, stderr, want)
		}
	}
}
