package bbbsim

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Fault is a failure mode the simulator can be put in.
type Fault int

const (
	// Healthy answers every request normally.
	Healthy Fault = iota
	// Down refuses connections: the listener and all open connections are
	// closed, and the port is listened on again when the fault is cleared.
	// Mounted as a plain handler, the simulator aborts each connection.
	Down
	// Hang accepts requests and never answers, until the client gives up
	// or the simulator is closed.
	Hang
	// Garbage answers 200 with a body that is not XML.
	Garbage
)

// String returns the fault's name.
func (f Fault) String() string {
	switch f {
	case Healthy:
		return "healthy"
	case Down:
		return "down"
	case Hang:
		return "hang"
	case Garbage:
		return "garbage"
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// GarbageBody is what the Garbage fault answers.
const GarbageBody = "}} this is not XML {{"

// SetFault puts the simulator in fault mode f, replacing the previous one.
// Entering Down closes the listener and every open connection; leaving it
// listens again on the same address, which fails if another process took the
// port meanwhile.
func (s *Sim) SetFault(f Fault) error {
	if f < Healthy || f > Garbage {
		return fmt.Errorf("bbbsim: unknown fault %d", int(f))
	}
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("bbbsim: set fault after close")
	}
	prev := s.fault
	s.fault = f
	s.mu.Unlock()

	switch {
	case f == Down && prev != Down:
		return s.stopServing()
	case f != Down && prev == Down && s.addr != "" && s.srv == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("bbbsim: listen again on %s: %w", s.addr, err)
		}
		s.serve(ln)
	}
	return nil
}

// Fault returns the current fault mode.
func (s *Sim) Fault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// SetSlow delays every answer by d (the Slow fault); 0 turns it off. It
// combines with the other faults.
func (s *Sim) SetSlow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow = max(d, 0)
}

// applyFault runs the fault mode for a request that has been received. It
// reports whether the request was fully handled by the fault.
func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, f Fault, slow time.Duration) bool {
	if slow > 0 {
		t := time.NewTimer(slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.closedCh:
			panic(http.ErrAbortHandler)
		}
	}
	switch f {
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.closedCh:
			// Drop the connection rather than let net/http send an
			// empty 200 for a handler that wrote nothing.
			panic(http.ErrAbortHandler)
		}
		return true
	case Garbage:
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(GarbageBody))
		return true
	}
	return false
}
