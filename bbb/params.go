package bbb

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ContentTypeForm is the content type of a URL-encoded form body.
const ContentTypeForm = "application/x-www-form-urlencoded"

// Param is one key/value pair of a query string or form.
type Param struct {
	Key   string
	Value string
}

// Params is an ordered parameter list. Unlike url.Values it keeps the order
// the client sent and every repeated key, because BBB signs the query as
// sent and forwarded calls should look like the originals.
type Params []Param

// ParseQuery decodes a raw query string or URL-encoded form body: pairs split
// on '&', key and value on the first '=', '+' and %XX decoded as url.ParseQuery
// does. Unlike url.ParseQuery a ';' is an ordinary character, as it is for
// BBB (Java) and Scalelite (Rack). On a malformed escape it returns the pairs
// it could decode and the first error.
func ParseQuery(raw string) (Params, error) {
	var (
		p        = make(Params, 0, strings.Count(raw, "&")+1)
		firstErr error
	)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("parse query key %q: %w", k, err)
			}
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("parse query value of %q: %w", key, err)
			}
			continue
		}
		p = append(p, Param{Key: key, Value: value})
	}
	return p, firstErr
}

// ReadForm reads a URL-encoded form body of at most limit bytes and parses it
// with ParseQuery. A longer body is an error rather than silently cut short.
func ReadForm(r io.Reader, limit int64) (Params, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read form body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("form body larger than %d bytes", limit)
	}
	return ParseQuery(string(body))
}

// Get returns the first value of key, or "" when it is absent.
func (p Params) Get(key string) string {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Lookup returns the first value of key and whether key is present.
func (p Params) Lookup(key string) (string, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Has reports whether key is present, even with an empty value.
func (p Params) Has(key string) bool {
	_, ok := p.Lookup(key)
	return ok
}

// Values returns every value of key in order.
func (p Params) Values(key string) []string {
	var out []string
	for _, kv := range p {
		if kv.Key == key {
			out = append(out, kv.Value)
		}
	}
	return out
}

// Set gives key the single value value: the first occurrence is replaced in
// place (so the order is kept), later duplicates are dropped, and an absent
// key is appended.
func (p *Params) Set(key, value string) {
	found := false
	out := (*p)[:0]
	for _, kv := range *p {
		if kv.Key == key {
			if found {
				continue
			}
			found = true
			kv.Value = value
		}
		out = append(out, kv)
	}
	if !found {
		*p = append(out, Param{Key: key, Value: value})
		return
	}
	// Zero the dropped tail so it does not keep strings alive.
	clear((*p)[len(out):])
	*p = out
}

// Add appends key=value, keeping any earlier values of key.
func (p *Params) Add(key, value string) {
	*p = append(*p, Param{Key: key, Value: value})
}

// Del removes every occurrence of key.
func (p *Params) Del(key string) {
	out := (*p)[:0]
	for _, kv := range *p {
		if kv.Key != key {
			out = append(out, kv)
		}
	}
	// Zero the dropped tail so it does not keep strings alive.
	clear((*p)[len(out):])
	*p = out
}

// Clone returns a copy that can be changed without touching p.
func (p Params) Clone() Params {
	if p == nil {
		return nil
	}
	return append(make(Params, 0, len(p)), p...)
}

// Encode returns the pairs in order as application/x-www-form-urlencoded:
// space as '+', everything but letters, digits and "-_.~" as %XX.
func (p Params) Encode() string {
	if len(p) == 0 {
		return ""
	}
	var b strings.Builder
	n := len(p) * 2
	for _, kv := range p {
		n += len(kv.Key) + len(kv.Value)
	}
	b.Grow(n)
	for i, kv := range p {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.Value))
	}
	return b.String()
}
