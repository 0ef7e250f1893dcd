package rule

import "testing"

func TestGeohashKey(t *testing.T) {
	t.Parallel()
	r, err := Parse("geohash(location, 5)")
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "geohash(location, 5)" {
		t.Errorf("String() = %q", r.String())
	}
	k := r.Keys[0]
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"42.605,-5.603", "ezs42", true},
		{" 42.605 , -5.603 ", "ezs42", true},
		{"42.605 -5.603", "ezs42", true},
		{"", "", false},
		{"somewhere", "", false},
		{"95,28", "", false},
	}
	for _, c := range cases {
		got, ok := k.Append(nil, c.in)
		if ok != c.ok || string(got) != c.want {
			t.Errorf("geohash(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// Rand Airport and Germiston, 3 km apart, share a precision-4 cell
	// (39 × 20 km); Cape Town does not.
	r4, err := Parse("geohash(location, 4)")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r4.Keys[0].Append(nil, "-26.2425,28.1512")
	b, _ := r4.Keys[0].Append(nil, "-26.2150,28.1640")
	c, _ := r4.Keys[0].Append(nil, "-33.9649,18.6017")
	if string(a) != string(b) || string(a) == string(c) || len(a) != 4 {
		t.Errorf("precision 4: Rand %q, Germiston %q, Cape Town %q", a, b, c)
	}
	for _, bad := range []string{"geohash(location)", "geohash(location, 0)", "geohash(location, x)"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
