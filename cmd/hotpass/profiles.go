package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/profiles"
)

func newProfilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List and show industry profiles",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "ls",
		Short: "List the built-in profiles",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listProfiles(cmd.OutOrStdout())
		},
	}, &cobra.Command{
		Use:   "show NAME|PATH",
		Short: "Print a profile (a built-in by name, or a file, which is checked first)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return showProfile(cmd.OutOrStdout(), args[0])
		},
	})
	return cmd
}

func listProfiles(w io.Writer) error {
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

func showProfile(w io.Writer, ref string) error {
	if profiles.IsPath(ref) {
		if _, err := profiles.Load(ref); err != nil {
			return err
		}
		src, err := readFile(ref)
		if err != nil {
			return err
		}
		_, err = w.Write(src)
		return err
	}
	src, err := profiles.Source(ref)
	if err != nil {
		return fmt.Errorf("%w: %v (see `hotpass profiles ls`)", errUsage, err)
	}
	_, err = w.Write(src)
	return err
}

func readFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}
