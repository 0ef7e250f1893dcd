package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/profiles"
)

func newProfilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List and show industry profiles",
	}
	var lsFormat, showFormat string
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the built-in profiles",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listProfiles(cmd.OutOrStdout(), lsFormat)
		},
	}
	addFormatFlag(ls, &lsFormat)
	show := &cobra.Command{
		Use:   "show NAME|PATH",
		Short: "Print a profile (a built-in by name, or a file, which is checked first)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return showProfile(cmd.OutOrStdout(), args[0], showFormat)
		},
	}
	addFormatFlag(show, &showFormat)
	cmd.AddCommand(ls, show)
	return cmd
}

// profileListJSON is what `profiles ls --format json` prints.
type profileListJSON struct {
	Profiles []profiles.Info `json:"profiles"`
}

// profileJSON is what `profiles show --format json` prints: where the
// profile comes from and its document, as the profile schema describes it.
type profileJSON struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Source      string  `json:"source"`
	Profile     any     `json:"profile"`
}

func listProfiles(w io.Writer, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if format == formatJSON {
		return writeJSON(w, profileListJSON{Profiles: nonNil(profiles.List())})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tDESCRIPTION")
	for _, p := range profiles.List() {
		desc := p.Description
		if len(desc) > 90 {
			desc = desc[:87] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Source, desc)
	}
	return tw.Flush()
}

func showProfile(w io.Writer, ref, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	var src []byte
	var info profileJSON
	if profiles.IsPath(ref) {
		p, err := profiles.Load(ref)
		if err != nil {
			return err
		}
		if src, err = readFile(ref); err != nil {
			return err
		}
		info = profileJSON{Name: p.Name, Description: jsonString(strings.TrimSpace(p.Description)), Source: ref}
	} else {
		var err error
		if src, err = profiles.Source(ref); err != nil {
			return fmt.Errorf("%w: %v (see `hotpass profiles ls`)", errUsage, err)
		}
		p, err := profiles.Builtin(ref)
		if err != nil {
			return err
		}
		info = profileJSON{Name: p.Name, Description: jsonString(strings.TrimSpace(p.Description)), Source: "builtin"}
	}
	if format == formatText {
		_, err := w.Write(src)
		return err
	}
	doc, err := profiles.Document(info.Source, src)
	if err != nil {
		return err
	}
	info.Profile = doc
	return writeJSON(w, info)
}

func readFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}
