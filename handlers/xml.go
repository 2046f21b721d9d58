package handlers

import (
	"encoding/xml"
	"fmt"
	"net/http"
)

// These documents are local until package bbb has the typed responses.

const (
	returnCodeSuccess = "SUCCESS"
	returnCodeFailed  = "FAILED"
)

// indexResponse is the version document of /bigbluebutton/api.
type indexResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Version    string   `xml:"version"`
	// Build is left out when empty, as Scalelite does without BUILD_NUMBER.
	Build string `xml:"build,omitempty"`
}

// errorResponse is a BBB FAILED document.
type errorResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey"`
	Message    string   `xml:"message"`
}

// unsupportedRequest is Scalelite's answer to a call it does not route.
func unsupportedRequest() errorResponse {
	return errorResponse{
		ReturnCode: returnCodeFailed,
		MessageKey: "unsupportedRequest",
		Message:    "This request is not supported.",
	}
}

// writeXML writes a BBB document with HTTP 200: BBB reports failures in the
// document, never in the status. It encodes before writing so an encoding
// error leaves the response untouched.
func writeXML(w http.ResponseWriter, doc any) error {
	body, err := xml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %T: %w", doc, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml;charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}
