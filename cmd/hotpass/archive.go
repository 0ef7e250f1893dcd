package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/backfill"
)

type archiveOptions struct {
	config         string
	inputDir       string
	date           string
	version        string
	archiveRoot    string
	archivePattern string
}

func newArchiveCmd() *cobra.Command {
	o := &archiveOptions{}
	cmd := &cobra.Command{
		Use:   "archive --input-dir DIR --date YYYY-MM-DD --version V",
		Short: "Archive a pipeline's input files for one date and version, for later backfills",
		Long: "Zip every file under --input-dir into <archive-root>/<archive-pattern> with a SHA256SUMS member, so\n" +
			"that `hotpass backfill` can verify and replay it. The name comes from --archive-pattern, else the\n" +
			"orchestrator.backfill block of --config, else hotpass-inputs-{date:%Y%m%d}-v{version}.zip under\n" +
			"dist/input-archives. The archive is written to a temporary file and renamed into place; an existing\n" +
			"archive is never replaced.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runArchive(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.inputDir, "input-dir", "", "directory of input files to archive (required)")
	f.StringVar(&o.date, "date", "", "logical date the inputs are for, YYYY-MM-DD (required)")
	f.StringVar(&o.version, "version", "", "version of the inputs (required)")
	f.StringVar(&o.config, "config", "", "take archive_root and archive_pattern from this file's orchestrator.backfill block")
	f.StringVar(&o.archiveRoot, "archive-root", "", "directory to write the archive to (default dist/input-archives)")
	f.StringVar(&o.archivePattern, "archive-pattern", "", "archive file name with {date:<strftime>} and {version}")
	return cmd
}

func runArchive(cmd *cobra.Command, o *archiveOptions) error {
	for _, req := range []struct{ name, val string }{{"input-dir", o.inputDir}, {"date", o.date}, {"version", o.version}} {
		if req.val == "" {
			return fmt.Errorf("%w: --%s is required (see `hotpass archive --help`)", errUsage, req.name)
		}
	}
	date, err := backfill.ParseDate(o.date)
	if err != nil {
		return fmt.Errorf("%w: --date: %v", errUsage, err)
	}
	if err := backfill.CheckVersion(o.version); err != nil {
		return fmt.Errorf("%w: --version: %v", errUsage, err)
	}
	root, pattern := backfill.DefaultArchiveRoot, backfill.DefaultArchivePattern
	if o.config != "" {
		l, err := newLoader()
		if err != nil {
			return err
		}
		cfg, err := backfill.LoadConfig(l, o.config)
		if err != nil {
			return err
		}
		root, pattern = cfg.ArchiveRoot, cfg.ArchivePattern.String()
	}
	if o.archiveRoot != "" {
		root = o.archiveRoot
	}
	if o.archivePattern != "" {
		pattern = o.archivePattern
	}
	p, err := backfill.ParsePattern(pattern)
	if err != nil {
		return fmt.Errorf("%w: --archive-pattern: %v", errUsage, err)
	}
	name, err := p.Render(date, o.version)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	c, err := archive.Create(o.inputDir, filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "archived %d files (%s bytes) to %s\n", c.Files, backfill.Thousands(c.Bytes), c.Path)
	fmt.Fprintf(out, "sha256 %s\n", c.SHA256)
	return nil
}
