package admin

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func toTenantJSON(t store.Tenant) Tenant {
	secrets := t.Secrets
	if secrets == nil {
		secrets = []string{}
	}
	return Tenant{ID: t.ID, Name: t.Name, Secrets: secrets}
}

// addTenantRequest is the body of POST /bbb/tenants.
type addTenantRequest struct {
	Name    string   `json:"name"`
	Secrets []string `json:"secrets"`
}

// updateTenantRequest is the body of PATCH /bbb/tenants/{id}; absent fields
// are kept.
type updateTenantRequest struct {
	Name    *string  `json:"name"`
	Secrets []string `json:"secrets"`
}

// removedResponse answers the DELETE of a tenant.
type removedResponse struct {
	Removed string `json:"removed"`
}

// listTenants answers GET /bbb/tenants, ordered by name.
func listTenants(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	tenants, err := p.Tenants(r.Context())
	if err != nil {
		return poolError(err)
	}
	out := make([]Tenant, len(tenants))
	for i, t := range tenants {
		out[i] = toTenantJSON(t)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getTenant answers GET /bbb/tenants/{id}.
func getTenant(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	t, err := p.Tenant(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toTenantJSON(t))
}

// addTenant answers POST /bbb/tenants with 201 and the new tenant.
func addTenant(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req addTenantRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	t, err := p.AddTenant(r.Context(), req.Name, req.Secrets)
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusCreated, toTenantJSON(t))
}

// updateTenant answers PATCH /bbb/tenants/{id} with the updated tenant.
func updateTenant(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req updateTenantRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	t, err := p.UpdateTenant(r.Context(), r.PathValue("id"), pool.TenantUpdate{Name: req.Name, Secrets: req.Secrets})
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toTenantJSON(t))
}

// deleteTenant answers DELETE /bbb/tenants/{id}.
func deleteTenant(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	id := r.PathValue("id")
	if err := p.DeleteTenant(r.Context(), id); err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, removedResponse{Removed: id})
}

// getTenantSettings answers GET /bbb/tenants/{id}/settings with the
// settings as a JSON array, ordered by param.
func getTenantSettings(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	settings, err := p.TenantSettings(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toSettingsJSON(settings))
}

// putTenantSettings answers PUT /bbb/tenants/{id}/settings: the array in
// the body replaces every setting; the answer is the settings now.
func putTenantSettings(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req []TenantSetting
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	if req == nil {
		return apiErrorf(http.StatusBadRequest, "want a JSON array of settings, [] for none")
	}
	settings := make([]store.TenantSetting, len(req))
	for i, s := range req {
		settings[i] = store.TenantSetting{Param: s.Param, Value: s.Value, Override: s.Override}
	}
	stored, err := p.SetTenantSettings(r.Context(), r.PathValue("id"), settings)
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toSettingsJSON(stored))
}

// deleteTenantSettings answers DELETE /bbb/tenants/{id}/settings: every
// setting is removed; the answer is the (empty) settings.
func deleteTenantSettings(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	if err := p.DeleteTenantSettings(r.Context(), r.PathValue("id")); err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, []TenantSetting{})
}

func toSettingsJSON(settings []store.TenantSetting) []TenantSetting {
	out := make([]TenantSetting, len(settings))
	for i, s := range settings {
		out[i] = TenantSetting{Param: s.Param, Value: s.Value, Override: s.Override}
	}
	return out
}
