package bbbsim

import "net/http"

const (
	endKey = "sentEndMeetingRequest"
	// The two spaces after the first sentence are bbb-web's.
	endMessage = "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended."
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
	writeXML(w, messageDoc{ReturnCode: returnSuccess, MessageKey: endKey, Message: endMessage})
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
