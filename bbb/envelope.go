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
