package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/poller"
)

// pollNow answers POST /bbb/poll: every server that is not disabled is
// polled now, and the answer, once the cycle is done, is its summary. When
// another node holds the poller lease, that node is the one polling: 409.
func pollNow(w http.ResponseWriter, r *http.Request, app *module.App) error {
	p := app.Poller()
	if p == nil {
		return apiErrorf(http.StatusServiceUnavailable, "the bbb app has no poller: it has no live store")
	}
	summary, err := p.PollNow(r.Context())
	switch {
	case errors.Is(err, poller.ErrLeaseHeld):
		return apiErrorf(http.StatusConflict, "another node is polling: %v", err)
	case err != nil:
		return apiError(http.StatusInternalServerError, fmt.Errorf("poll: %w", err))
	}
	return writeJSON(w, http.StatusOK, summary)
}
