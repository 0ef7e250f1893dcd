package tmpl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flosch/pongo2/v6"
)

const (
	// MaxTemplateSize is the longest template accepted, in bytes.
	MaxTemplateSize = 64 << 10
	// MaxOutputSize is the longest rendered value, in bytes.
	MaxOutputSize = 1 << 20
	// cacheSize bounds the number of compiled templates kept.
	cacheSize = 4096
)

// Run describes the run a template is rendered for.
type Run struct {
	ID   string    // run.id
	Date string    // run.date: the logical date, YYYY-MM-DD
	TS   time.Time // run.ts: the run's start time
}

// Vars is what a template can refer to.
type Vars struct {
	// Params holds the declared params with their typed values: string,
	// int64 (int is accepted too), float64, bool or []string.
	Params map[string]any
	Run    Run
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Lenient renders an unset environment variable that has no default as ""
	// and lists it in Result.MissingEnv instead of failing, so that specs can
	// be validated without their secrets.
	Lenient bool
}

// Result is a rendered template.
type Result struct {
	Value string
	// Secrets lists the non-empty values read from the environment through
	// env_var (defaults excluded) and the output of every {{ }} that read
	// one, however filters changed it, for redaction in logs. For a shell
	// command line (RenderShell) it also holds, quoted as the command
	// writes them, the values that contain one.
	Secrets []string
	// MissingEnv lists unset variables rendered as "" (lenient mode only).
	MissingEnv []string
}

// Engine renders and checks templates. It is safe for concurrent use and
// caches compiled templates by source text.
type Engine struct {
	set *pongo2.TemplateSet
	// compileMu serialises compilation: pongo2's TemplateSet writes to
	// itself when a template is added, so concurrent compilation races.
	// Executing a compiled template only reads it (with TrimBlocks and
	// LStripBlocks off, which they are), so execution is not locked.
	compileMu sync.Mutex

	mu    sync.RWMutex
	cache map[string]*compiled
}

// compiled is a parsed template and the pongo2 template generated from it.
type compiled struct {
	t       *template
	tpl     *pongo2.Template // nil when invalid is set
	invalid *Error           // the error of the check that accepts any param
	// filters and adds say whether the generated code calls the filter and
	// + helpers, which are then the only ones bound for a render.
	filters, adds bool
}

// checkWith runs the checker with the given params over c.
func (c *compiled) checkWith(src string, params map[string]typ) *Error {
	if err := newChecker(params).nodes(c.t.nodes); err != nil {
		return err.locate(src)
	}
	if c.invalid != nil {
		// A copy, since the cached error is shared between callers.
		cp := *c.invalid
		return &cp
	}
	return nil
}

// noFiles is the template set's loader. The generated code never includes
// other templates and the file-reading tags are banned; this makes sure
// nothing is ever read even so.
type noFiles struct{}

func (noFiles) Abs(_, name string) string { return name }

func (noFiles) Get(string) (io.Reader, error) {
	return nil, errors.New("templates cannot read files")
}

// pongo2Tags and pongo2Filters are pongo2 v6's built-in tags and filters,
// banned in the engine's set (all tags but "if", every filter) as a second
// line of defence behind the parser, which never emits them: filters run
// as size-checked functions of renderState instead.
var (
	pongo2Tags = []string{"autoescape", "block", "comment", "cycle", "extends", "filter", "firstof", "for",
		"ifchanged", "ifequal", "ifnotequal", "import", "include", "lorem", "macro", "now", "set",
		"spaceless", "ssi", "templatetag", "widthratio", "with"}
	pongo2Filters = []string{"escape", "e", "safe", "escapejs", "add", "addslashes", "capfirst", "center",
		"cut", "date", "default", "default_if_none", "divisibleby", "first", "floatformat", "get_digit",
		"iriencode", "join", "last", "length", "length_is", "linebreaks", "linebreaksbr", "linenumbers",
		"ljust", "lower", "make_list", "phone2numeric", "pluralize", "random", "removetags", "rjust",
		"slice", "split", "stringformat", "striptags", "time", "title", "truncatechars",
		"truncatechars_html", "truncatewords", "truncatewords_html", "upper", "urlencode", "urlize",
		"urlizetrunc", "wordcount", "wordwrap", "yesno", "float", "integer"}
)

// New returns an engine with an empty cache.
func New() *Engine {
	set := pongo2.NewSet("hotpass", noFiles{})
	// BanTag and BanFilter fail only for names this pongo2 version lacks,
	// which are then unusable anyway, so their errors are ignored.
	for _, t := range pongo2Tags {
		_ = set.BanTag(t)
	}
	for _, f := range pongo2Filters {
		_ = set.BanFilter(f)
	}
	return &Engine{set: set, cache: make(map[string]*compiled)}
}

// HasTemplate reports whether s contains template syntax ("{{", "{%" or "{#").
// Strings without it render as themselves.
func HasTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// compile parses, generates and compiles src, or returns it from the cache.
func (e *Engine) compile(src string) (*compiled, *Error) {
	if len(src) > MaxTemplateSize {
		return nil, sizeError(src)
	}
	e.mu.RLock()
	c := e.cache[src]
	e.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	t, err := parse(src)
	if err != nil {
		return nil, err.locate(src)
	}
	c = &compiled{t: t}
	// Only code whose names all check reaches pongo2, which fails on some
	// unknown names (its keywords) without a usable position. The error
	// itself is left to the caller's check, which knows the declared params
	// and so gives better hints; this check accepts everything that one does.
	if err := (&checker{anyParam: true}).nodes(t.nodes); err != nil {
		c.invalid = err.locate(src)
	} else {
		code := generate(t)
		c.filters, c.adds = strings.Contains(code, fnFilter+"("), strings.Contains(code, fnAdd+"(")
		e.compileMu.Lock()
		tpl, perr := e.set.FromString(code)
		e.compileMu.Unlock()
		if perr != nil {
			return nil, &Error{Msg: "internal error: the template could not be compiled: " + engineMessage(perr)}
		}
		c.tpl = tpl
	}
	e.mu.Lock()
	if len(e.cache) >= cacheSize {
		// Evict an arbitrary entry: specs have few distinct templates, so the
		// bound only matters against unbounded inputs, where any choice works.
		for k := range e.cache {
			delete(e.cache, k)
			break
		}
	}
	e.cache[src] = c
	e.mu.Unlock()
	return c, nil
}

// Check parses src and checks every name and type statically, without
// rendering and without the environment. Params are the declared ones, of
// unknown type. It returns an *Error or nil.
func (e *Engine) Check(src string, declaredParams []string) error {
	if !HasTemplate(src) {
		return nil
	}
	c, err := e.compile(src)
	if err != nil {
		return err
	}
	params := make(map[string]typ, len(declaredParams))
	for _, p := range declaredParams {
		params[p] = tUnknown
	}
	if err := c.checkWith(src, params); err != nil {
		return err
	}
	return nil
}

// Render renders src with v (nil means no params and the real environment).
// The error is an *Error.
func (e *Engine) Render(src string, v *Vars) (Result, error) {
	if !HasTemplate(src) {
		return Result{Value: src}, nil
	}
	if v == nil {
		v = &Vars{}
	}
	return e.render(src, v, false)
}

// RenderShell renders src as a /bin/sh command line: the value of every
// {{ }} becomes one shell word, quoted for the context the literal text
// leaves it in (see ShellQuote), so that no value can end a word, a quote
// or a command. Literal text, including what {% if %} chooses, is kept as
// written. The error is an *Error.
func (e *Engine) RenderShell(src string, v *Vars) (Result, error) {
	if i := strings.IndexByte(src, 0); i >= 0 {
		return Result{}, errAt(i, "a shell command cannot contain a NUL character", "remove it").locate(src)
	}
	if !HasTemplate(src) {
		return Result{Value: src}, nil
	}
	if v == nil {
		v = &Vars{}
	}
	return e.render(src, v, true)
}

// render compiles, checks and executes src; shell selects RenderShell's
// quoting of every {{ }} value.
func (e *Engine) render(src string, v *Vars, shell bool) (Result, error) {
	c, err := e.compile(src)
	if err != nil {
		return Result{}, err
	}
	params, perr := paramTypes(v.Params)
	if perr != nil {
		return Result{}, perr
	}
	if err := c.checkWith(src, params); err != nil {
		return Result{}, err
	}
	return execute(c, src, v, shell)
}

// paramTypes maps each param to its template type.
func paramTypes(values map[string]any) (map[string]typ, *Error) {
	params := make(map[string]typ, len(values))
	for name, val := range values {
		t, ok := paramType(val)
		if !ok {
			return nil, &Error{Msg: fmt.Sprintf("param %q has unsupported type %T", name, val),
				Hint: "params are strings, integers, decimal numbers, booleans or lists of strings"}
		}
		params[name] = t
	}
	return params, nil
}

// paramType maps a param value to its template type.
func paramType(v any) (typ, bool) {
	switch v.(type) {
	case string:
		return tString, true
	case int64, int:
		return tInt, true
	case float64:
		return tFloat, true
	case bool:
		return tBool, true
	case []string:
		return tList, true
	}
	return 0, false
}

// execute runs the compiled template; shell quotes every value for a shell
// command line. A panic inside pongo2 becomes an error.
func execute(c *compiled, src string, v *Vars, shell bool) (res Result, err error) {
	st := &renderState{src: src, sites: c.t.sites, lookup: v.LookupEnv, lenient: v.Lenient, shell: shell}
	if st.lookup == nil {
		st.lookup = os.LookupEnv
	}
	params := v.Params
	if params == nil {
		params = map[string]any{}
	}
	ctx := pongo2.Context{
		"params": params,
		"run":    map[string]any{"id": v.Run.ID, "date": v.Run.Date, "ts": v.Run.TS},
		fnOut:    st.out,
		fnEnv:    st.env,
	}
	// Binding a method allocates; templates without filters or + skip it.
	if c.filters {
		ctx[fnFilter] = st.filter
	}
	if c.adds {
		ctx[fnAdd] = st.add
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, &Error{Msg: fmt.Sprintf("internal error while rendering: %v", r)}
		}
	}()
	var buf limitedBuffer
	buf.Grow(len(src)) // output is usually about as long as the template
	perr := c.tpl.ExecuteWriterUnbuffered(ctx, &buf)
	out := buf.String()
	switch {
	case st.err != nil:
		return Result{}, st.err.locate(src)
	case perr != nil:
		return Result{}, &Error{Msg: "rendering failed: " + engineMessage(perr)}
	case buf.full || len(out) > MaxOutputSize:
		return Result{}, outputTooLong()
	}
	if shell {
		cmd, serr := substituteShell(out, st.values, st.sites)
		if serr != nil {
			return Result{}, serr.locate(src)
		}
		out = cmd
		st.secrets = append(st.secrets, quotedSecrets(st.values, st.secrets)...)
	}
	return Result{Value: out, Secrets: st.secrets, MissingEnv: st.missing}, nil
}

func sizeError(src string) *Error {
	return &Error{Msg: fmt.Sprintf("template is %d bytes long; the limit is %d", len(src), MaxTemplateSize),
		Hint: "move long text into a file"}
}

func outputTooLong() *Error {
	return &Error{Msg: fmt.Sprintf("rendered value is longer than the limit of %d bytes", MaxOutputSize)}
}

// engineMessage strips pongo2's "[Error (where: ...) | Line ...]" prefix,
// whose positions refer to generated code.
func engineMessage(err error) string {
	var pe *pongo2.Error
	if errors.As(err, &pe) && pe.OrigError != nil {
		return pe.OrigError.Error()
	}
	return err.Error()
}

// renderState is the per-render state the runtime helpers share.
type renderState struct {
	src     string
	sites   []int
	lookup  func(string) (string, bool)
	lenient bool
	secrets []string
	missing []string
	written int
	work    int // bytes built by filters and +, see maxWork
	err     *Error
	// shell collects the values of {{ }} aside, for substituteShell, and
	// renders placeholders in their stead.
	shell    bool
	values   []shellValue
	seenEnvs map[string]bool
	// envRead is set when env_var returns a value from the environment and
	// cleared by the next output, which is then derived from a secret.
	envRead bool
}

// fail records the first error; pongo2 then aborts with it.
func (s *renderState) fail(site *pongo2.Value, msg, hint string) error {
	off := noPos
	if i := site.Integer(); site.IsInteger() && i >= 0 && i < len(s.sites) {
		off = s.sites[i]
	}
	if s.err == nil {
		s.err = errAt(off, msg, hint)
	}
	return s.err
}

// out formats the value of a {{ }} and marks it safe, so that pongo2 does
// not HTML-escape it: templates here produce paths, DSNs and SQL, not HTML.
func (s *renderState) out(site, v *pongo2.Value) (*pongo2.Value, error) {
	text, err := format(v)
	if err != nil {
		return nil, s.fail(site, err.Error(), "join a list: |join:\",\"")
	}
	s.written += len(text)
	if s.written > MaxOutputSize {
		e := outputTooLong()
		return nil, s.fail(site, e.Msg, "")
	}
	if s.envRead {
		s.envRead = false
		if text != "" && !s.seen("set:"+text) {
			s.secrets = append(s.secrets, text)
		}
	}
	if s.shell {
		s.values = append(s.values, shellValue{text: text, site: int(site.Integer())})
		return pongo2.AsSafeValue(placeholder(len(s.values) - 1)), nil
	}
	return pongo2.AsSafeValue(text), nil
}

// format renders booleans as true/false, integers in decimal, decimal
// numbers in the shortest form that reads back exactly, and timestamps in
// RFC 3339.
func format(v *pongo2.Value) (string, error) {
	if v.IsNil() {
		return "", errors.New("the value is empty")
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.Format(time.RFC3339), nil
	}
	rv := reflect.ValueOf(v.Interface())
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'f', -1, 64), nil
	}
	return "", fmt.Errorf("a value of type %T has no text form", v.Interface())
}

// env implements env_var(name[, default]).
func (s *renderState) env(site *pongo2.Value, args ...*pongo2.Value) (*pongo2.Value, error) {
	if len(args) < 1 || len(args) > 2 || !args[0].IsString() || (len(args) == 2 && !args[1].IsString()) {
		return nil, s.fail(site, "env_var takes a variable name and an optional default, both strings", "")
	}
	name := args[0].String()
	if val, ok := s.lookup(name); ok {
		if val != "" {
			s.envRead = true
			if !s.seen("set:" + val) {
				s.secrets = append(s.secrets, val)
			}
		}
		return pongo2.AsValue(val), nil
	}
	if len(args) == 2 {
		return args[1], nil
	}
	if s.lenient {
		if !s.seen("missing:" + name) {
			s.missing = append(s.missing, name)
		}
		return pongo2.AsValue(""), nil
	}
	return nil, s.fail(site, "environment variable "+quote(name)+" is not set",
		"set it, or give a default: env_var("+singleQuote(name)+", '...')")
}

// seen reports whether key was seen before in this render, and marks it.
func (s *renderState) seen(key string) bool {
	if s.seenEnvs == nil {
		s.seenEnvs = map[string]bool{}
	}
	if s.seenEnvs[key] {
		return true
	}
	s.seenEnvs[key] = true
	return false
}

// limitedBuffer collects a render's output and refuses to grow past
// MaxOutputSize plus the longest literal text a template can hold.
type limitedBuffer struct {
	strings.Builder
	full bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if !b.room(len(p)) {
		return 0, outputTooLong()
	}
	return b.Builder.Write(p)
}

// WriteString is what pongo2 calls for most output.
func (b *limitedBuffer) WriteString(s string) (int, error) {
	if !b.room(len(s)) {
		return 0, outputTooLong()
	}
	return b.Builder.WriteString(s)
}

func (b *limitedBuffer) room(n int) bool {
	if b.Len()+n > MaxOutputSize+MaxTemplateSize {
		b.full = true
	}
	return !b.full
}

// singleQuote writes s as a template string literal in single quotes.
func singleQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
