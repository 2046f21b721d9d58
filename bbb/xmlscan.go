package bbb

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Kinds of markup xmlReader.tag returns.
const (
	tagStart = iota
	tagEmpty
	tagEnd
	tagCDATA
	tagOther // declaration, processing instruction, comment
)

// xmlReader walks the markup of a document.
type xmlReader struct {
	b []byte
	i int
}

// skipTo moves to the next c and reports whether there is one.
func (r *xmlReader) skipTo(c byte) bool {
	j := bytes.IndexByte(r.b[r.i:], c)
	if j < 0 {
		r.i = len(r.b)
		return false
	}
	r.i += j
	return true
}

// tag reads the markup at r.i, which is '<', and returns its kind and the
// element name (or the CDATA content).
func (r *xmlReader) tag() (int, []byte, error) {
	rest := r.b[r.i:]
	switch {
	case bytes.HasPrefix(rest, []byte("<?")):
		return r.skipPast("?>", tagOther)
	case bytes.HasPrefix(rest, []byte("<!--")):
		return r.skipPast("-->", tagOther)
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end := bytes.Index(rest, []byte("]]>"))
		if end < 0 {
			return 0, nil, errors.New("unterminated CDATA")
		}
		r.i += end + 3
		return tagCDATA, rest[len("<![CDATA["):end], nil
	case bytes.HasPrefix(rest, []byte("<!")):
		return 0, nil, errors.New("unexpected declaration")
	case bytes.HasPrefix(rest, []byte("</")):
		end := bytes.IndexByte(rest, '>')
		if end < 0 {
			return 0, nil, errors.New("unterminated end tag")
		}
		name := bytes.TrimRight(rest[2:end], " \t\r\n")
		if !validName(name) {
			return 0, nil, fmt.Errorf("invalid end tag </%s>", name)
		}
		r.i += end + 1
		return tagEnd, name, nil
	}
	// A start tag: the name, then attributes (BBB sends none) up to '>'.
	j := 1
	for j < len(rest) && !isSpace(rune(rest[j])) && rest[j] != '>' && rest[j] != '/' {
		j++
	}
	name := rest[1:j]
	if !validName(name) {
		return 0, nil, fmt.Errorf("invalid start tag <%s>", name)
	}
	var quote byte
	for ; j < len(rest); j++ {
		c := rest[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return 0, nil, fmt.Errorf("'<' inside <%s>", name)
		case c == '>':
			r.i += j + 1
			if rest[j-1] == '/' {
				return tagEmpty, name, nil
			}
			return tagStart, name, nil
		}
	}
	return 0, nil, fmt.Errorf("unterminated start tag <%s>", name)
}

func (r *xmlReader) skipPast(end string, kind int) (int, []byte, error) {
	j := bytes.Index(r.b[r.i:], []byte(end))
	if j < 0 {
		return 0, nil, fmt.Errorf("unterminated markup, want %q", end)
	}
	r.i += j + len(end)
	return kind, nil, nil
}

// validName accepts the names BBB writes and whatever a front-end may use as
// a metadata key: no markup characters, not empty, not starting with a digit
// or punctuation that XML forbids there.
func validName(name []byte) bool {
	if len(name) == 0 || !utf8.Valid(name) {
		return false
	}
	switch c := name[0]; {
	case c >= '0' && c <= '9', c == '-', c == '.':
		return false
	}
	return bytes.IndexAny(name, "<>&\"'=/ \t\r\n") < 0
}

func isSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// unescape decodes the five XML entities and character references.
func unescape(v []byte) ([]byte, error) {
	if bytes.IndexByte(v, '&') < 0 {
		return v, nil
	}
	out := make([]byte, 0, len(v))
	for len(v) > 0 {
		amp := bytes.IndexByte(v, '&')
		if amp < 0 {
			out = append(out, v...)
			break
		}
		out = append(out, v[:amp]...)
		v = v[amp:]
		semi := bytes.IndexByte(v, ';')
		if semi < 0 {
			return nil, errors.New("unterminated entity")
		}
		ent := string(v[1:semi])
		v = v[semi+1:]
		switch ent {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "quot":
			out = append(out, '"')
		case "apos":
			out = append(out, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ent) > 2 && ent[0] == '#' && (ent[1] == 'x'):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				return nil, fmt.Errorf("unknown entity &%s;", ent)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return nil, fmt.Errorf("invalid character reference &%s;", ent)
			}
			out = utf8.AppendRune(out, rune(n))
		}
	}
	return out, nil
}
