package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// workCommands are the commands that do work: each takes --no-progress, so
// that a script can pass it to all of them. Those that show live progress
// (run, orchestrate, backfill, deployment run, resolve) define the flag
// themselves.
var workCommands = []string{
	"run", "orchestrate", "backfill", "deployment run",
	"resolve", "archive", "linkage evaluate", "linkage blocking-stats", "linkage suggest-blocking",
	"geo clusters",
	"privacy scan", "privacy erase",
}

// acceptNoProgress gives --no-progress to the work commands that print
// plain lines only and so have no live display to turn off.
func acceptNoProgress(root *cobra.Command) {
	for _, path := range workCommands {
		cmd, _, err := root.Find(strings.Fields(path))
		if err != nil || cmd == root || cmd.Flags().Lookup("no-progress") != nil {
			continue
		}
		cmd.Flags().Bool("no-progress", false, "no live progress display (this command prints plain lines only)")
	}
}
