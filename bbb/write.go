package bbb

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"sync"
)

// ContentTypeXML is the content type of BBB's XML responses.
const ContentTypeXML = "text/xml;charset=utf-8"

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// MarshalDocument encodes a BBB document the way BBB sends it: no XML
// declaration, just the <response> element.
func MarshalDocument(doc any) ([]byte, error) {
	b, err := xml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", doc, err)
	}
	return b, nil
}

// WriteXML encodes doc and writes it with HTTP 200 and BBB's content type:
// BBB reports failures in the document, never in the status. The document is
// encoded before anything is written, so an encoding error leaves w untouched.
func WriteXML(w http.ResponseWriter, doc any) error {
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		// A huge document is not kept around for every later small one.
		if buf.Cap() <= 64<<10 {
			bufferPool.Put(buf)
		}
	}()
	if err := xml.NewEncoder(buf).Encode(doc); err != nil {
		return fmt.Errorf("encode %T: %w", doc, err)
	}
	return WriteXMLBytes(w, buf.Bytes())
}

// WriteXMLBytes writes an already encoded document, such as a BBB server's
// answer passed through, with HTTP 200 and BBB's content type.
func WriteXMLBytes(w http.ResponseWriter, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", ContentTypeXML)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}
