package bbb

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// errNoResponse means a body's root element is not <response>.
var errNoResponse = errors.New("root element is not <response>")

// readEnvelope reads the returncode of a BBB document without decoding the
// whole of it: a getMeetings answer can run to megabytes, and the caller
// decodes the part it needs anyway. On SUCCESS it stops at the first element
// after the returncode that is not messageKey or message, so a success
// envelope has those only when they come right after the returncode (as in
// end and insertDocument answers); on FAILED (a short document) it reads on
// for them wherever they are.
func readEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	d := xml.NewDecoder(bytes.NewReader(body))
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return env, errNoResponse
			}
			return env, nil
		}
		if err != nil {
			return env, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !root {
				if t.Name.Local != "response" {
					return env, errNoResponse
				}
				root = true
				continue
			}
			var dst *string
			switch t.Name.Local {
			case "returncode":
				dst = &env.ReturnCode
			case "messageKey":
				dst = &env.MessageKey
			case "message":
				dst = &env.Message
			}
			if dst == nil {
				if env.Success() {
					return env, nil
				}
				if err := d.Skip(); err != nil {
					return env, err
				}
				continue
			}
			if err := d.DecodeElement(dst, &t); err != nil {
				return env, fmt.Errorf("%s: %w", t.Name.Local, err)
			}
		case xml.EndElement:
			// The end of <response>: nothing more to read.
			return env, nil
		}
	}
}

// PeekEnvelope reads the returncode and messageKey of a BBB document from
// its first bytes, without parsing it: the text of the first <returncode>
// and <messageKey> elements in prefix, trimmed, or "" when prefix does not
// hold them whole. It is for looking at an answer on its way to a client
// (for metrics), where readEnvelope's full parse would cost more than the
// answer is worth and the rest of the body may not have been written yet.
func PeekEnvelope(prefix []byte) Envelope {
	return Envelope{ReturnCode: peekElement(prefix, "returncode"), MessageKey: peekElement(prefix, "messageKey")}
}

// peekElement returns the trimmed text of the first <name> element in b, or
// "" when there is none within b.
func peekElement(b []byte, name string) string {
	open := "<" + name + ">"
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return ""
	}
	rest := b[i+len(open):]
	j := bytes.IndexByte(rest, '<')
	if j < 0 {
		return ""
	}
	return string(bytes.TrimSpace(rest[:j]))
}
