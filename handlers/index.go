package handlers

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// serveIndex answers the version document. It needs no checksum: monitoring
// and clients use it to check that the API is up.
func (h *Handler) serveIndex(w http.ResponseWriter, _ *http.Request) error {
	return bbb.WriteXML(w, bbb.NewVersionResponse(h.settings.BuildNumber))
}
