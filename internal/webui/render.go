package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/backfill"
)

// templates holds one parsed template set per page: the shared layout and
// partials, plus the page's own file.
type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"rfc3339": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
	"since": func(a, b time.Time) string { return spanText(a, b) },
	"lower": strings.ToLower,
	"add":   func(a, b int) int { return a + b },
	"count": backfill.Thousands,
	// path escapes an id for one segment of a URL path, so that an id
	// holding "/" or "?" cannot point a link elsewhere.
	"path":  url.PathEscape,
	"short": short,
	"pct":   func(f float64) float64 { return f * 100 },
}

func mustParseTemplates() *templates {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/layout.html"))
	entries, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, e := range entries {
		name := strings.TrimSuffix(path.Base(e), ".html")
		if name == "layout" {
			continue
		}
		t.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(assets, e))
	}
	return t
}

// view is what the layout is given; Data is the page's own.
type view struct {
	Title string
	Nav   string
	S     *session
	Login bool
	// Live is the event stream the page listens to for changes, if any.
	Live string
	Data any
}

// titled lets a page's data name the page.
type titled interface {
	title() (title, nav string)
}

// render executes page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, code int, page string, s *session, data any) {
	t, ok := u.tmpl.pages[page]
	if !ok {
		u.fail(w, r, s, fmt.Errorf("no template %q", page))
		return
	}
	v := view{S: s, Login: u.sess.needLogin, Data: data}
	if td, ok := data.(titled); ok {
		v.Title, v.Nav = td.title()
	}
	if l, ok := data.(interface{ live() string }); ok {
		v.Live = l.live()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		u.log.Error("web ui: render", "page", page, "error", err)
		http.Error(w, "internal error rendering the page; see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes()) // the viewer went away; nothing to do
}

// messageData is the data of the error page.
type messageData struct {
	Code    int
	Heading string
	Text    string
}

func (m messageData) title() (string, string) { return m.Heading, "" }

func (u *UI) errorPage(w http.ResponseWriter, r *http.Request, s *session, code int, heading, text string) {
	u.render(w, r, code, "message", s, messageData{Code: code, Heading: heading, Text: text})
}

func (u *UI) notFound(w http.ResponseWriter, r *http.Request, s *session, text string) {
	u.errorPage(w, r, s, http.StatusNotFound, "Not found", text)
}

// fail reports an unexpected error: logged in full, shown briefly.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	u.log.Error("web ui request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	u.errorPage(w, r, s, http.StatusInternalServerError, "Something went wrong", err.Error())
}

// spanText is the duration from a to b, or to now when b is zero (still
// running); "—" when a is zero.
func spanText(a, b time.Time) string {
	if a.IsZero() {
		return "—"
	}
	if b.IsZero() {
		b = time.Now()
	}
	return backfill.FormatDuration(b.Sub(a))
}
