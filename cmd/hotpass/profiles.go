package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
	list, err := availableProfiles(".")
	if err != nil {
		return err
	}
	if format == formatJSON {
		return writeJSON(w, profileListJSON{Profiles: nonNil(list)})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tDESCRIPTION")
	for _, p := range list {
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
	} else if local, ok := localProfile(".", ref); ok {
		return showProfile(w, local, format)
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
		_, err := w.Write(publishedSchema(src, profiles.SchemaURL))
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

// localProfile returns the file that overrides or adds the profile name
// in dir, as a run of a spec in dir finds it (profiles.Resolve).
func localProfile(dir, name string) (string, bool) {
	for _, ext := range []string{".yaml", ".yml"} {
		p := filepath.Join(dir, "profiles", name+ext)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// availableProfiles lists the profiles a spec in dir (or orchestrate run
// there) can name: the built-in ones, each replaced by the file under
// dir/profiles that overrides it, and the other profiles in that folder.
// A broken local file is an error: it would break the runs that use it.
func availableProfiles(dir string) ([]profiles.Info, error) {
	byName := map[string]profiles.Info{}
	for _, p := range profiles.List() {
		byName[p.Name] = p
	}
	for _, ext := range []string{".yml", ".yaml"} {
		files, _ := filepath.Glob(filepath.Join(dir, "profiles", "*"+ext))
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ext)
			if strings.Contains(name, ".") {
				continue // aviation.pipeline.yaml and the like are not profiles
			}
			p, err := profiles.Load(f)
			if err != nil {
				return nil, err
			}
			byName[name] = profiles.Info{Name: name, Description: strings.TrimSpace(p.Description), Source: f}
		}
	}
	out := make([]profiles.Info, 0, len(byName))
	for _, p := range byName {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b profiles.Info) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
