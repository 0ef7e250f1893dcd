package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotpass/hotpass/specs"
)

// paramOptions are the two ways every command that starts or schedules a
// run takes params: --param name=value (repeatable, typed by the spec's
// declaration) and --params '{"name": value}' (JSON), --param winning.
type paramOptions struct {
	kv   []string
	json string
}

// addParamFlags gives cmd --param and --params; what says whose params
// they are ("this run", "every run of the deployment").
func addParamFlags(cmd *cobra.Command, p *paramOptions, what string) {
	f := cmd.Flags()
	f.StringArrayVar(&p.kv, "param", nil, "set a param of "+what+": --param name=value (repeatable)")
	f.StringVar(&p.json, "params", "", "set params of "+what+` from a JSON object, e.g. --params '{"region":"za"}'`)
}

// parse returns the JSON params and the name=value flags, unchecked.
func (p *paramOptions) parse() (map[string]any, map[string]string, error) {
	flags, err := parseParamFlags(p.kv)
	if err != nil {
		return nil, nil, err
	}
	fromJSON, err := parseParamsJSON(p.json)
	if err != nil {
		return nil, nil, err
	}
	return fromJSON, flags, nil
}

// typed returns the params as JSON values for storing with a deployment or
// a queued run: --params, with each --param converted by the type spec
// declares for it (so `--param refresh_contacts=true` stores a boolean). A
// name the spec does not declare stays a string for the caller's param
// check to report, with its suggestion. The caller loads spec once, for
// this and for that check.
func (p *paramOptions) typed(spec *specs.Spec) (map[string]any, error) {
	fromJSON, flags, err := p.parse()
	if err != nil || len(flags) == 0 {
		return fromJSON, err
	}
	out := make(map[string]any, len(fromJSON)+len(flags))
	for k, v := range fromJSON {
		out[k] = v
	}
	for k, v := range flags {
		decl := spec.Param(k)
		if decl == nil {
			out[k] = v
			continue
		}
		tv, err := specs.ConvertParam(decl.Type, v)
		if err != nil {
			return nil, fmt.Errorf("%w: --param %s: %w", errUsage, k, &specs.ParamError{Name: k, Msg: err.Error()})
		}
		out[k] = tv
	}
	// As JSON values (an integer as float64), the form the param check
	// and the store take.
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode params: %w", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		return nil, fmt.Errorf("decode params: %w", err)
	}
	return back, nil
}

// aliasFlags keeps other names of a flag working, hidden from help: an
// older name, or the name another command used for the same concept before
// each concept got one name across commands.
func aliasFlags(cmd *cobra.Command, aliases map[string]string) {
	f := cmd.Flags()
	prev := f.GetNormalizeFunc()
	f.SetNormalizeFunc(func(fs *pflag.FlagSet, name string) pflag.NormalizedName {
		if to, ok := aliases[name]; ok {
			name = to
		}
		return prev(fs, name)
	})
}
