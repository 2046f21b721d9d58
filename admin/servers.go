package admin

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func toServerJSON(s store.Server) Server {
	return Server{
		ID: s.ID, URL: s.URL, Secret: s.Secret, Tag: s.Tag, State: string(s.State), Online: s.Online,
		Load: pool.Load(s), LoadMultiplier: s.LoadMultiplier,
		Meetings: s.Meetings, Users: s.Users, LargestMeeting: s.LargestMeeting, Videos: s.Videos,
		BBBVersion: s.BBBVersion,
	}
}

// addServerRequest is the body of POST /bbb/servers.
type addServerRequest struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Secret         string   `json:"secret"`
	LoadMultiplier *float64 `json:"load_multiplier"`
	Tag            string   `json:"tag"`
}

// updateServerRequest is the body of PATCH /bbb/servers/{id}: absent fields
// are kept, a tag of "" removes the tag.
type updateServerRequest struct {
	URL            *string  `json:"url"`
	Secret         *string  `json:"secret"`
	LoadMultiplier *float64 `json:"load_multiplier"`
	Tag            *string  `json:"tag"`
}

// panicRequest is the optional body of POST /bbb/servers/{id}/panic.
type panicRequest struct {
	KeepState bool `json:"keep_state"`
}

// deleteServerResponse answers DELETE /bbb/servers/{id}.
type deleteServerResponse struct {
	Removed       string `json:"removed"`
	MeetingsEnded int    `json:"meetings_ended"`
}

// listServers answers GET /bbb/servers: the servers as a JSON array, or with
// ?format=yaml the servers document that PUT /bbb/servers takes.
func listServers(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
	case "yaml":
		return exportServers(w, r, p)
	default:
		return apiErrorf(http.StatusBadRequest, "invalid format %q: want json or yaml", format)
	}
	servers, err := p.Servers(r.Context())
	if err != nil {
		return poolError(err)
	}
	out := make([]Server, len(servers))
	for i, s := range servers {
		out[i] = toServerJSON(s)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getServer answers GET /bbb/servers/{id}.
func getServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	s, err := p.Server(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}

// addServer answers POST /bbb/servers with 201 and the new server, which is
// disabled and offline.
func addServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req addServerRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	s, err := p.AddServer(r.Context(), pool.NewServer{
		ID: req.ID, URL: req.URL, Secret: req.Secret, LoadMultiplier: req.LoadMultiplier, Tag: req.Tag,
	})
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusCreated, toServerJSON(s))
}

// updateServer answers PATCH /bbb/servers/{id} with the updated server.
func updateServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req updateServerRequest
	if err := decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	s, err := p.UpdateServer(r.Context(), r.PathValue("id"), pool.ServerUpdate{
		URL: req.URL, Secret: req.Secret, LoadMultiplier: req.LoadMultiplier, Tag: req.Tag,
	})
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}

// deleteServer answers DELETE /bbb/servers/{id}; 409 while the server has
// meetings, unless ?force=true, which ends them.
func deleteServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	force, err := queryBool(r, "force")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	ended, err := p.DeleteServer(r.Context(), id, force)
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, deleteServerResponse{Removed: id, MeetingsEnded: len(ended)})
}

// enableServer answers POST /bbb/servers/{id}/enable with the server.
func enableServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	s, err := p.EnableServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}

// cordonServer answers POST /bbb/servers/{id}/cordon with the server.
func cordonServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	s, err := p.CordonServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}

// disableServer answers POST /bbb/servers/{id}/disable with the server,
// having ended its meetings.
func disableServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	s, _, err := p.DisableServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}

// panicServer answers POST /bbb/servers/{id}/panic with the server, having
// ended its meetings and, unless {"keep_state": true}, disabled it.
func panicServer(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	var req panicRequest
	if err := decodeJSON(w, r, &req, true); err != nil {
		return err
	}
	s, _, err := p.PanicServer(r.Context(), r.PathValue("id"), req.KeepState)
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toServerJSON(s))
}
