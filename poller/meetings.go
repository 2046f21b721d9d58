package poller

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// polledMeeting is what the poller reads of one meeting of a getMeetings
// answer.
type polledMeeting struct {
	ID           string
	Tenant       string // metadata tenant-id
	CreateTime   int64  // ms since the epoch
	Participants int
	Moderators   int
	Videos       int
	Breakout     bool
}

// parseMeetings reads the meetings of a getMeetings document.
//
// A pool of a thousand servers answers with tens of megabytes of XML per
// cycle, mostly attendee lists the poller does not need; encoding/xml would
// spend seconds of CPU on them. This reader walks the elements without
// building anything and keeps the few fields the poller uses. It tracks the
// element path, so a metadata or custom-data key that happens to be named
// like a field (meta_participantCount=…) cannot pass for it, and it rejects
// documents that are not well formed, so a garbage answer still fails.
func parseMeetings(body []byte) ([]polledMeeting, error) {
	r := xmlReader{b: body}
	var (
		out   []polledMeeting
		cur   polledMeeting
		stack [][]byte
		// text collects the decoded text of a field the poller reads,
		// while collecting is set.
		text       []byte
		collecting bool
		done       bool // the root element has ended
	)
	for {
		start := r.i
		more := r.skipTo('<')
		seg := body[start:r.i]
		switch {
		case collecting:
			v, err := unescape(seg)
			if err != nil {
				return nil, err
			}
			text = append(text, v...)
		case len(stack) == 0 && bytes.ContainsFunc(seg, func(c rune) bool { return !isSpace(c) }):
			return nil, errors.New("text outside the root element")
		}
		if !more {
			break
		}
		kind, name, err := r.tag()
		if err != nil {
			return nil, err
		}
		switch kind {
		case tagCDATA:
			if collecting {
				text = append(text, name...)
			} else if len(stack) == 0 {
				return nil, errors.New("CDATA outside the root element")
			}
		case tagStart, tagEmpty:
			if len(stack) == 0 {
				if done {
					return nil, errors.New("more than one root element")
				}
				if string(name) != "response" {
					return nil, fmt.Errorf("root element is <%s>, want <response>", name)
				}
			}
			stack = append(stack, name)
			if !collecting && tracked(stack) {
				collecting, text = true, text[:0]
			}
			if kind == tagEmpty {
				if err := closeElement(&stack, &collecting, text, &cur, &out); err != nil {
					return nil, err
				}
			}
		case tagEnd:
			if len(stack) == 0 || !bytes.Equal(stack[len(stack)-1], name) {
				return nil, fmt.Errorf("unexpected </%s>", name)
			}
			if err := closeElement(&stack, &collecting, text, &cur, &out); err != nil {
				return nil, err
			}
		}
		if len(stack) == 0 && kind != tagOther && kind != tagCDATA {
			done = true
		}
	}
	switch {
	case len(stack) > 0:
		return nil, fmt.Errorf("unclosed <%s>", stack[len(stack)-1])
	case !done:
		return nil, errors.New("no root element")
	}
	return out, nil
}

// The paths of the elements the poller reads, below response.
func tracked(stack [][]byte) bool {
	switch len(stack) {
	case 4:
		if string(stack[1]) != "meetings" || string(stack[2]) != "meeting" {
			return false
		}
		switch string(stack[3]) {
		case "meetingID", "createTime", "participantCount", "moderatorCount", "videoCount", "isBreakout":
			return true
		}
	case 5:
		return string(stack[1]) == "meetings" && string(stack[2]) == "meeting" &&
			string(stack[3]) == "metadata" && string(stack[4]) == TenantMetaKey
	}
	return false
}

// closeElement pops the innermost element, storing a collected field and
// finishing a meeting.
func closeElement(stack *[][]byte, collecting *bool, text []byte, cur *polledMeeting, out *[]polledMeeting) error {
	depth := len(*stack)
	name := (*stack)[depth-1]
	if *collecting && tracked(*stack) {
		if err := setField(cur, name, depth, text); err != nil {
			return err
		}
		*collecting = false
	}
	if depth == 3 && string(name) == "meeting" && string((*stack)[1]) == "meetings" {
		*out = append(*out, *cur)
		*cur = polledMeeting{}
	}
	*stack = (*stack)[:depth-1]
	return nil
}

func setField(m *polledMeeting, name []byte, depth int, v []byte) error {
	if depth == 5 {
		m.Tenant = string(v)
		return nil
	}
	var err error
	switch string(name) {
	case "meetingID":
		m.ID = string(v)
	case "createTime":
		m.CreateTime, err = parseInt(v)
	case "participantCount":
		m.Participants, err = atoi(v)
	case "moderatorCount":
		m.Moderators, err = atoi(v)
	case "videoCount":
		m.Videos, err = atoi(v)
	case "isBreakout":
		s := string(bytes.TrimSpace(v))
		if s != "" {
			m.Breakout, err = strconv.ParseBool(s)
		}
	}
	if err != nil {
		return fmt.Errorf("<%s>: %w", name, err)
	}
	return nil
}

func parseInt(v []byte) (int64, error) {
	s := bytes.TrimSpace(v)
	if len(s) == 0 {
		return 0, nil
	}
	return strconv.ParseInt(string(s), 10, 64)
}

func atoi(v []byte) (int, error) {
	n, err := parseInt(v)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 1<<31-1 {
		return 0, fmt.Errorf("count %d out of range", n)
	}
	return int(n), nil
}

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
