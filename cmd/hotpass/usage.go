package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/suggest"
)

// requireKnownSubcommands makes every command that only groups subcommands
// (root, runs, deployment, ...) refuse a word it does not know as a usage
// error. Left alone, cobra prints such a group's help and exits 0 for
// `hotpass runs prnue`, so a script with a typo would look as if it worked.
func requireKnownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireKnownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = unknownSubcommand
	// Runnable so that cobra validates the arguments; with none, the group
	// still shows its help.
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	if !c.HasParent() {
		// A group's usage still reads `hotpass runs [command]`, without the
		// `hotpass runs [flags]` line cobra gives runnable commands.
		tmpl := c.UsageTemplate()
		c.SetUsageTemplate(strings.Replace(tmpl, "Usage:{{if .Runnable}}", "Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	}
}

// unknownSubcommand is the Args check of a group command: any positional
// argument is a subcommand name it does not have.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if !sub.IsAvailableCommand() && sub.Name() != "help" {
			continue
		}
		names = append(names, sub.Name())
		names = append(names, sub.Aliases...)
	}
	hint := ""
	if s := suggest.Closest(args[0], names); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	} else if s := closestNested(cmd, args[0]); s != "" {
		// `hotpass prnue` most likely meant `hotpass runs prune`.
		hint = fmt.Sprintf("; did you mean `%s`?", s)
	}
	return fmt.Errorf("%w: unknown command %q for %q%s (see `%s --help`)",
		errUsage, args[0], cmd.CommandPath(), hint, cmd.CommandPath())
}

// closestNested looks one level deeper than cmd's own subcommands and returns
// the full command path of the closest match, or "".
func closestNested(cmd *cobra.Command, name string) string {
	paths := map[string]string{}
	var names []string
	for _, group := range cmd.Commands() {
		if !group.IsAvailableCommand() {
			continue
		}
		for _, sub := range group.Commands() {
			if !sub.IsAvailableCommand() {
				continue
			}
			if _, dup := paths[sub.Name()]; dup {
				// `ls` under runs, deployment and profiles: no single answer.
				paths[sub.Name()] = ""
				continue
			}
			paths[sub.Name()] = sub.CommandPath()
			names = append(names, sub.Name())
		}
	}
	return paths[suggest.Closest(name, names)]
}

// strictHelp makes `hotpass help runs prnue` a usage error like
// `hotpass runs prnue`, instead of cobra's help text and exit 0.
func strictHelp(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() != "help" || c.Run == nil {
			continue
		}
		show := c.Run
		c.Run = nil
		c.RunE = func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err == nil && target != nil && target.HasSubCommands() && len(rest) > 0 {
				return unknownSubcommand(target, rest)
			}
			show(c, args)
			return nil
		}
	}
}
