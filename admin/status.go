package admin

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/pool"
)

// getStatus answers GET /bbb/status with the rows of the status table
// (Scalelite's status task): id, hostname, state, status (online|offline),
// meetings, users, largest_meeting, videos, load (null while offline),
// bbb_version and tag, ordered by hostname.
func getStatus(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	rows, err := p.Status(r.Context())
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, rows)
}
