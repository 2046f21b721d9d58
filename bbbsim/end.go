package bbbsim

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// end removes the meeting. A real server shows it ended for a moment before
// dropping it; the simulator drops it at once, which clients must handle too.
func (s *Sim) end(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	s.mu.Lock()
	found := s.removeMeeting(id)
	s.mu.Unlock()
	if !found {
		writeFailed(w, errNotFound)
		return
	}
	writeXML(w, messageDoc{ReturnCode: returnSuccess, MessageKey: bbb.KeySentEndMeetingRequest, Message: bbb.MessageSentEndMeetingRequest})
}

// isMeetingRunning answers running=true while users are in the meeting; an
// unknown meeting is not an error, just not running.
func (s *Sim) isMeetingRunning(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	s.mu.Lock()
	m, found := s.meetings[id]
	running := found && m.info.Running
	s.mu.Unlock()
	writeXML(w, runningDoc{ReturnCode: returnSuccess, Running: running})
}
