package bbb

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// MetaTenantID is the metadata key the load balancer's create puts the
// tenant id in; it comes back in every getMeetings node of the meeting.
const MetaTenantID = "tenant-id"

// MeetingSummary is one <meeting> node of a getMeetings answer: the few
// fields the load balancer acts on, and the node exactly as the server sent
// it. Raw shares the answer's bytes, so passing it on keeps the elements a
// newer BBB adds and costs no copy.
type MeetingSummary struct {
	ID           string
	Tenant       string // metadata tenant-id
	CreateTime   int64  // ms since the epoch
	Participants int
	Moderators   int
	Videos       int
	Breakout     bool
	Raw          []byte
}

// Decode parses the whole node, attendees and metadata included.
func (m MeetingSummary) Decode() (Meeting, error) {
	var out Meeting
	if err := xml.Unmarshal(m.Raw, &out); err != nil {
		return Meeting{}, fmt.Errorf("decode meeting %q: %w", m.ID, err)
	}
	return out, nil
}

// MeetingsAnswer is a getMeetings answer as ReadMeetings reads it.
type MeetingsAnswer struct {
	ReturnCode string
	MessageKey string
	Message    string
	Meetings   []MeetingSummary
}

// ReadMeetings reads a getMeetings answer.
//
// A pool of a thousand servers answers with tens of megabytes of XML, mostly
// attendee lists nobody here needs; encoding/xml would spend seconds of CPU
// and many times the answer's size in memory on them. This reader walks the
// elements without building anything and keeps a few fields and each node's
// bounds. It tracks the element path, so a metadata or custom-data key named
// like a field (meta_participantCount=…) cannot pass for it, and it rejects
// documents that are not well formed, so a garbage answer still fails.
func ReadMeetings(body []byte) (*MeetingsAnswer, error) {
	s := meetingsScan{r: xmlReader{b: body}, out: &MeetingsAnswer{}}
	if err := s.run(); err != nil {
		return nil, fmt.Errorf("read getMeetings: %w", err)
	}
	if s.out.ReturnCode == "" {
		return nil, errors.New("read getMeetings: no returncode")
	}
	return s.out, nil
}

// meetingsScan is the state of one ReadMeetings walk.
type meetingsScan struct {
	r     xmlReader
	out   *MeetingsAnswer
	cur   MeetingSummary
	stack [][]byte
	// text collects the decoded text of a tracked element while
	// collecting is set.
	text       []byte
	collecting bool
	nodeStart  int // offset of the current <meeting>'s '<'
}

func (s *meetingsScan) run() error {
	body := s.r.b
	done := false // the root element has ended
	for {
		start := s.r.i
		more := s.r.skipTo('<')
		seg := body[start:s.r.i]
		switch {
		case s.collecting:
			v, err := unescape(seg)
			if err != nil {
				return err
			}
			s.text = append(s.text, v...)
		case len(s.stack) == 0 && bytes.ContainsFunc(seg, func(c rune) bool { return !isSpace(c) }):
			return errors.New("text outside the root element")
		}
		if !more {
			break
		}
		tagAt := s.r.i
		kind, name, err := s.r.tag()
		if err != nil {
			return err
		}
		switch kind {
		case tagCDATA:
			if s.collecting {
				s.text = append(s.text, name...)
			} else if len(s.stack) == 0 {
				return errors.New("CDATA outside the root element")
			}
		case tagStart, tagEmpty:
			if len(s.stack) == 0 {
				if done {
					return errors.New("more than one root element")
				}
				if string(name) != "response" {
					return fmt.Errorf("root element is <%s>, want <response>", name)
				}
			}
			s.stack = append(s.stack, name)
			if s.inMeetingNode() {
				s.nodeStart = tagAt
			}
			if !s.collecting && tracked(s.stack) {
				s.collecting, s.text = true, s.text[:0]
			}
			if kind == tagEmpty {
				if err := s.closeElement(); err != nil {
					return err
				}
			}
		case tagEnd:
			if len(s.stack) == 0 || !bytes.Equal(s.stack[len(s.stack)-1], name) {
				return fmt.Errorf("unexpected </%s>", name)
			}
			if err := s.closeElement(); err != nil {
				return err
			}
		}
		if len(s.stack) == 0 && kind != tagOther && kind != tagCDATA {
			done = true
		}
	}
	switch {
	case len(s.stack) > 0:
		return fmt.Errorf("unclosed <%s>", s.stack[len(s.stack)-1])
	case !done:
		return errors.New("no root element")
	}
	return nil
}

// inMeetingNode reports whether the innermost element is a
// response/meetings/meeting node.
func (s *meetingsScan) inMeetingNode() bool {
	return len(s.stack) == 3 && string(s.stack[1]) == "meetings" && string(s.stack[2]) == "meeting"
}

// tracked reports whether the element at the end of stack holds a value
// ReadMeetings keeps.
func tracked(stack [][]byte) bool {
	switch len(stack) {
	case 2:
		switch string(stack[1]) {
		case "returncode", "messageKey", "message":
			return true
		}
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
			string(stack[3]) == "metadata" && string(stack[4]) == MetaTenantID
	}
	return false
}

// closeElement pops the innermost element, storing a collected value and
// finishing a meeting node.
func (s *meetingsScan) closeElement() error {
	depth := len(s.stack)
	name := s.stack[depth-1]
	if s.collecting && tracked(s.stack) {
		if err := s.store(name, depth); err != nil {
			return err
		}
		s.collecting = false
	}
	if s.inMeetingNode() {
		// Capped, so that appending to Raw copies instead of writing
		// over the next node.
		end := s.r.i
		s.cur.Raw = s.r.b[s.nodeStart:end:end]
		s.out.Meetings = append(s.out.Meetings, s.cur)
		s.cur = MeetingSummary{}
	}
	s.stack = s.stack[:depth-1]
	return nil
}

func (s *meetingsScan) store(name []byte, depth int) error {
	v := s.text
	switch depth {
	case 2:
		switch string(name) {
		case "returncode":
			s.out.ReturnCode = string(bytes.TrimSpace(v))
		case "messageKey":
			s.out.MessageKey = string(v)
		case "message":
			s.out.Message = string(v)
		}
		return nil
	case 5:
		s.cur.Tenant = string(v)
		return nil
	}
	m := &s.cur
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
		t := string(bytes.TrimSpace(v))
		if t != "" {
			m.Breakout, err = strconv.ParseBool(t)
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

// The fixed parts of a merged getMeetings document.
const (
	meetingsHead     = "<response><returncode>" + ReturnSuccess + "</returncode><meetings>"
	meetingsTail     = "</meetings></response>"
	noMeetingsSuffix = "</meetings><messageKey>" + KeyNoMeetings + "</messageKey><message>" +
		MessageNoMeetings + "</message></response>"
)

// WriteMeetings writes a successful getMeetings document holding the raw
// meeting nodes in order, or BBB's noMeetings document when there is none.
// The nodes are written as they are, without being joined into one buffer
// first: a pool-wide answer can run to megabytes.
func WriteMeetings(w http.ResponseWriter, nodes [][]byte) error {
	tail := meetingsTail
	if len(nodes) == 0 {
		tail = noMeetingsSuffix
	}
	size := len(meetingsHead) + len(tail)
	for _, n := range nodes {
		size += len(n)
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeXML)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	// Nodes are small (about a kilobyte); one write each would cost a
	// trip through every wrapping response writer.
	buf := make([]byte, 0, 32<<10)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	buf = append(buf, meetingsHead...)
	for _, n := range nodes {
		if len(buf)+len(n) > cap(buf) {
			if err := flush(); err != nil {
				return fmt.Errorf("write getMeetings: %w", err)
			}
		}
		if len(n) > cap(buf) {
			if _, err := w.Write(n); err != nil {
				return fmt.Errorf("write getMeetings: %w", err)
			}
			continue
		}
		buf = append(buf, n...)
	}
	buf = append(buf, tail...)
	if err := flush(); err != nil {
		return fmt.Errorf("write getMeetings: %w", err)
	}
	return nil
}
