// Package previews is how the SQL store backends keep a playback format's
// preview images: one JSON array in a text column. The stored form has its
// own type, so it does not follow changes of store.Preview.
package previews

import (
	"encoding/json"
	"fmt"

	"github.com/caddy-bbb/caddy-bbb/store"
)

type image struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Alt    string `json:"alt"`
}

// Encode returns the stored form of ps.
func Encode(ps []store.Preview) (string, error) {
	out := make([]image, len(ps))
	for i, p := range ps {
		out[i] = image(p)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode previews: %w", err)
	}
	return string(b), nil
}

// Decode reads the stored form; no image gives nil.
func Decode(b []byte) ([]store.Preview, error) {
	var in []image
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("decode previews: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.Preview, len(in))
	for i, p := range in {
		out[i] = store.Preview(p)
	}
	return out, nil
}
