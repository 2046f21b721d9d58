package bbbsim

import (
	"net/http"
	"time"
	"unicode/utf8"
)

// sendChatMessage posts a message to the meeting's public chat.
func (s *Sim) sendChatMessage(w http.ResponseWriter, a *apiRequest) {
	id, e, ok := meetingIDParam(a)
	if !ok {
		writeFailed(w, e)
		return
	}
	msg := a.get("message")
	switch n := utf8.RuneCountInString(msg); {
	case msg == "":
		writeFailed(w, errMissingMessage)
		return
	case n > 500:
		writeFailed(w, errMessageLength)
		return
	}
	userName := a.get("userName")
	if utf8.RuneCountInString(userName) > 255 {
		writeFailed(w, errUserNameLength)
		return
	}
	if userName == "" {
		userName = "System"
	}
	s.mu.Lock()
	m, found := s.meetings[id]
	if found {
		m.chat = append(m.chat, ChatMessage{UserName: userName, Message: msg, Time: time.Now()})
	}
	s.mu.Unlock()
	if !found {
		writeFailed(w, errNotFound)
		return
	}
	writeXML(w, messageDoc{ReturnCode: returnSuccess})
}
