package bbbsim

import (
	"slices"
	"time"
)

// Request is one request the simulator received, as logged for tests to
// assert what a load balancer forwarded.
type Request struct {
	// Call is the API call name, the path after /bigbluebutton/api/; empty
	// for the index call.
	Call        string
	Method      string
	RawQuery    string
	ContentType string
	Body        []byte
	Time        time.Time
}

func (s *Sim) logRequest(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
}

// Requests returns the requests received so far, oldest first, including
// those answered by a fault (a Down server receives nothing).
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// RequestsFor returns the received requests for one call, oldest first.
func (s *Sim) RequestsFor(call string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Call == call {
			out = append(out, r)
		}
	}
	return out
}

// ClearRequests empties the request log.
func (s *Sim) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
