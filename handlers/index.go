package handlers

import "net/http"

// serveIndex answers the version document. It needs no checksum: monitoring
// and clients use it to check that the API is up.
func (h *Handler) serveIndex(w http.ResponseWriter, _ *http.Request) error {
	return writeXML(w, indexResponse{
		ReturnCode: returnCodeSuccess,
		Version:    "2.0",
		Build:      h.settings.BuildNumber,
	})
}
