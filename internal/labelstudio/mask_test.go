package labelstudio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/labelstudio/labelstudiotest"
)

// bodyRecorder keeps every request body the client sends.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies bytes.Buffer
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.bodies.Write(data)
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The policy's labelstudio operators apply to the fields of each pushed
// task: a masked email and a dropped note never travel raw, a field the
// policy keeps travels as it is, and a phone in a column the policy does
// not name is masked because it was found there.
func TestPushPairsAppliesTheMasker(t *testing.T) {
	t.Parallel()
	const (
		email = "thandi.nkosi@skyflight.co.za"
		phone = "+27821234567"
		note  = "prefers calls after five"
	)
	p := &policy.Policy{Fields: map[string]policy.Field{
		"email": {Classification: policy.PII, Operator: policy.Mask},
		"notes": {Classification: policy.Confidential, Destinations: map[string]string{policy.LabelStudio: policy.Drop}},
		"name":  {Classification: policy.Public},
	}}
	f := labelstudiotest.New(t, testToken)
	f.AddProject(3, LabelingConfig())
	rec := &bodyRecorder{}
	c, _, _ := testClient(t, f.URL, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: rec}
		cfg.Masker = operator.New(nil).ForDestination(p, policy.LabelStudio)
	})
	pr := ReviewPair{
		Left: RecordRef{"crm", "1"}, Right: RecordRef{"sacaa", "2"},
		LeftFields:  []Field{{"name", "Sky Flight School"}, {"email", email}, {"phones", phone}, {"notes", note}},
		RightFields: []Field{{"name", "Sky Flight"}, {"email", email}, {"phones", phone}, {"notes", note}},
		Probability: 0.7,
	}
	if _, err := c.PushPairs(context.Background(), 3, []ReviewPair{pr}, th); err != nil {
		t.Fatal(err)
	}
	body := rec.bodies.String()
	for _, raw := range []string{email, phone, "821234567", note} {
		if strings.Contains(body, raw) {
			t.Errorf("a request body holds %q raw:\n%s", raw, body)
		}
	}
	left := f.TaskData(3)[0]["left"].(map[string]any)
	if left["name"] != "Sky Flight School" {
		t.Errorf("kept field name = %v", left["name"])
	}
	if left["email"] != "t***@s***.co.za" {
		t.Errorf("masked email = %v", left["email"])
	}
	if left["notes"] != "" {
		t.Errorf("dropped notes = %v", left["notes"])
	}
	if got, _ := left["phones"].(string); got == "" || !strings.HasSuffix(got, "4567") {
		t.Errorf("phone found in an unnamed column = %q, want it masked to its last digits", got)
	}
}
