package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sessionCookie names the cookie holding the signed session.
const sessionCookie = "hotpass_session"

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// sessions signs and checks session cookies and derives CSRF tokens. The
// signing key is derived from the API token, so every serve process that
// shares the token accepts the others' sessions and a changed token logs
// everyone out; without a token the key is random per process.
type sessions struct {
	tokenSum  [32]byte
	needLogin bool
	key       []byte
}

func newSessions(token string) *sessions {
	s := &sessions{needLogin: token != "", tokenSum: sha256.Sum256([]byte(token))}
	if token != "" {
		mac := hmac.New(sha256.New, []byte(token))
		mac.Write([]byte("hotpass web ui session key v1"))
		s.key = mac.Sum(nil)
	} else {
		s.key = make([]byte, 32)
		_, _ = rand.Read(s.key) // crypto/rand.Read never fails
	}
	return s
}

// session is a checked session: its id and the CSRF token forms carry.
type session struct {
	ID   string
	CSRF string
}

func (s *sessions) sign(msg string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// issue makes a new session and its cookie value.
func (s *sessions) issue(now time.Time) (*session, string) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	body := id + "." + strconv.FormatInt(now.Add(sessionTTL).Unix(), 10)
	return s.session(id), body + "." + s.sign("session|"+body)
}

func (s *sessions) session(id string) *session {
	return &session{ID: id, CSRF: s.sign("csrf|" + id)}
}

// check returns the session a cookie value holds, or nil when it is
// malformed, forged or expired.
func (s *sessions) check(value string, now time.Time) *session {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return nil
	}
	body, sig := value[:i], value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign("session|"+body))) {
		return nil
	}
	id, exp, ok := strings.Cut(body, ".")
	if !ok {
		return nil
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= t {
		return nil
	}
	return s.session(id)
}

// tokenOK compares a typed token with the configured one; hashing both
// first makes the comparison take the same time whatever the lengths.
func (s *sessions) tokenOK(got string) bool {
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// current returns the request's session, or nil.
func (u *UI) current(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return u.sess.check(c.Value, time.Now())
}

// pageHandler is a page handler given the viewer's session.
type pageHandler func(w http.ResponseWriter, r *http.Request, s *session)

// page guards a page that only reads. A viewer without a valid session is
// sent to the login page when a token is configured; otherwise a session is
// opened for them (serve allows no token only on loopback).
func (u *UI) page(h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := u.current(r)
		if s == nil {
			if u.sess.needLogin {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			var value string
			s, value = u.sess.issue(time.Now())
			setSessionCookie(w, r, value, int(sessionTTL/time.Second))
		}
		h(w, r, s)
	})
}

// action guards a request that changes state: it needs a valid session
// cookie and the session's CSRF token in the form (or the X-CSRF-Token
// header). Anything else is refused with 403 before the handler runs.
func (u *UI) action(h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				u.errorPage(w, r, nil, http.StatusRequestEntityTooLarge, "Request too large",
					"The form sent more than "+strconv.Itoa(maxBody>>10)+" KiB; nothing was changed.")
				return
			}
			u.errorPage(w, r, nil, http.StatusBadRequest, "Bad request", "The form could not be read: "+err.Error())
			return
		}
		s := u.current(r)
		if s == nil {
			u.errorPage(w, r, nil, http.StatusForbidden, "Not signed in",
				"Your session is missing or has expired; nothing was changed. Sign in again and repeat the action.")
			return
		}
		got := r.PostForm.Get("csrf")
		if got == "" {
			got = r.Header.Get("X-CSRF-Token")
		}
		if !hmac.Equal([]byte(got), []byte(s.CSRF)) {
			u.errorPage(w, r, s, http.StatusForbidden, "Form expired",
				"The request did not carry this session's form token; nothing was changed. Reload the page and try again.")
			return
		}
		h(w, r, s)
	})
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	if !u.sess.needLogin {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", nil, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginData struct {
	Next  string
	Error string
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		u.errorPage(w, r, nil, http.StatusRequestEntityTooLarge, "Request too large", "The login form is a single field.")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if !u.sess.needLogin {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !u.sess.tokenOK(r.PostForm.Get("token")) {
		u.log.Warn("web ui: failed sign-in", "remote", r.RemoteAddr)
		u.render(w, r, http.StatusUnauthorized, "login", nil, loginData{Next: next,
			Error: "That token is not the server's HOTPASS_API_TOKEN."})
		return
	}
	_, value := u.sess.issue(time.Now())
	setSessionCookie(w, r, value, int(sessionTTL/time.Second))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	setSessionCookie(w, r, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login destination on this site: a path, never
// "//host" or a full URL.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
