package bbb

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    Params
		wantErr bool
	}{
		{"empty", "", Params{}, false},
		{"order kept", "b=2&a=1&c=3", Params{{"b", "2"}, {"a", "1"}, {"c", "3"}}, false},
		{"repeated keys kept", "a=1&b=2&a=3", Params{{"a", "1"}, {"b", "2"}, {"a", "3"}}, false},
		{"plus and percent decoded", "name=A+B%20C%21&x%5Fy=%E2%9C%93", Params{{"name", "A B C!"}, {"x_y", "✓"}}, false},
		{"bare key and empty value", "password&meetingID=", Params{{"password", ""}, {"meetingID", ""}}, false},
		{"value with =", "a=b=c", Params{{"a", "b=c"}}, false},
		{"empty pairs skipped", "&&a=1&&", Params{{"a", "1"}}, false},
		{"semicolon is literal", "a=1;b=2", Params{{"a", "1;b=2"}}, false},
		{"bad escape in value", "a=1&b=%zz&c=3", Params{{"a", "1"}, {"c", "3"}}, true},
		{"bad escape in key", "%g=1&c=3", Params{{"c", "3"}}, true},
		{"truncated escape", "a=%2", Params{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.raw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseQuery(%q) error = %v, want error %v", tt.raw, err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %#v, want %#v", tt.raw, got, tt.want)
			}
		})
	}
}

// ParseQuery decodes values exactly as url.ParseQuery does, only keeping order.
func TestParseQueryMatchesURLValues(t *testing.T) {
	raws := []string{
		"meetingID=room%201&name=Caf%C3%A9+%26+Bar&meta_bbb-origin=greenlight",
		"a=%41%42&a=x+y&b=%2B%2b",
		"welcome=%3Cb%3Ehi%3C%2Fb%3E&x=!'()*~",
	}
	for _, raw := range raws {
		got, err := ParseQuery(raw)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", raw, err)
		}
		want, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("url.ParseQuery(%q): %v", raw, err)
		}
		for k, vs := range want {
			if g := got.Values(k); !reflect.DeepEqual(g, vs) {
				t.Errorf("%q: values of %q = %q, want %q", raw, k, g, vs)
			}
		}
		if len(got) != len(strings.Split(raw, "&")) {
			t.Errorf("%q: %d params, want one per pair", raw, len(got))
		}
	}
}

func TestParamsAccessors(t *testing.T) {
	p := Params{{"a", "1"}, {"b", ""}, {"a", "2"}}
	if got := p.Get("a"); got != "1" {
		t.Errorf("Get(a) = %q, want the first value 1", got)
	}
	if got := p.Get("zz"); got != "" {
		t.Errorf("Get(zz) = %q, want empty", got)
	}
	if !p.Has("b") || p.Has("zz") {
		t.Errorf("Has(b) = %v, Has(zz) = %v; want true, false", p.Has("b"), p.Has("zz"))
	}
	if v, ok := p.Lookup("b"); !ok || v != "" {
		t.Errorf("Lookup(b) = %q, %v; want empty, true", v, ok)
	}
	if got := p.Values("a"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("Values(a) = %q", got)
	}
}

func TestParamsEdit(t *testing.T) {
	base := Params{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}}
	tests := []struct {
		name string
		edit func(p *Params)
		want Params
	}{
		{"set replaces first in place, drops duplicates", func(p *Params) { p.Set("a", "x") },
			Params{{"a", "x"}, {"b", "2"}, {"c", "4"}}},
		{"set appends absent key", func(p *Params) { p.Set("d", "5") },
			Params{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}, {"d", "5"}}},
		{"set single key", func(p *Params) { p.Set("b", "") },
			Params{{"a", "1"}, {"b", ""}, {"a", "3"}, {"c", "4"}}},
		{"del removes all", func(p *Params) { p.Del("a") },
			Params{{"b", "2"}, {"c", "4"}}},
		{"del absent", func(p *Params) { p.Del("zz") },
			Params{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}}},
		{"add appends duplicate", func(p *Params) { p.Add("b", "9") },
			Params{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}, {"b", "9"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base.Clone()
			tt.edit(&p)
			if !reflect.DeepEqual(p, tt.want) {
				t.Errorf("got %v, want %v", p, tt.want)
			}
			if base[0] != (Param{"a", "1"}) || len(base) != 4 {
				t.Errorf("Clone shared storage: base is now %v", base)
			}
		})
	}
	var empty Params
	empty.Set("k", "v")
	if !reflect.DeepEqual(empty, Params{{"k", "v"}}) {
		t.Errorf("Set on nil Params = %v", empty)
	}
}

func TestParamsEncode(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"empty", nil, ""},
		{"order and duplicates", Params{{"b", "2"}, {"a", "1"}, {"b", "3"}}, "b=2&a=1&b=3"},
		{"space as plus", Params{{"name", "Test Meeting"}}, "name=Test+Meeting"},
		{"reserved escaped", Params{{"u", "https://x/y?a=1&b=2"}, {"s", "!'()*+"}}, "u=https%3A%2F%2Fx%2Fy%3Fa%3D1%26b%3D2&s=%21%27%28%29%2A%2B"},
		{"unreserved kept", Params{{"k-_.~", "AZaz09-_.~"}}, "k-_.~=AZaz09-_.~"},
		{"utf-8", Params{{"n", "Café"}}, "n=Caf%C3%A9"},
		{"empty value", Params{{"password", ""}}, "password="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Encode()
			if got != tt.want {
				t.Errorf("Encode = %q, want %q", got, tt.want)
			}
			back, err := ParseQuery(got)
			if err != nil {
				t.Fatalf("ParseQuery(Encode()): %v", err)
			}
			if len(tt.p) > 0 && !reflect.DeepEqual(back, tt.p) {
				t.Errorf("round trip = %v, want %v", back, tt.p)
			}
		})
	}
}

func TestReadForm(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64
		want    Params
		wantErr bool
	}{
		{"form", "meetingID=a+b&checksum=x", 100, Params{{"meetingID", "a b"}, {"checksum", "x"}}, false},
		{"exactly at limit", "a=1", 3, Params{{"a", "1"}}, false},
		{"over limit", "a=12", 3, nil, true},
		{"bad escape", "a=%x", 100, Params{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadForm(strings.NewReader(tt.body), tt.limit)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ReadForm error = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadForm = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// FuzzParseQuery: whatever a client sends, ParseQuery does not panic; what
// it decodes survives Encode and a second parse unchanged; and where
// net/url also accepts the query (it has no ';', which net/url refuses), both
// read the same values for every key.
func FuzzParseQuery(f *testing.F) {
	f.Add("meetingID=a+b&name=%C3%A9t%C3%A9&checksum=ab12")
	f.Add("a=1&a=2&&b&=c&d=")
	f.Add("x=%zz&y=1")
	f.Add("meta_note=a;b&fullName=O%27Brien")
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParseQuery(raw)
		again, err2 := ParseQuery(p.Encode())
		if err2 != nil || !slices.Equal(again, p) {
			t.Fatalf("ParseQuery(Encode(%v)) = %v, %v; want the same pairs", p, again, err2)
		}
		if err != nil || strings.Contains(raw, ";") {
			return
		}
		std, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for key, values := range std {
			if got := p.Values(key); !slices.Equal(got, values) {
				t.Fatalf("values of %q = %q, net/url reads %q (query %q)", key, got, values, raw)
			}
		}
		for _, kv := range p {
			if _, ok := std[kv.Key]; !ok {
				t.Fatalf("key %q read here but not by net/url (query %q)", kv.Key, raw)
			}
		}
	})
}
