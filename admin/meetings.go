package admin

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/pool"
)

func toMeetingJSON(m pool.MeetingInfo) Meeting {
	return Meeting{
		ID: m.ID, Tenant: m.Tenant, ServerID: m.ServerID, ServerURL: m.ServerURL,
		Created: m.CreatedAt.UTC(), VoiceBridge: m.VoiceBridge,
		Participants: m.Participants, Moderators: m.Moderators, Videos: m.Videos,
	}
}

// listMeetings answers GET /bbb/meetings with the live meetings, of every
// tenant unless ?tenant= (an id or a name) narrows them; ?server= narrows
// them to one server.
func listMeetings(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	q := r.URL.Query()
	meetings, err := p.Meetings(r.Context(), pool.MeetingQuery{Tenant: q.Get("tenant"), ServerID: q.Get("server")})
	if err != nil {
		return poolError(err)
	}
	out := make([]Meeting, len(meetings))
	for i, m := range meetings {
		out[i] = toMeetingJSON(m)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getMeeting answers GET /bbb/meetings/{id}; ?tenant= (an id or a name)
// picks the tenant, none means the meeting has none.
func getMeeting(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	m, err := p.Meeting(r.Context(), r.URL.Query().Get("tenant"), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toMeetingJSON(m))
}

// endMeeting answers DELETE /bbb/meetings/{id}: the binding is removed and
// the meeting's server asked to end it. The answer is the ended meeting.
func endMeeting(w http.ResponseWriter, r *http.Request, p *pool.Pool) error {
	ctx := r.Context()
	info, err := p.Meeting(ctx, r.URL.Query().Get("tenant"), r.PathValue("id"))
	if err != nil {
		return poolError(err)
	}
	if _, err := p.EndMeeting(ctx, info.Tenant, info.ID); err != nil {
		return poolError(err)
	}
	return writeJSON(w, http.StatusOK, toMeetingJSON(info))
}
