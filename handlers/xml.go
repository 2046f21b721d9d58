package handlers

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// indexResponse and returnCodeSuccess keep index.go's names for the bbb
// package's version document.
type indexResponse = bbb.VersionResponse

const returnCodeSuccess = bbb.ReturnSuccess

// unsupportedRequest is Scalelite's answer to a call it does not route.
func unsupportedRequest() bbb.Envelope { return bbb.ErrUnsupportedRequest.Envelope() }

// writeXML writes a BBB document with HTTP 200: BBB reports failures in the
// document, never in the status.
func writeXML(w http.ResponseWriter, doc any) error { return bbb.WriteXML(w, doc) }
