// Package tmpl renders the templates that string scalars of a pipeline spec
// may hold, on top of pongo2, and checks them statically.
//
// Templates are parsed and checked here, then translated into canonical
// pongo2 code that pongo2 executes. Anything outside the subset below is an
// error with its line and column inside the template; nothing unknown ever
// renders as an empty string.
//
// # Supported subset
//
// Blocks: {{ expression }} renders a value; {% if %}, {% elif %}, {% else %}
// and {% endif %} choose text; {# comment #} is dropped (it may span lines).
// A "-" inside a delimiter ({{-, -}}, {%-, -%}, {#-, -#}) removes the
// whitespace, line breaks included, on that side, as in Jinja. No other tag
// exists: for, set, include, import, extends, macro, raw and the rest are
// rejected.
//
// Names: params.NAME (declared params only), run.id, run.date (the logical
// date, YYYY-MM-DD), run.ts (the run's timestamp) and the function
// env_var('NAME') or env_var('NAME', 'default'), whose arguments are strings.
// An unset variable without a default is an error (in lenient mode it renders
// as "" and is reported). A variable set to the empty string counts as set.
//
// Literals: 'text' or "text" (escapes \\, \' and \" only), integers (42),
// decimal numbers (4.2), true and false (True and False are accepted too).
//
// Operators, loosest first: or; and; not; == != < > <= >= (not chained);
// + and -; *; unary - and +; then filters. Parentheses group. + adds numbers,
// joins two strings, or joins a string and an integer; - and * take numbers;
// < > <= >= compare numbers (or two timestamps); == and != compare values of
// the same type (an integer never equals a decimal number: write 1 or 1.0 to
// match). / % ** and Jinja's ~, in, is and inline if are not supported.
// and, or and not follow Jinja's precedence but give true or false; on values
// that are not booleans they may only be used as conditions.
//
// Filters take at most one argument, after a colon, that is a literal, a
// name or an env_var call: |default:'x', not Jinja's |default('x') (which is
// rejected with the accepted form in the hint). A filter cannot follow a
// parenthesised expression.
//
//	lower, upper, title, capfirst, trim   strings
//	default:V   V replaces an empty string, 0, 0.0 or false; V has the value's type
//	join[:SEP]  joins a list of strings (SEP defaults to "")
//	length      the number of characters of a string or items of a list
//	date:LAYOUT formats run.ts with a Go layout: run.ts|date:"2006-01-02"
//	            (strftime codes such as %Y are rejected, with the Go layout as hint)
//
// Output: strings as they are (never HTML-escaped), booleans as true and
// false, integers in decimal, decimal numbers in the shortest form that
// reads back exactly, without exponent (0.1+0.2 renders 0.30000000000000004),
// timestamps in RFC 3339. A list cannot be rendered as is: join it
// (params.regions|join:",").
//
// Limits: a template is at most 64 KiB, a rendered value at most 1 MiB, and
// expressions and {% if %} blocks nest at most 64 levels deep. The limit on
// the value holds while rendering, not after: a filter or a + whose result
// would pass 1 MiB fails at that filter or operator before building it, and
// all filters and + of one render together build at most 16 MiB, conditions
// included. A template cannot contain the control character U+0001
// (pongo2's lexer takes it for the end of input). Strings without "{{",
// "{%" or "{#" are not templates: they render as themselves, whatever their
// length.
//
// Shell command lines: RenderShell renders a template that /bin/sh will
// run. The value of every {{ }} becomes one shell word, quoted for the
// context the literal text around it leaves it in (outside quotes, inside
// '...', inside "...", inside $(...)); literal text, including what a
// {% if %} chooses, is kept as written. Where no quoting is safe (after \
// or $, inside `...` or ${...}, after a here-document) the render fails at
// that {{ }}.
package tmpl
