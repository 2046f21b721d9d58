package previews

import (
	"reflect"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestRoundTrip(t *testing.T) {
	tests := [][]store.Preview{
		nil,
		{{URL: "https://lb.example/p/1.png", Width: 176, Height: 136, Alt: "Slide 1"}, {URL: "u2"}},
	}
	for _, ps := range tests {
		s, err := Encode(ps)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode([]byte(s))
		if err != nil || !reflect.DeepEqual(got, ps) {
			t.Errorf("Decode(Encode(%v)) = %v, %v (stored %s)", ps, got, err, s)
		}
	}
	if s, _ := Encode(nil); s != "[]" {
		t.Errorf("Encode(nil) = %s; want []", s)
	}
	if _, err := Decode([]byte("{not json")); err == nil {
		t.Error("Decode of garbage = nil error")
	}
}
