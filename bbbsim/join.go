package bbbsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// Roles a user can have.
const (
	RoleModerator = "MODERATOR"
	RoleViewer    = "VIEWER"
)

// join adds the user to the meeting and redirects to the HTML5 client, or
// answers XML with redirect=false. Errors are redirects too (§2.2).
func (s *Sim) join(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		s.joinError(w, a, e)
		return
	}
	fullName := a.get("fullName")
	if fullName == "" {
		s.joinError(w, a, errMissingFullName)
		return
	}
	userID := a.get("userID")
	if userID == "" {
		userID = "w_" + randomLowerAlphanumeric(12)
	}
	internalID, e, ok := s.addJoined(id, a, bbb.Attendee{
		UserID:     userID,
		FullName:   fullName,
		ClientType: "HTML5",
		CustomData: customData(a.params),
	})
	if !ok {
		s.joinError(w, a, e)
		return
	}

	session := randomLowerAlphanumeric(16)
	target := a.serverURL + "/html5client/join?sessionToken=" + session
	if redirect, valid := parseBool(a.get("redirect")); valid && !redirect {
		writeXML(w, joinDoc{
			ReturnCode:   returnSuccess,
			MessageKey:   "successfullyJoined",
			Message:      "You have joined successfully.",
			MeetingID:    internalID,
			UserID:       userID,
			AuthToken:    randomLowerAlphanumeric(12),
			SessionToken: session,
			GuestStatus:  "ALLOW",
			URL:          target,
		})
		return
	}
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusFound)
}

// addJoined checks the join against the meeting and adds the user; it
// returns the meeting's internal ID.
func (s *Sim) addJoined(meetingID string, a *apiRequest, user bbb.Attendee) (string, apiError, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return "", errNotFound, false
	}
	if ct := a.get("createTime"); ct != "" && ct != strconv.FormatInt(m.info.CreateTime, 10) {
		return "", errCreateTime, false
	}
	// A valid role wins over the deprecated password.
	switch role := strings.ToUpper(a.get("role")); {
	case role == RoleModerator || role == RoleViewer:
		user.Role = role
	case a.get("password") != "" && a.get("password") == m.info.ModeratorPW:
		user.Role = RoleModerator
	case a.get("password") != "" && a.get("password") == m.info.AttendeePW:
		user.Role = RoleViewer
	default:
		return "", errJoinPassword, false
	}
	if m.info.MaxUsers > 0 && m.info.ParticipantCount >= m.info.MaxUsers {
		return "", errMaxParticipants, false
	}
	m.addAttendee(user, time.Now())
	return m.info.InternalMeetingID, apiError{}, true
}

// joinError redirects to errorRedirectUrl, else the meeting's logoutURL, else
// the server's own URL, with the error as a JSON array in ?errors=.
func (s *Sim) joinError(w http.ResponseWriter, a *apiRequest, e apiError) {
	target := a.get("errorRedirectUrl")
	if target == "" {
		s.mu.Lock()
		if m, ok := s.meetings[a.get("meetingID")]; ok {
			target = m.logoutURL
		}
		s.mu.Unlock()
	}
	if target == "" {
		target = a.serverURL
	}
	type item struct {
		Key     string `json:"key"`
		Message string `json:"message"`
	}
	list, err := json.Marshal([]item{{e.Key, e.Message}})
	if err != nil {
		http.Error(w, "bbbsim: encode join error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	w.Header().Set("Location", target+sep+"errors="+url.QueryEscape(string(list)))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusFound)
}
