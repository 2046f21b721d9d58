package bbbsim

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// meeting is the simulator's state of one meeting; info holds everything
// getMeetingInfo reports, the rest is kept for tests to inspect.
type meeting struct {
	info         bbb.Meeting
	logoutURL    string
	createParams url.Values
	createBody   []byte
	documents    [][]byte
	chat         []ChatMessage
}

// ChatMessage is a message posted with sendChatMessage.
type ChatMessage struct {
	UserName string
	Message  string
	Time     time.Time
}

// ErrUnknownMeeting is returned by controls given a meetingID the simulator
// does not hold.
var ErrUnknownMeeting = errors.New("bbbsim: unknown meeting")

// internalMeetingID is BBB's sha1hex(meetingID)-createTime.
func internalMeetingID(meetingID string, createTime int64) string {
	sum := sha1.Sum([]byte(meetingID))
	return hex.EncodeToString(sum[:]) + "-" + strconv.FormatInt(createTime, 10)
}

// createDate formats t as Java's Date.toString does in UTC.
func createDate(t time.Time) string {
	return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
}

// snapshot returns a copy of the meeting that shares no memory with the state.
func (m *meeting) snapshot() bbb.Meeting {
	out := m.info
	out.Attendees = slices.Clone(m.info.Attendees)
	for i, a := range out.Attendees {
		if a.CustomData != nil {
			cd := slices.Clone(*a.CustomData)
			out.Attendees[i].CustomData = &cd
		}
	}
	out.Metadata = slices.Clone(m.info.Metadata)
	out.BreakoutRooms = slices.Clone(m.info.BreakoutRooms)
	if m.info.FreeJoin != nil {
		f := *m.info.FreeJoin
		out.FreeJoin = &f
	}
	return out
}

// recount derives the counters and flags getMeetingInfo reports from the
// attendee list, as bbb-web does when users come and go.
func (m *meeting) recount(now time.Time) {
	info := &m.info
	wasRunning := info.ParticipantCount > 0
	info.ParticipantCount = len(info.Attendees)
	info.ModeratorCount, info.ListenerCount, info.VoiceParticipantCount = 0, 0, 0
	for _, a := range info.Attendees {
		if a.Role == "MODERATOR" {
			info.ModeratorCount++
		}
		if a.IsListeningOnly {
			info.ListenerCount++
		}
		if a.HasJoinedVoice {
			info.VoiceParticipantCount++
		}
	}
	info.Running = info.ParticipantCount > 0
	switch {
	case info.Running:
		info.HasUserJoined = true
		info.EndTime = 0
	case wasRunning:
		info.EndTime = now.UnixMilli()
	}
}

// sortedMeetings returns the meetings in a stable order: oldest first.
func (s *Sim) sortedMeetings() []*meeting {
	out := make([]*meeting, 0, len(s.meetings))
	for _, m := range s.meetings {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *meeting) int {
		return cmp.Or(cmp.Compare(a.info.CreateTime, b.info.CreateTime), cmp.Compare(a.info.MeetingID, b.info.MeetingID))
	})
	return out
}

// voiceBridgeInUse reports whether another meeting holds the voice bridge.
func (s *Sim) voiceBridgeInUse(vb string) bool {
	for _, m := range s.meetings {
		if m.info.VoiceBridge == vb {
			return true
		}
	}
	return false
}

// freeVoiceBridge picks a random 5-digit voice bridge, trying up to 10 times
// for one no other meeting uses, as BBB 2.6+ does; the caller holds s.mu.
func (s *Sim) freeVoiceBridge() string {
	vb := randomDigits(5)
	for range 9 {
		if !s.voiceBridgeInUse(vb) {
			break
		}
		vb = randomDigits(5)
	}
	return vb
}

// linkBreakout records a breakout room in its parent's breakoutRooms list;
// the caller holds s.mu.
func (s *Sim) linkBreakout(room *meeting) {
	if !room.info.IsBreakout || room.info.ParentMeetingID == "" {
		return
	}
	for _, p := range s.meetings {
		if p.info.InternalMeetingID == room.info.ParentMeetingID || p.info.MeetingID == room.info.ParentMeetingID {
			if !slices.Contains(p.info.BreakoutRooms, room.info.InternalMeetingID) {
				p.info.BreakoutRooms = append(p.info.BreakoutRooms, room.info.InternalMeetingID)
			}
			return
		}
	}
}

// unlinkBreakout removes a breakout room from its parent; the caller holds s.mu.
func (s *Sim) unlinkBreakout(room *meeting) {
	if !room.info.IsBreakout {
		return
	}
	for _, p := range s.meetings {
		p.info.BreakoutRooms = slices.DeleteFunc(p.info.BreakoutRooms, func(id string) bool {
			return id == room.info.InternalMeetingID
		})
	}
}

// AddMeeting adds a meeting directly, as if it had been created, for breakout
// rooms, meetings with a createTime in the past, or meetings with attendees.
// MeetingID is required. Empty fields get what create would give them: the
// createTime now, internalMeetingID from meetingID and createTime, createDate,
// startTime, generated passwords, a free voice bridge and the default dial
// number. The counters are derived from Attendees. A breakout room whose
// ParentMeetingID names a meeting (internal or external ID) is listed in that
// meeting's breakoutRooms. It returns the meeting as stored.
func (s *Sim) AddMeeting(m bbb.Meeting) (bbb.Meeting, error) {
	if m.MeetingID == "" {
		return bbb.Meeting{}, errors.New("bbbsim: add meeting: empty meetingID")
	}
	now := time.Now()
	if m.CreateTime == 0 {
		m.CreateTime = now.UnixMilli()
	}
	created := time.UnixMilli(m.CreateTime)
	if m.InternalMeetingID == "" {
		m.InternalMeetingID = internalMeetingID(m.MeetingID, m.CreateTime)
	}
	if m.MeetingName == "" {
		m.MeetingName = m.MeetingID
	}
	if m.CreateDate == "" {
		m.CreateDate = createDate(created)
	}
	if m.StartTime == 0 {
		m.StartTime = m.CreateTime
	}
	if m.AttendeePW == "" {
		m.AttendeePW = randomAlphanumeric(8)
	}
	if m.ModeratorPW == "" {
		m.ModeratorPW = randomAlphanumeric(8)
	}
	if m.DialNumber == "" {
		m.DialNumber = DefaultDialNumber
	}
	if m.Metadata == nil {
		m.Metadata = bbb.Metadata{}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.meetings[m.MeetingID]; ok {
		return bbb.Meeting{}, fmt.Errorf("bbbsim: add meeting %q: already exists", m.MeetingID)
	}
	if m.VoiceBridge == "" {
		m.VoiceBridge = s.freeVoiceBridge()
	}
	mt := &meeting{info: m}
	mt.info.Attendees = slices.Clone(m.Attendees)
	mt.info.Metadata = slices.Clone(m.Metadata)
	mt.info.BreakoutRooms = slices.Clone(m.BreakoutRooms)
	hasJoined := m.HasUserJoined
	mt.recount(now)
	mt.info.HasUserJoined = mt.info.HasUserJoined || hasJoined
	s.meetings[m.MeetingID] = mt
	s.linkBreakout(mt)
	return mt.snapshot(), nil
}

// SetUsers replaces the users of a meeting with participants generated users,
// the first moderators of them MODERATOR and the rest VIEWER, and sets the
// webcam count to videos (the first videos users show a camera). The meeting
// runs while participants > 0; going to 0 sets its endTime, and it stays
// listed until EndMeeting, as a BBB meeting does until it expires.
func (s *Sim) SetUsers(meetingID string, participants, moderators, videos int) error {
	if participants < 0 || moderators < 0 || videos < 0 || moderators > participants {
		return fmt.Errorf("bbbsim: set users of %q: want 0 <= moderators <= participants and videos >= 0, got %d, %d, %d",
			meetingID, participants, moderators, videos)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return fmt.Errorf("set users of %q: %w", meetingID, ErrUnknownMeeting)
	}
	users := make([]bbb.Attendee, participants)
	for i := range users {
		role := "VIEWER"
		if i < moderators {
			role = "MODERATOR"
		}
		users[i] = bbb.Attendee{
			UserID:         "w_" + randomLowerAlphanumeric(12),
			FullName:       fmt.Sprintf("User %d", i+1),
			Role:           role,
			IsPresenter:    i == 0,
			HasJoinedVoice: true,
			HasVideo:       i < videos,
			ClientType:     "HTML5",
		}
	}
	m.info.Attendees = users
	m.recount(time.Now())
	m.info.VideoCount = videos
	return nil
}

// addAttendee adds one user to a meeting; the caller holds s.mu.
func (m *meeting) addAttendee(a bbb.Attendee, now time.Time) {
	m.info.Attendees = append(m.info.Attendees, a)
	m.recount(now)
}

// EndMeeting removes a meeting as BBB does once its last user has left and it
// expired: it disappears from getMeetings and getMeetingInfo. It reports
// whether the meeting existed.
func (s *Sim) EndMeeting(meetingID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeMeeting(meetingID)
}

// removeMeeting deletes a meeting; the caller holds s.mu.
func (s *Sim) removeMeeting(meetingID string) bool {
	m, ok := s.meetings[meetingID]
	if !ok {
		return false
	}
	delete(s.meetings, meetingID)
	s.unlinkBreakout(m)
	return true
}

// Meetings returns every meeting, oldest first.
func (s *Sim) Meetings() []bbb.Meeting {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.sortedMeetings()
	out := make([]bbb.Meeting, len(ms))
	for i, m := range ms {
		out[i] = m.snapshot()
	}
	return out
}

// Meeting returns the meeting with the external meetingID.
func (s *Sim) Meeting(meetingID string) (bbb.Meeting, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return bbb.Meeting{}, false
	}
	return m.snapshot(), true
}

// CreateParams returns the parameters of the create call that made the
// meeting (query and form body merged, checksum included), or nil.
func (s *Sim) CreateParams(meetingID string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok || m.createParams == nil {
		return nil
	}
	out := make(url.Values, len(m.createParams))
	for k, v := range m.createParams {
		out[k] = slices.Clone(v)
	}
	return out
}

// CreateBody returns the XML body (pre-uploaded slides) of the create call
// that made the meeting, or nil.
func (s *Sim) CreateBody(meetingID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.meetings[meetingID]; ok {
		return slices.Clone(m.createBody)
	}
	return nil
}

// Documents returns the XML bodies insertDocument received for a meeting,
// oldest first.
func (s *Sim) Documents(meetingID string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[meetingID]
	if !ok {
		return nil
	}
	out := make([][]byte, len(m.documents))
	for i, d := range m.documents {
		out[i] = slices.Clone(d)
	}
	return out
}

// ChatMessages returns the messages sendChatMessage posted to a meeting,
// oldest first.
func (s *Sim) ChatMessages(meetingID string) []ChatMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.meetings[meetingID]; ok {
		return slices.Clone(m.chat)
	}
	return nil
}
