package bbbsim

import (
	"net/http"
	"slices"
)

// insertDocument keeps the XML body for tests to read; an empty body is
// accepted and ignored, as on a real server.
func (s *Sim) insertDocument(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	s.mu.Lock()
	m, found := s.meetings[id]
	if found && len(a.body) > 0 {
		m.documents = append(m.documents, slices.Clone(a.body))
	}
	s.mu.Unlock()
	if !found {
		writeFailed(w, apiError{"notFound", "Meeting with id [" + id + "] not found."})
		return
	}
	writeXML(w, messageDoc{ReturnCode: returnSuccess, Message: "Presentation is being uploaded"})
}
