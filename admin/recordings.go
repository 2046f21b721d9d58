package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

// importerSource is the accessor through which the app hands out its
// recordings importer. It is asserted rather than called directly so that
// this route builds, and answers 503, with an app that has none.
type importerSource interface {
	Importer() *recordings.Importer
}

// importNow answers POST /bbb/recordings/import: the spool is scanned and
// what is there imported now; the answer, once done, is the summary. When
// another node holds the importer lease, that node is the one importing: 409.
func importNow(w http.ResponseWriter, r *http.Request, app *module.App) error {
	var im *recordings.Importer
	if src, ok := any(app).(importerSource); ok {
		im = src.Importer()
	}
	if im == nil {
		return apiErrorf(http.StatusServiceUnavailable, "the bbb app has no recordings importer: recordings are disabled or the app has no stores")
	}
	summary, err := im.ImportNow(r.Context())
	switch {
	case errors.Is(err, recordings.ErrLeaseHeld):
		return apiErrorf(http.StatusConflict, "another node is importing: %v", err)
	case err != nil:
		return apiError(http.StatusInternalServerError, fmt.Errorf("import: %w", err))
	}
	return writeJSON(w, http.StatusOK, summary)
}

// assignTenantRequest is the body of POST /bbb/recordings/assign-tenant.
type assignTenantRequest struct {
	// Tenant is the tenant's id or name.
	Tenant string `json:"tenant"`
}

// assignTenantResponse answers POST /bbb/recordings/assign-tenant.
type assignTenantResponse struct {
	TenantID string `json:"tenant_id"`
	Assigned int    `json:"assigned"`
}

// assignTenant answers POST /bbb/recordings/assign-tenant: every recording
// without a tenant is given this one (Scalelite's recordings:addToTenant),
// and the answer says how many were.
func (a *Admin) assignTenant(w http.ResponseWriter, r *http.Request, app *module.App) error {
	var req assignTenantRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	if req.Tenant == "" {
		return apiErrorf(http.StatusBadRequest, "tenant is required: the id or name of the tenant to assign")
	}
	recs := app.RecordingStore()
	if recs == nil {
		return apiErrorf(http.StatusServiceUnavailable, "the bbb app has no recordings store")
	}
	p, err := a.pool(app)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	id, err := p.ResolveTenant(ctx, req.Tenant)
	if err != nil {
		return poolError(err)
	}
	t, err := p.Tenant(ctx, id)
	if err != nil {
		return poolError(err)
	}
	n, err := recs.AssignTenant(ctx, t.ID, t.Name)
	if err != nil {
		return apiError(http.StatusInternalServerError, fmt.Errorf("assign recordings to tenant %s: %w", t.ID, err))
	}
	a.logger.Info("recordings assigned to tenant", zap.String("tenant", t.ID), zap.Int("assigned", n))
	return writeJSON(w, http.StatusOK, assignTenantResponse{TenantID: t.ID, Assigned: n})
}
