package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// DatasourceType describes one `type:` of the spec's `datasources:` block so
// that the schema can check its options.
type DatasourceType interface {
	Name() string
	Schema() json.RawMessage
}

// DatasourceRegistry is implemented by registries that also know datasource types.
type DatasourceRegistry interface {
	DatasourceTypes() []DatasourceType
}

// Loader turns spec files into runnable plans: parse and check against the
// schema composed from the registry's types, check templates, render, compile.
// A Loader is safe for concurrent use.
type Loader struct {
	reg       Registry
	validator *specs.Validator
	templates *tmpl.Engine
	// shell lists each task type's shell command options.
	shell map[string][]string
}

// NewLoader builds the pipeline schema from the registry's task (and
// datasource) types.
func NewLoader(reg Registry) (*Loader, error) {
	var taskSchemas, dsSchemas []specs.TypeSchema
	for _, t := range reg.Types() {
		taskSchemas = append(taskSchemas, specs.TypeSchema{Name: t.Name(), Schema: t.Schema()})
	}
	if dr, ok := reg.(DatasourceRegistry); ok {
		for _, d := range dr.DatasourceTypes() {
			dsSchemas = append(dsSchemas, specs.TypeSchema{Name: d.Name(), Schema: d.Schema()})
		}
	}
	v, err := specs.NewValidator(schemas.PipelineBase, taskSchemas, dsSchemas)
	if err != nil {
		return nil, err
	}
	return &Loader{reg: reg, validator: v, templates: tmpl.New(), shell: ShellOptions(reg)}, nil
}

// Validator returns the composed schema validator (`hotpass schema` prints it).
func (l *Loader) Validator() *specs.Validator { return l.validator }

// Registry returns the task registry plans are compiled against.
func (l *Loader) Registry() Registry { return l.reg }

// Load parses the spec at path and runs the static checks. Warnings are
// returned even when the spec is valid; err is non-nil (wrapping
// specs.ErrInvalid) when any error was found.
func (l *Loader) Load(path string, strict bool, lookupEnv func(string) (string, bool)) (*specs.Spec, specs.Diagnostics, error) {
	return l.LoadContext(context.Background(), path, strict, lookupEnv)
}

// LoadContext is Load that stops when ctx is done; the error then wraps
// ctx.Err() and there are no diagnostics.
func (l *Loader) LoadContext(ctx context.Context, path string, strict bool, lookupEnv func(string) (string, bool)) (*specs.Spec, specs.Diagnostics, error) {
	spec, err := specs.LoadContext(ctx, path, l.validator)
	return l.check(ctx, spec, err, strict, lookupEnv)
}

// ParseContext is LoadContext for spec source held in memory: path names
// it in positions and is the base of relative paths; it need not exist.
func (l *Loader) ParseContext(ctx context.Context, path string, src []byte, strict bool, lookupEnv func(string) (string, bool)) (*specs.Spec, specs.Diagnostics, error) {
	spec, err := specs.ParseContext(ctx, path, src, l.validator)
	return l.check(ctx, spec, err, strict, lookupEnv)
}

// check runs the static checks on a parsed spec, or turns the parse error
// into diagnostics.
func (l *Loader) check(ctx context.Context, spec *specs.Spec, err error, strict bool, lookupEnv func(string) (string, bool)) (*specs.Spec, specs.Diagnostics, error) {
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
			return nil, nil, err
		}
		return nil, specs.AsDiagnostics(err), err
	}
	diags, err := specs.CheckContext(ctx, spec, specs.CheckOptions{Strict: strict, LookupEnv: lookupEnv, Engine: l.templates, ShellOptions: l.shell})
	if err != nil {
		return nil, nil, err
	}
	return spec, diags, diags.Err()
}

// PrepareOptions say how to render a spec before compiling it.
type PrepareOptions struct {
	// ParamsJSON and ParamFlags are the raw parameter values from the command line.
	ParamsJSON map[string]any
	ParamFlags map[string]string
	// Run is what templates see as run.*; zero fields are filled in.
	Run tmpl.Run
	// Lenient renders unset environment variables as "" with a warning (validate).
	Lenient bool
	// Only prepares just these tasks and what they depend on (a run with
	// RunOptions.Only): the others' options, and datasources only they use,
	// are not rendered or checked.
	Only []string
	// Placeholders says the param values are stand-ins for required params
	// (validate): they are not checked against the params' constraints.
	Placeholders bool
	LookupEnv    func(string) (string, bool)
}

// Prepared is a spec ready to run.
type Prepared struct {
	Plan     *Plan
	Rendered *specs.Rendered
	Params   map[string]any
	// Warnings found while rendering (lenient mode).
	Warnings specs.Diagnostics
}

// Prepare resolves params, renders templates and compiles the plan.
func (l *Loader) Prepare(spec *specs.Spec, o PrepareOptions) (*Prepared, error) {
	resolve := specs.ResolveParams
	if o.Placeholders {
		resolve = specs.ResolvePlaceholderParams
	}
	params, err := resolve(spec, o.ParamsJSON, o.ParamFlags)
	if err != nil {
		return nil, err
	}
	if o.Run.TS.IsZero() {
		o.Run.TS = time.Now().UTC()
	}
	if o.Run.Date == "" {
		o.Run.Date = o.Run.TS.Format(time.DateOnly)
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if sel, ok := spec.Selected(o.Only); ok {
		spec = sel
	}
	rendered, diags := specs.Render(spec, specs.RenderOptions{
		Params: params, Run: o.Run, LookupEnv: o.LookupEnv, Lenient: o.Lenient, Engine: l.templates,
		ShellOptions: l.shell,
	})
	if diags.HasErrors() {
		return nil, diags
	}
	plan, err := Compile(rendered.Spec, l.reg)
	if err != nil {
		ds := specs.AsDiagnostics(err)
		ds.AttachSource(spec.Path, spec.Source)
		// Options are checked once rendered, so a message may quote a value
		// read from the environment ("invalid duration <secret>"); these
		// errors reach terminals, API answers and stored run errors.
		red := &redact.Redactor{}
		red.Add(rendered.Secrets...)
		for i := range ds {
			ds[i].Message, ds[i].Hint = red.String(ds[i].Message), red.String(ds[i].Hint)
		}
		if len(ds) == 0 {
			return nil, fmt.Errorf("compile %s: %w", spec.Path, err)
		}
		return nil, ds
	}
	return &Prepared{Plan: plan, Rendered: rendered, Params: params, Warnings: diags}, nil
}
