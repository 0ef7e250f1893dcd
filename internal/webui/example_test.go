package webui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/webui"
)

// The UI is an http.Handler over the run history; with a token, a browser
// without a session is sent to the login page first.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "hotpass-webui-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "hotpass.db"), store.SQLiteOptions{})
	if err != nil {
		panic(err)
	}
	defer st.Close()

	ui := webui.New(webui.Config{Runs: st, Deployments: st, Token: "0123456789abcdef0123456789abcdef"})
	rec := httptest.NewRecorder()
	ui.ServeHTTP(rec, httptest.NewRequest("GET", "/runs/r1", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output: 303 /login?next=%2Fruns%2Fr1
}
