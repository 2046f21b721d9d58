package bbbsim

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// getMeetingInfo answers the full description of one meeting.
func (s *Sim) getMeetingInfo(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	s.mu.Lock()
	m, found := s.meetings[id]
	var doc meetingInfoDoc
	if found {
		doc = meetingInfoDoc{ReturnCode: returnSuccess, Meeting: asWritten(m.snapshot())}
	}
	s.mu.Unlock()
	if !found {
		writeFailed(w, errNotFound)
		return
	}
	writeXML(w, doc)
}

// getMeetings lists every meeting, breakout rooms included; an empty list
// carries noMeetings after the empty <meetings/>.
func (s *Sim) getMeetings(w http.ResponseWriter, _ *apiRequest) {
	s.mu.Lock()
	ms := s.sortedMeetings()
	doc := meetingsDoc{ReturnCode: returnSuccess}
	for _, m := range ms {
		doc.Meetings.Meeting = append(doc.Meetings.Meeting, asWritten(m.snapshot()))
	}
	s.mu.Unlock()
	if len(doc.Meetings.Meeting) == 0 {
		key, msg := bbb.KeyNoMeetings, bbb.MessageNoMeetings
		doc.MessageKey, doc.Message = &key, &msg
	}
	writeXML(w, doc)
}
